"""Fail when a Japanese translation is missing, fuzzy or not compiled.

1. ``makemessages -l ja`` refreshes every catalogue from the code (new strings appear empty);
2. every entry of every ``locale/ja/LC_MESSAGES/django.po`` must be translated and not fuzzy;
3. the committed ``django.mo`` beside it must hold exactly the .po's translations.
Prints each problem and exits 1 when there is any.
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv", "var", "bench", "tests", "node_modules", "build", ".ci"]


def main() -> int:
    args = [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location", "-v", "0"]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=ROOT, check=True)  # noqa: S603
    problems = []
    catalogues = sorted(p for p in ROOT.glob("**/locale/ja/LC_MESSAGES/django.po")
                        if ".venv" not in p.parts)
    if not catalogues:
        problems.append("no Japanese catalogue found")
    for po_path in catalogues:
        po = polib.pofile(str(po_path))
        rel = po_path.relative_to(ROOT)
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{rel}: fuzzy: {entry.msgid!r}")
            elif entry.msgid_plural:
                if not all(v.strip() for v in entry.msgstr_plural.values()):
                    problems.append(f"{rel}: untranslated plural: {entry.msgid!r}")
            elif not entry.msgstr.strip():
                problems.append(f"{rel}: untranslated: {entry.msgid!r}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{rel}: not compiled (no django.mo)")
            continue
        mo = polib.mofile(str(mo_path))
        compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                    for e in mo if e.msgid}
        expected = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                    for e in po.translated_entries() if e.msgid}
        if compiled != expected:
            stale = len(set(expected.items()) ^ set(compiled.items()))
            problems.append(f"{rel}: django.mo is out of date ({stale} differing entries): run make messages")
    for line in problems:
        print(f"translation: {line}")
    print(f"checked {len(catalogues)} Japanese catalogue(s): {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
