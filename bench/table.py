#!/usr/bin/env python
"""Print a Markdown table of benchmark results (for the README).

    .venv/bin/python bench/table.py                       # latest quick and full run
    .venv/bin/python bench/table.py bench/results/A.json bench/results/B.json

One column per result file (named by its scale and database), one row per figure, with the
target and OK/MISS; the machine of each run is printed under the table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def latest() -> list[Path]:
    files = sorted(p for p in RESULTS.glob("*.json") if "-load-" not in p.name)
    picked = {}
    for p in files:
        data = json.loads(p.read_text())
        picked[data["scale"]["name"]] = p  # the newest per scale wins
    return [picked[k] for k in sorted(picked, key=lambda n: (n != "quick", n))]


def fmt(fig: dict) -> str:
    if fig["value"] is None:
        return f"n/a ({fig.get('reason') or 'not built'})"
    v = fig["value"]
    text = f"{v:g} {fig['unit']}" if isinstance(v, int | float) else str(v)
    if fig.get("ok") is True:
        return text + " ✓"
    if fig.get("ok") is False:
        return text + " ✗"
    return text


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or latest()
    if not paths:
        print("no results in bench/results/", file=sys.stderr)
        return 1
    runs = [json.loads(p.read_text()) for p in paths]
    names: list[str] = []
    targets: dict[str, str] = {}
    for run in runs:
        for fig in run["figures"]:
            if fig["name"] not in names:
                names.append(fig["name"])
            if fig.get("target"):
                targets[fig["name"]] = fig["target"]
    heads = [f"{r['scale']['name']} ({r['machine']['database'].split()[0]})" for r in runs]
    print("| figure | target | " + " | ".join(heads) + " |")
    print("|---|---|" + "---|" * len(runs))
    for name in names:
        cells = []
        for run in runs:
            fig = next((f for f in run["figures"] if f["name"] == name), None)
            cells.append(fmt(fig) if fig else "")
        print(f"| `{name}` | {targets.get(name, '')} | " + " | ".join(cells) + " |")
    print()
    for head, run in zip(heads, runs, strict=True):
        m = run["machine"]
        print(f"- {head}: {run['started_at']}, {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB, "
              f"{m['database']}, Python {m['python']}, Django {m['django']}, "
              f"load average {m.get('load_average', '?')}–{m.get('load_average_end', '?')}; "
              f"{run['repeats']} requests per page; whole run {run['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
