"""Parsers of screening lists: METI End User List (Excel as published, or its cells as CSV),
the US Consolidated Screening List CSV, and a generic CSV; the JSON formats (CSL JSON,
OpenSanctions' FollowTheMoney entities) are in :mod:`riskmgmt.listformats`, called from
:func:`parse`.

A parser never writes: it returns the entries and the row errors. The import service saves a
release only when there is no row error (all-or-nothing). Files are read by the core's tabular
reader (:mod:`portal.tabular`): encodings detected and refused when ambiguous — a METI list in
EUC-JP is read as written or refused, never turned into half-width katakana that would become
the current release and silently stop every match — limits checked while streaming, and every
problem reported with the line of the file.

Person attributes that some lists carry (the CSL's nationalities, citizenships, places and
dates of birth) are never read.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django_countries import countries as country_table

from portal import tabular
from portal.names import compact

MAX_NAME = 500


@dataclass
class ParsedEntry:
    row: int
    name: str
    aliases: list[str] = field(default_factory=list)
    country: str = ""
    country_label: str = ""
    concerns: list[str] = field(default_factory=list)
    source: str = ""
    note: str = ""
    reference: str = ""
    entry_key: str = ""
    fingerprint: str = ""

    def finish(self, list_code: str) -> None:
        self.aliases = _dedupe([a for a in self.aliases if a and a != self.name])
        if not self.entry_key:
            basis = f"{list_code}|{self.country}|{compact(self.name) or self.name.casefold()}"
            self.entry_key = hashlib.sha1(basis.encode()).hexdigest()[:32]  # noqa: S324
        content = json.dumps([self.name, sorted(self.aliases), self.country, sorted(self.concerns),
                              self.source, self.note], ensure_ascii=False)
        self.fingerprint = hashlib.sha256(content.encode()).hexdigest()


@dataclass
class ParseResult:
    entries: list[ParsedEntry] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0
    _keys: set = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.entries)

    def add(self, line: int, entry: ParsedEntry, name: str) -> None:
        """Keep ``entry`` (read at ``line`` of the file), or report it as a duplicate."""
        if entry.entry_key in self._keys:
            self.errors.append((line, _("Duplicate entry “%(name)s”.") % {"name": name}))
            return
        self._keys.add(entry.entry_key)
        self.entries.append(entry)


def _dedupe(values):
    seen, out = set(), []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _clean(value) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


# --- Countries -------------------------------------------------------------------------------

JA_COUNTRIES = {
    "アフガニスタン": "AF", "アラブ首長国連邦": "AE", "イエメン": "YE", "イスラエル": "IL",
    "イラン": "IR", "インド": "IN", "エジプト": "EG", "北朝鮮": "KP", "シリア": "SY",
    "台湾": "TW", "中国": "CN", "パキスタン": "PK", "香港": "HK", "レバノン": "LB", "ロシア": "RU",
    "イラク": "IQ", "トルコ": "TR", "ベラルーシ": "BY", "ミャンマー": "MM", "マレーシア": "MY",
    "シンガポール": "SG", "韓国": "KR", "ウクライナ": "UA", "カザフスタン": "KZ",
}
EN_ALIASES = {
    "north korea": "KP", "south korea": "KR", "russia": "RU", "iran": "IR", "syria": "SY",
    "taiwan": "TW", "hong kong": "HK", "people's republic of china": "CN", "china": "CN",
    "republic of lebanon": "LB", "state of israel": "IL", "arab republic of egypt": "EG",
    "republic of yemen": "YE", "islamic republic of pakistan": "PK",
    "islamic republic of iran": "IR", "islamic republic of afghanistan": "AF",
    "syrian arab republic": "SY", "russian federation": "RU",
}


def country_code(label: str) -> str:
    """ISO code of a country cell such as ``イラン\\nIslamic Republic of Iran``; "" if unknown."""
    text = unicodedata.normalize("NFKC", label or "").strip()
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    for part in parts:
        if part in JA_COUNTRIES:
            return JA_COUNTRIES[part]
        low = part.casefold()
        if low in EN_ALIASES:
            return EN_ALIASES[low]
        if len(part) == 2 and part.upper() in dict(country_table):
            return part.upper()
        code = country_table.by_name(part)
        if code:
            return code
    return ""


# --- METI End User List ----------------------------------------------------------------------

CONCERN_WORDS = {"生物": "B", "化学": "C", "ミサイル": "M", "核": "N", "通常兵器": "CW"}
_PAREN_LINE = re.compile(r"^[(（](.+)[)）]$")
_TRAILING_ABBR = re.compile(r"^(.*\S)\s*[(（]([^()（）]{2,})[)）]$")


def parse_concerns(*cells) -> list[str]:
    """``生物、化学\\nB,C`` / ``M、N`` / ``ミサイルM`` / ``核\\nＮ `` / ``通常兵器\\nCW`` → codes."""
    codes = set()
    for cell in cells:
        text = unicodedata.normalize("NFKC", _clean(cell))
        if not text:
            continue
        for word, code in CONCERN_WORDS.items():
            if word in text:
                codes.add(code)
        for token in re.findall(r"[A-Za-z]+", text):
            token = token.upper()
            if token == "CW":  # noqa: S105 - a concern code, not a secret
                codes.add("CW")
            elif set(token) <= set("BCMN") and len(token) <= 4:
                codes.update(token)
    order = ["B", "C", "M", "N", "CW"]
    return [c for c in order if c in codes]


def split_names(cell: str) -> list[str]:
    """Lines of a name cell: ``Name\\n(日本語名)`` → [Name, 日本語名]; ``Name (ABC)`` adds ABC."""
    names = []
    for line in _clean(cell).split("\n"):
        line = line.strip().lstrip("・･").strip()
        if not line:
            continue
        m = _PAREN_LINE.match(line)
        if m:
            line = m.group(1).strip()
        names.append(line)
        m = _TRAILING_ABBR.match(line)
        if m:
            names.extend([m.group(1).strip(), m.group(2).strip()])
    return [n for n in names if n]


def parse_alias_cell(cell: str) -> list[str]:
    """``・Alias one\\n・Alias two\\n(別名の日本語)`` → each alias; bracketed lines are aliases too."""
    return split_names(cell)


def _meti_rows(data: bytes, filename: str):
    for row in tabular.read_rows(data, name=filename, allowed=(tabular.CSV, tabular.XLSX)):
        yield row.line, list(row.cells)


def parse_meti(data: bytes, filename: str = "", list_code: str = "meti") -> ParseResult:
    result = ParseResult()
    header_seen = False
    keys: dict[str, int] = {}
    for idx, row in _meti_rows(data, filename):
        cells = [_clean(c) for c in (row + [None] * 6)[:6]]
        if not any(cells):
            continue
        if not header_seen:
            if "No" in cells[0] or "Country" in cells[1] or "国名" in cells[1]:
                header_seen = True
                continue
            result.errors.append((idx, _("The first row is not the METI header (No., country, "
                                         "company or organisation, also known as, type).")))
            return result
        number, country_cell, name_cell, alias_cell, wmd, cw = cells
        names = split_names(name_cell)
        if not names:
            result.errors.append((idx, _("The company or organisation name is empty.")))
            continue
        if any(len(n) > MAX_NAME for n in names):
            result.errors.append((idx, _("A name is longer than %(n)s characters.") % {"n": MAX_NAME}))
            continue
        country = country_code(country_cell)
        if country_cell and not country:
            result.errors.append((idx, _("Unknown country or region “%(value)s”.")
                                  % {"value": country_cell.replace("\n", " / ")}))
            continue
        concerns = parse_concerns(wmd, cw)
        if not concerns:
            result.errors.append((idx, _("No type of concern is given.")))
            continue
        if number.startswith("="):
            number = str(idx - 1)
        entry = ParsedEntry(
            row=idx, name=names[0], aliases=names[1:] + parse_alias_cell(alias_cell),
            country=country, country_label=country_cell.replace("\n", " / "),
            concerns=concerns, source="METI", reference=number,
        )
        entry.finish(list_code)
        if entry.entry_key in keys:
            # The same name twice in one country: keep both, told apart by the row.
            entry.entry_key = hashlib.sha1(f"{entry.entry_key}|{number}".encode()).hexdigest()[:32]  # noqa: S324
        keys[entry.entry_key] = idx
        result.entries.append(entry)
    if not header_seen:
        result.errors.append((0, _("The file is empty.")))
    return result


# --- CSV helpers ------------------------------------------------------------------------------


def _dict_rows(data: bytes, filename: str = ""):
    """(header names, iterator of (line, {name: cell})) of a CSV/TSV list."""
    table = tabular.read_table(data, name=filename, allowed=tabular.TEXT_FORMATS,
                               normalise=lambda h: h.strip().lower())
    header = table.header

    def rows():
        for row in table.rows:
            yield row.line, dict(zip(header, row.cells, strict=False))

    return header, rows()


# --- US Consolidated Screening List ----------------------------------------------------------

CSL_REQUIRED = {"name", "source"}


def parse_csl(data: bytes, filename: str = "", list_code: str = "csl") -> ParseResult:
    result = ParseResult()
    header, reader = _dict_rows(data, filename)
    missing = CSL_REQUIRED - set(header)
    if missing:
        result.errors.append((1, _("Missing columns: %(cols)s.") % {"cols": ", ".join(sorted(missing))}))
        return result
    for idx, row in reader:
        name = _clean(row.get("name"))
        kind = _clean(row.get("type")).casefold()
        if kind == "individual":
            result.skipped += 1  # the portal screens organisations, not people
            continue
        if not name:
            result.errors.append((idx, _("The name is empty.")))
            continue
        if len(name) > MAX_NAME:
            result.errors.append((idx, _("A name is longer than %(n)s characters.") % {"n": MAX_NAME}))
            continue
        aliases = [a.strip() for a in re.split(r";", _clean(row.get("alt_names"))) if a.strip()]
        country = ""
        for address in _clean(row.get("addresses")).split(";"):
            tail = address.strip().rsplit(",", 1)[-1].strip().upper()
            if len(tail) == 2 and tail in dict(country_table):
                country = tail
                break
        entry = ParsedEntry(
            row=idx, name=name, aliases=aliases, country=country,
            country_label=country, concerns=[c.strip() for c in _clean(row.get("programs")).split(";") if c.strip()],
            source=_clean(row.get("source"))[:200], note=_clean(row.get("remarks")),
            reference=_clean(row.get("_id") or row.get("entity_number"))[:60],
        )
        if entry.reference:
            entry.entry_key = hashlib.sha1(f"{list_code}|{entry.reference}".encode()).hexdigest()[:32]  # noqa: S324
        entry.finish(list_code)
        result.add(idx, entry, name)
    return result


# --- Generic CSV -----------------------------------------------------------------------------

GENERIC_COLUMNS = ["name", "aliases", "country", "source", "note"]


def parse_generic(data: bytes, filename: str = "", list_code: str = "generic") -> ParseResult:
    result = ParseResult()
    header, reader = _dict_rows(data, filename)
    if "name" not in header:
        result.errors.append((1, _("Missing columns: %(cols)s.") % {"cols": "name"}))
        return result
    for idx, row in reader:
        name = _clean(row.get("name"))
        if not name:
            result.errors.append((idx, _("The name is empty.")))
            continue
        if len(name) > MAX_NAME:
            result.errors.append((idx, _("A name is longer than %(n)s characters.") % {"n": MAX_NAME}))
            continue
        country_cell = _clean(row.get("country"))
        country = country_code(country_cell) if country_cell else ""
        if country_cell and not country:
            result.errors.append((idx, _("Unknown country or region “%(value)s”.") % {"value": country_cell}))
            continue
        aliases = [a.strip() for a in re.split(r"[;|\n]", _clean(row.get("aliases"))) if a.strip()]
        entry = ParsedEntry(row=idx, name=name, aliases=aliases, country=country,
                            country_label=country_cell, source=_clean(row.get("source"))[:200],
                            note=_clean(row.get("note")))
        entry.finish(list_code)
        result.add(idx, entry, name)
    return result


PARSERS = {"meti": parse_meti, "csl": parse_csl, "generic": parse_generic}


ALLOWED = {"meti": (tabular.CSV, tabular.XLSX), "csl": tabular.TEXT_FORMATS,
           "generic": tabular.TEXT_FORMATS}


def sniff(data: bytes, fmt: str, filename: str = "") -> str | None:
    """Check the content (not the name) fits the format; return an error message or None."""
    try:
        kind = tabular.sniff_format(data, name=filename, allowed=ALLOWED[fmt])
        if kind == tabular.XLSX:
            tabular.check_xlsx_container(data)
        else:
            tabular.detect_encoding(data)
    except tabular.TabularError as exc:
        return exc.message
    return None


JSON_FORMATS = ("csl_json", "ftm")  # parsed by riskmgmt.listformats


def _parse_json_format(data: bytes, fmt: str, filename: str, list_code: str) -> ParseResult:
    from riskmgmt import listformats

    if not data or not data.strip():
        return ParseResult(errors=[(0, _("The file is empty."))])
    if b"\x00" in data[:4096] or data[:2] == b"PK":
        return ParseResult(errors=[(0, _("The file is not JSON text."))])
    try:
        return listformats.PARSERS[fmt](data, filename, list_code or fmt)
    except (ValueError, RecursionError) as exc:
        return ParseResult(errors=[(0, str(exc) if isinstance(exc, ValueError)
                                    else _("The file is nested too deeply."))])


def parse(data: bytes, fmt: str, *, filename: str = "", list_code: str = "") -> ParseResult:
    """Entries and row errors of a list file; a file that cannot be read is one error with the
    line of the file where reading stopped (0: the whole file). The JSON formats (CSL JSON,
    FollowTheMoney entities) are parsed by :mod:`riskmgmt.listformats`."""
    if fmt in JSON_FORMATS:
        return _parse_json_format(data, fmt, filename, list_code)
    problem = sniff(data, fmt, filename)
    if problem:
        return ParseResult(errors=[(0, problem)])
    try:
        return PARSERS[fmt](data, filename, list_code or fmt)
    except tabular.TabularError as exc:
        return ParseResult(errors=[(exc.line, exc.detail)])
