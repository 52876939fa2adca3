"""Fail when a Japanese translation is missing, fuzzy, not compiled, left in English or worded
against the glossary.

1. ``makemessages -l ja`` refreshes every catalogue from the code (new strings appear empty);
2. every entry of every ``locale/ja/LC_MESSAGES/django.po`` must be translated and not fuzzy;
3. the committed ``django.mo`` beside it must hold exactly the .po's translations;
4. no msgstr is left in English: an ASCII-only msgstr for a msgid that has a word fails, unless
   what remains once placeholders are taken out is a name in ``ASCII_ALLOWED`` (ORCID, PDF...);
5. one msgid, one meaning: Django merges every app's catalogue into one per language (the first
   app listed wins), so a ``(msgctxt, msgid)`` translated differently in two catalogues shows the
   wrong word in one of the apps. Two meanings need a context (``pgettext``,
   ``{% translate "..." context "..." %}``);
6. the glossary ``locale/glossary.csv`` (english, context, japanese): an entry whose msgid
   and context are a glossary row must read as the row does; a word the glossary lists
   only with contexts has several meanings, and an entry of it without a context fails;
7. the word in the catalogue is the word a reader gets: with Django set up and Japanese active,
   ``gettext``/``pgettext`` of every entry must return its msgstr (a package's catalogue listed
   before the portal's, such as the admin's "None" → "None", would otherwise win).
Prints each problem and exits 1 when there is any.
"""

import csv
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv", "var", "bench", "tests", "node_modules", "build", ".ci"]
GLOSSARY = ROOT / "locale" / "glossary.csv"
# Names written the same in Japanese: an ASCII msgstr made only of these is right.
ASCII_ALLOWED = {"ORCID", "ORCID iD", "iD", "DOI", "PDF", "CSV", "Excel", "ROR ID", "researchmap", "e-Rad", "URL", "ID",
                 "TOTP", "SAML", "SSO", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "OK"}
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[^}]*\}|<[^>]*>")


def load_glossary(path=GLOSSARY):
    """{(context or None, english): japanese} and the words that need a context."""
    terms, plain, contexts = {}, set(), set()
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        english, context, japanese = (c.strip() for c in row[:3])
        key = english
        terms[(context or None, key)] = japanese
        (contexts if context else plain).add(key)
    return terms, contexts - plain


def left_in_english(entry):
    """True when the msgstr is the untranslated English (ASCII words, not an allowed name)."""
    values = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", entry.msgid)):
        return False
    for value in values:
        if not value.isascii():
            continue
        rest = PLACEHOLDER.sub(" ", value).strip(" .:()-/")
        words = [w for w in re.split(r"[\s,/()]+", rest) if w]
        if rest in ASCII_ALLOWED or (words and all(w in ASCII_ALLOWED for w in words)):
            continue
        if re.search(r"[A-Za-z]{2,}", rest):
            return True
    return False


def check_catalogues(catalogues, glossary=None):
    """Problems of the given (relative name, polib.POFile) pairs, as printable lines."""
    terms, need_context = glossary if glossary is not None else load_glossary()
    problems = []
    seen = defaultdict(dict)  # (msgctxt, msgid) -> {msgstr: catalogue}
    for rel, po in catalogues:
        for entry in po:
            if entry.obsolete:
                continue
            label = f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid
            if "fuzzy" in entry.flags:
                problems.append(f"{rel}: fuzzy: {label!r}")
                continue
            if entry.msgid_plural:
                if not all(v.strip() for v in entry.msgstr_plural.values()):
                    problems.append(f"{rel}: untranslated plural: {label!r}")
                    continue
            elif not entry.msgstr.strip():
                problems.append(f"{rel}: untranslated: {label!r}")
                continue
            if left_in_english(entry):
                problems.append(f"{rel}: left in English: {label!r} -> {entry.msgstr!r}")
            key = entry.msgid
            if entry.msgctxt is None and key in need_context:
                problems.append(f"{rel}: {entry.msgid!r} has several meanings (glossary): "
                                "give it a context")
            wanted = terms.get((entry.msgctxt, key))
            if wanted is not None and entry.msgstr != wanted:
                problems.append(f"{rel}: {label!r} -> {entry.msgstr!r}, the glossary says "
                                f"{wanted!r}")
            if not entry.msgid_plural:
                seen[(entry.msgctxt, entry.msgid)].setdefault(entry.msgstr, str(rel))
    for (ctx, msgid), versions in sorted(seen.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        if len(versions) > 1:
            label = f"{ctx}|{msgid}" if ctx else msgid
            found = "; ".join(f"{s!r} in {c}" for s, c in sorted(versions.items()))
            problems.append(f"one msgid, two translations (only one can show; add a context "
                            f"or use one word): {label!r}: {found}")
    return problems


def check_compiled(rel, po_path, po):
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [f"{rel}: not compiled (no django.mo)"]
    mo = polib.mofile(str(mo_path))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                for e in mo if e.msgid}
    expected = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                for e in po.translated_entries() if e.msgid}
    if compiled != expected:
        stale = len(set(expected.items()) ^ set(compiled.items()))
        return [f"{rel}: django.mo is out of date ({stale} differing entries): run make messages"]
    return []


def check_served(catalogues):
    """Entries whose translation at run time is not the catalogue's (another catalogue wins)."""
    import os

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.utils import translation

    problems = []
    with translation.override("ja"):
        for rel, po in catalogues:
            for entry in po.translated_entries():
                if entry.msgid_plural or not entry.msgid:
                    continue
                got = (translation.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt
                       else translation.gettext(entry.msgid))
                if got != entry.msgstr:
                    problems.append(f"{rel}: {entry.msgid!r} is shown as {got!r}, not "
                                    f"{entry.msgstr!r}: another catalogue wins")
    return problems


def main() -> int:
    args = [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location", "-v", "0"]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=ROOT, check=True)  # noqa: S603
    problems = []
    paths = sorted(p for p in ROOT.glob("**/locale/ja/LC_MESSAGES/django.po")
                   if ".venv" not in p.parts)
    if not paths:
        problems.append("no Japanese catalogue found")
    catalogues = []
    for po_path in paths:
        po = polib.pofile(str(po_path))
        rel = po_path.relative_to(ROOT)
        catalogues.append((rel, po))
        problems += check_compiled(rel, po_path, po)
    problems += check_catalogues(catalogues)
    if not problems:  # compiled and consistent: what the reader gets is worth comparing
        problems += check_served(catalogues)
    for line in problems:
        print(f"translation: {line}")
    print(f"checked {len(paths)} Japanese catalogue(s): {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
