"""``manage.py screening_evaluate [--file fixtures/screening_eval.csv] [--threshold N] [--json]``

Runs the labelled evaluation set (query, expected_entry, variant; an empty expected_entry is a
negative that must not match) against the current list releases and prints precision, recall
and the false-positive rate, overall and per variant kind. A positive counts as found when its
expected entry is among the query's matches; a negative is a false positive when it matches
anything. The set is built from the real METI End User List (fixtures/screening_eval.csv).
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from riskmgmt import matching


def evaluate(path: Path, *, threshold: float = matching.DEFAULT_THRESHOLD) -> dict:
    index = matching.current_index()
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "ok": 0})
    tp = fn = fp = tn = wrong = 0
    misses = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            found = {m.entry_name for m in index.search(row["query"], threshold=threshold)}
            kind = per_kind[row["variant"]]
            kind["n"] += 1
            if row["expected_entry"]:
                if row["expected_entry"] in found:
                    tp += 1
                    kind["ok"] += 1
                else:
                    fn += 1
                    misses.append(row["query"])
                wrong += len(found - {row["expected_entry"]})
            elif found:
                fp += 1
                misses.append(row["query"])
            else:
                tn += 1
                kind["ok"] += 1
    predicted = tp + fp + wrong
    return {
        "positives": tp + fn, "negatives": fp + tn,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "precision": tp / predicted if predicted else 0.0,
        "fp_rate": fp / (fp + tn) if fp + tn else 0.0,
        "by_variant": {k: v["ok"] / v["n"] for k, v in sorted(per_kind.items())},
        "misses": misses,
    }


class Command(BaseCommand):
    help = "Print precision, recall and false-positive rate of screening on the evaluation set."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.BASE_DIR) / "fixtures"
                                                  / "screening_eval.csv"))
        parser.add_argument("--threshold", type=float, default=matching.DEFAULT_THRESHOLD)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        result = evaluate(Path(opts["file"]), threshold=opts["threshold"])
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"positives {result['positives']}, negatives {result['negatives']}\n"
            f"recall {result['recall']:.1%}  precision {result['precision']:.1%}  "
            f"false-positive rate {result['fp_rate']:.1%}")
        for kind, rate in result["by_variant"].items():
            self.stdout.write(f"  {kind:40s} {rate:6.1%}")
        for miss in result["misses"]:
            self.stdout.write(f"  miss: {miss}")
