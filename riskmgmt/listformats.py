"""Parsers of the JSON list formats: the US Consolidated Screening List as trade.gov publishes
it in JSON, and the FollowTheMoney entity format (JSON lines) in which OpenSanctions publishes
every list it collects — the US DoD 1260H list, Canada's Named Research Organizations, the
sanctions lists and others, one file format for all.

Like :mod:`riskmgmt.importers` (which registers them beside METI, the CSL CSV and the generic
CSV), a parser never writes: it returns entries and row errors, and only organisations are
kept — individuals (and vessels, aircraft, addresses, sanction records) are counted as
skipped, and a person's attributes (nationality, birth date and place…) are never read.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _
from django_countries import countries as country_table

from riskmgmt.importers import MAX_NAME, ParsedEntry, ParseResult, _clean


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(_("The file is not UTF-8 text (byte %(pos)s); JSON lists are.")
                         % {"pos": exc.start + 1}) from None


def _country(value) -> str:
    code = _clean(value).upper()
    return code if len(code) == 2 and code in dict(country_table) else ""


def _keyed(entry: ParsedEntry, list_code: str, reference: str) -> None:
    if reference:
        entry.entry_key = hashlib.sha1(f"{list_code}|{reference}".encode()).hexdigest()[:32]  # noqa: S324
    entry.finish(list_code)


def _too_long(names) -> bool:
    return any(len(n) > MAX_NAME for n in names)


# --- US Consolidated Screening List (JSON) ---------------------------------------------------

CSL_SKIPPED_TYPES = {"individual", "vessel", "aircraft"}


def parse_csl_json(data: bytes, filename: str = "", list_code: str = "csl") -> ParseResult:
    """``{"results": [{"id", "name", "type", "alt_names": [...], "addresses": [{"country"}],
    "programs": [...], "source", "remarks", ...}]}`` (the bulk file and the API's answer alike;
    a bare list of results, as the API's search gave them, is accepted too). Row numbers are
    positions in ``results`` (from 1).

    As published: the Entity List's results carry no ``type`` (individuals named on it are kept
    as names to screen by), some sources give the country as a top-level ``country`` instead of
    in ``addresses``, and an ``id`` is not unique across the file (the same id under two
    sources, or twice in one). The id keys the entry across releases; a second result with an
    id already read is told apart by its source, then its name (then its position), and a
    result repeated identically is counted as skipped — never a row error, which would refuse the whole
    release of a list that is valid as published.
    """
    result = ParseResult()
    try:
        document = json.loads(_text(data))
    except json.JSONDecodeError as exc:
        result.errors.append((exc.lineno, _("The file is not valid JSON (line %(line)s).")
                              % {"line": exc.lineno}))
        return result
    rows = document.get("results") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        result.errors.append((0, _("The file has no “results” list: it is not the Consolidated "
                                   "Screening List in JSON.")))
        return result
    seen: dict[str, str] = {}  # entry key → fingerprint
    for idx, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            result.errors.append((idx, _("Result %(n)s is not an object.") % {"n": idx}))
            continue
        if _clean(row.get("type")).casefold() in CSL_SKIPPED_TYPES:
            result.skipped += 1
            continue
        name = _clean(row.get("name"))
        if not name:
            result.errors.append((idx, _("The name is empty.")))
            continue
        alt = row.get("alt_names") or []
        if isinstance(alt, str):
            alt = alt.split(";")
        aliases = [a for a in (_clean(x) for x in alt) for a in a.split("; ") if a.strip()]
        if _too_long([name, *aliases]):
            result.errors.append((idx, _("A name is longer than %(n)s characters.") % {"n": MAX_NAME}))
            continue
        countries = [_country(a.get("country")) for a in row.get("addresses") or []
                     if isinstance(a, dict)]
        country = next((c for c in countries if c), "") or _country(row.get("country"))
        programs = row.get("programs") or []
        if isinstance(programs, str):
            programs = programs.split(";")
        entry = ParsedEntry(
            row=idx, name=name, aliases=aliases, country=country, country_label=country,
            concerns=[p.strip() for p in programs if _clean(p)],
            source=_clean(row.get("source"))[:200], note=_clean(row.get("remarks")),
            reference=_clean(row.get("id") or row.get("entity_number"))[:60])
        _keyed(entry, list_code, entry.reference)
        if entry.entry_key in seen:
            if seen[entry.entry_key] == entry.fingerprint:
                result.skipped += 1  # the same result twice: nothing to add
                continue
            # the same id under another source, with another name, or (last) at another row
            for extra in (entry.source, name, str(idx)):
                _keyed(entry, list_code, f"{entry.reference}|{extra}")
                if entry.entry_key not in seen:
                    break
        seen[entry.entry_key] = entry.fingerprint
        result.add(idx, entry, name)
    return result


# --- FollowTheMoney entities (OpenSanctions) --------------------------------------------------

FTM_ORGANISATIONS = {"Organization", "Company", "LegalEntity", "PublicBody"}
FTM_ALIASES = ("alias", "previousName", "abbreviation")  # weakAlias is too weak to screen by


def parse_ftm(data: bytes, filename: str = "", list_code: str = "ftm") -> ParseResult:
    """One FollowTheMoney entity per line (``{"id", "schema", "caption", "properties": {"name":
    [...], "alias": [...], "country": [...], "topics": [...], "notes": [...]}, "datasets": [...]}``),
    as OpenSanctions publishes a dataset (``entities.ftm.json``). Organisations (schemata
    Organization, Company, LegalEntity, PublicBody) become entries: the caption as the name,
    every other name, alias, previous name and abbreviation as aliases, the first country, the
    topics (``sanction``, ``export.control``…) as the type of concern; ``id`` is the reference
    and keys the entry across releases. Row numbers are line numbers."""
    result = ParseResult()
    for idx, line in enumerate(_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
        except json.JSONDecodeError:
            result.errors.append((idx, _("Line %(n)s is not valid JSON.") % {"n": idx}))
            continue
        if not isinstance(entity, dict) or "schema" not in entity:
            result.errors.append((idx, _("Line %(n)s is not a FollowTheMoney entity.")
                                  % {"n": idx}))
            continue
        if entity.get("schema") not in FTM_ORGANISATIONS:
            result.skipped += 1
            continue
        props = entity.get("properties") or {}

        def values(prop, props=props):
            return [v for v in (_clean(x) for x in props.get(prop) or []) if v]

        names = values("name")
        name = _clean(entity.get("caption")) or (names[0] if names else "")
        if not name:
            result.errors.append((idx, _("The name is empty.")))
            continue
        aliases = names + [v for prop in FTM_ALIASES for v in values(prop)]
        if _too_long([name, *aliases]):
            result.errors.append((idx, _("A name is longer than %(n)s characters.") % {"n": MAX_NAME}))
            continue
        country = next((c for c in map(_country, values("country") + values("jurisdiction")
                                       + values("mainCountry")) if c), "")
        reference = _clean(entity.get("id"))[:60]
        entry = ParsedEntry(
            row=idx, name=name, aliases=aliases, country=country, country_label=country,
            concerns=values("topics") or values("program"),
            source=", ".join(entity.get("datasets") or [])[:200],
            note="\n".join(values("notes")), reference=reference)
        _keyed(entry, list_code, reference)
        result.add(idx, entry, name)
    return result


PARSERS = {"csl_json": parse_csl_json, "ftm": parse_ftm}
