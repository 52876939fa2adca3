"""Parsers for a researcher's public records: researchmap (JSONL bulk export, API v2 JSON) and
ORCID v3.0 (JSON or XML). They return plain entries; the services store them as suggestions.

Career, affiliations and research projects/funding become suggestions (:class:`Entry`);
publications and patents (researchmap ``published_papers`` and ``industrial_property_rights``,
ORCID works) become research outputs (:class:`Output`) with their co-authors / co-inventors and
the affiliations the record carries, which the screening checks. Talks, awards and the like are
counted as not used. Nothing about the person (nationality, birthplace…) is read.

Affiliations of co-authors: neither researchmap's nor ORCID's published schema has a field for
a co-author's affiliation today, so the importer reads one when a record carries it: an
``affiliation`` or ``affiliations`` member of an author / contributor, holding a string, a
``{"name": …, "ror": …}`` object (``id``/``ror_id`` accepted for the ROR identifier) or a list
of them (the shape of Crossref's author affiliations). An applicant of a patent is an
organisation: its own name is what is screened.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree
from django.utils.translation import gettext as _


class ImportFormatError(Exception):
    pass


@dataclass
class Entry:
    kind: str  # career / affiliation / funding
    organisation_name: str = ""
    organisation_name_en: str = ""
    country: str = ""
    department_name: str = ""
    title: str = ""
    programme: str = ""
    start_text: str = ""
    end_text: str = ""
    amount: Decimal | None = None
    currency: str = ""
    external_key: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def start_date(self) -> dt.date | None:
        return parse_partial_date(self.start_text)

    @property
    def end_date(self) -> dt.date | None:
        return parse_partial_date(self.end_text)


@dataclass
class Contributor:
    name: str = ""
    role: str = "author"  # author / inventor / applicant
    orcid: str = ""
    affiliation: str = ""
    ror_id: str = ""


@dataclass
class Output:
    kind: str  # paper / patent
    title: str
    external_key: str
    venue: str = ""
    date_text: str = ""
    doi: str = ""
    contributors: list[Contributor] = field(default_factory=list)

    @property
    def published_on(self) -> dt.date | None:
        return parse_partial_date(self.date_text)


@dataclass
class Parsed:
    source: str
    format: str
    entries: list[Entry]
    skipped: int = 0
    external_id: str = ""
    outputs: list[Output] = field(default_factory=list)


def short_ror(value) -> str:
    """``https://ror.org/05dqf9946`` / ``ror.org/05dqf9946`` / ``05dqf9946`` → ``05dqf9946``
    (the form the registry stores); anything else → ""."""
    text = str(value or "").strip().rstrip("/")
    if not text:
        return ""
    tail = text.rsplit("/", 1)[-1]
    if "/" in text and "ror.org" not in text:
        return ""
    return tail if len(tail) == 9 and tail.isalnum() and tail[0] == "0" else ""


def _affiliations(node) -> list[tuple[str, str]]:
    """(name, ROR id) of each affiliation an author / contributor carries (see module doc)."""
    if not isinstance(node, dict):
        return []
    value = node.get("affiliation", node.get("affiliations"))
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, str) and v.strip():
            out.append((v.strip(), ""))
        elif isinstance(v, dict):
            name = v.get("name")
            if isinstance(name, dict):
                name = name.get("ja") or name.get("en") or name.get("value") or ""
            ror = v.get("ror") or v.get("ror_id") or v.get("id") or ""
            if isinstance(ror, list):
                ror = next((x.get("id", "") if isinstance(x, dict) else x for x in ror), "")
            if (name or "").strip() or short_ror(ror):
                out.append(((name or "").strip(), short_ror(ror)))
    return out


def _contributors(people, role: str, *, name_of, orcid_of=lambda p: "") -> list[Contributor]:
    """One :class:`Contributor` per person and affiliation (a person without one: once)."""
    out = []
    for person in people:
        name = (name_of(person) or "").strip()
        affs = _affiliations(person) or [("", "")]
        for aff, ror in affs:
            if name or aff or ror:
                out.append(Contributor(name=name[:300], role=role, orcid=orcid_of(person)[:19],
                                       affiliation=aff[:500], ror_id=ror))
    return out


def parse_partial_date(text: str) -> dt.date | None:
    """'2025-04' → 2025-04-01; '2025' → 2025-01-01; '9999' (researchmap: ongoing) → None."""
    text = (text or "").strip()
    if not text or text.startswith("9999"):
        return None
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 and parts[1] else 1
        day = int(parts[2][:2]) if len(parts) > 2 and parts[2] else 1
        return dt.date(year, month, day)
    except (ValueError, IndexError):
        return None


def _country2(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) == 2:
        return code
    if len(code) == 3:
        import pycountry

        country = pycountry.countries.get(alpha_3=code)
        return country.alpha_2 if country else ""
    return ""


def _currency(code: str) -> str:
    import pycountry

    code = (code or "").strip().upper()
    return code if code and pycountry.currencies.get(alpha_3=code) else ""


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def parse(data: bytes) -> Parsed:
    """Detect the format of an uploaded file and parse it."""
    try:
        text = data.decode("utf-8-sig", errors="strict") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            _("The file is not UTF-8 text (byte %(pos)s): researchmap and ORCID exports are.")
            % {"pos": exc.start + 1}) from None
    if "\x00" in text:
        raise ImportFormatError(_("The file is binary, not a researchmap or ORCID export."))
    try:
        return _parse_text(text)
    except RecursionError:
        raise ImportFormatError(_("The file is nested too deeply to be an export.")) from None


def _parse_text(text: str) -> Parsed:
    stripped = text.lstrip()
    if not stripped:
        raise ImportFormatError(_("The file is empty."))
    if stripped.startswith("<"):
        return parse_orcid_xml(text)
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return parse_researchmap_jsonl(text)
    if isinstance(document, dict) and _looks_orcid(document):
        return parse_orcid_json(document)
    if isinstance(document, dict | list):
        parsed = parse_researchmap_api(document)
        if parsed.entries or parsed.skipped:
            return parsed
    raise ImportFormatError(
        _("This file is not a researchmap export or an ORCID record this portal can read."))


# --- researchmap ------------------------------------------------------------------------------


def _ja_en(value) -> tuple[str, str]:
    if isinstance(value, dict):
        ja, en = value.get("ja") or "", value.get("en") or ""
        return (ja or en).strip(), en.strip()
    return (str(value or "").strip(), "")


def _researchmap_entry(kind_type: str, item: dict, key: str) -> Entry | None:
    if kind_type == "research_experience":
        org, org_en = _ja_en(item.get("affiliation"))
        section, _en = _ja_en(item.get("section"))
        job, _en = _ja_en(item.get("job"))
        return Entry(kind="career", organisation_name=org, organisation_name_en=org_en,
                     country=_country2(item.get("address_country", "")),
                     department_name=section, title=job, start_text=item.get("from_date", ""),
                     end_text=item.get("to_date", ""), external_key=key, raw=item)
    if kind_type == "committee_memberships":
        org, org_en = _ja_en(item.get("association"))
        name, _en = _ja_en(item.get("committee_name"))
        return Entry(kind="affiliation", organisation_name=org, organisation_name_en=org_en,
                     title=name, start_text=item.get("from_date", ""),
                     end_text=item.get("to_date", ""), external_key=key, raw=item)
    if kind_type == "research_projects":
        org, org_en = _ja_en(item.get("offer_organization"))
        title, _en = _ja_en(item.get("research_project_title"))
        system, _en = _ja_en(item.get("system_name"))
        category, _en = _ja_en(item.get("category"))
        programme = " ".join(p for p in (system, category) if p)
        amounts = item.get("overall_grant_amount") or {}
        amount = _decimal(amounts.get("total_cost") or amounts.get("direct_cost"))
        return Entry(kind="funding", organisation_name=org, organisation_name_en=org_en,
                     title=title, programme=programme, start_text=item.get("from_date", ""),
                     end_text=item.get("to_date", ""), amount=amount,
                     currency="JPY" if amount is not None else "", external_key=key, raw=item)
    return None


def _rm_people(value) -> list[dict]:
    """A researchmap list of people (``{"ja": [{"name"}], "en": [...]}``): the longer language
    list, each person's name in Japanese when both are given."""
    if isinstance(value, list):
        return [p for p in value if isinstance(p, dict)]
    if not isinstance(value, dict):
        return []
    ja = [p for p in value.get("ja") or [] if isinstance(p, dict)]
    en = [p for p in value.get("en") or [] if isinstance(p, dict)]
    return ja if len(ja) >= len(en) else en


def _rm_doi(item: dict) -> str:
    dois = (item.get("identifiers") or {}).get("doi") or []
    return str(dois[0]) if dois else ""


def _rm_holders(value) -> list[str]:
    """Names of a patent's applicants / right holders: a string, ``{"ja": …, "en": …}``, a
    researchmap list of people, or a list of names."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if any(isinstance(v, list) for v in value.values()):
            return [p.get("name", "") for p in _rm_people(value)]
        name, name_en = _ja_en(value)
        return [name or name_en]
    if isinstance(value, list):
        return [p.get("name", "") if isinstance(p, dict) else str(p) for p in value]
    return []


def _researchmap_output(kind_type: str, item: dict, key: str) -> Output | None:
    if kind_type == "published_papers":
        title, title_en = _ja_en(item.get("paper_title"))
        venue, _en = _ja_en(item.get("publication_name"))
        output = Output(kind="paper", title=title or title_en, external_key=key, venue=venue,
                        date_text=item.get("publication_date", ""), doi=_rm_doi(item))
        output.contributors = _contributors(_rm_people(item.get("authors")), "author",
                                            name_of=lambda p: p.get("name", ""))
        return output
    if kind_type == "industrial_property_rights":
        title, title_en = _ja_en(item.get("industrial_property_right_title"))
        output = Output(kind="patent", title=title or title_en, external_key=key,
                        venue=str(item.get("application_number") or item.get("patent_number")
                                  or ""),
                        date_text=item.get("application_date") or item.get("registration_date")
                        or "")
        output.contributors = _contributors(_rm_people(item.get("inventors")), "inventor",
                                            name_of=lambda p: p.get("name", ""))
        for name in _rm_holders(item.get("applicants") or item.get("right_holder")):
            name = (name or "").strip()
            if name:  # an applicant is an organisation: its name is what is screened
                output.contributors.append(Contributor(name=name[:300], role="applicant",
                                                       affiliation=name[:500]))
        return output
    return None


def parse_researchmap_jsonl(text: str) -> Parsed:
    entries, skipped, external_id, outputs = [], 0, "", []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise ImportFormatError(
                _("Line %(n)s of the file is not valid JSON.") % {"n": number}) from None
        if not isinstance(record, dict) or "insert" not in record:
            raise ImportFormatError(
                _("Line %(n)s is not a researchmap export line.") % {"n": number})
        head, body = record.get("insert") or {}, record.get("merge") or {}
        kind_type = head.get("type", "")
        key = f"researchmap:{kind_type}:{head.get('id', '')}"
        if kind_type == "researchers":
            external_id = head.get("id", "")
            for i, aff in enumerate(body.get("affiliations") or []):
                org, org_en = _ja_en(aff.get("affiliation"))
                section, _en = _ja_en(aff.get("section"))
                job, _en = _ja_en(aff.get("job"))
                entries.append(Entry(kind="affiliation", organisation_name=org,
                                     organisation_name_en=org_en, department_name=section,
                                     title=job, external_key=f"{key}:affiliation:{i}", raw=aff))
            continue
        external_id = external_id or head.get("user_id", "")
        entry = _researchmap_entry(kind_type, body, key)
        output = None if entry else _researchmap_output(kind_type, body, key)
        if entry is not None:
            entries.append(entry)
        elif output is not None:
            outputs.append(output)
        else:
            skipped += 1
    return Parsed(source="researchmap", format="researchmap_jsonl", entries=entries,
                  skipped=skipped, external_id=external_id, outputs=outputs)


def _researchmap_items(document):
    """Every item with an ``@type`` found in an API v2 response (list pages or single items)."""
    if isinstance(document, list):
        for value in document:
            yield from _researchmap_items(value)
    elif isinstance(document, dict):
        if "@type" in document and ("rm:id" in document or "@id" in document) \
                and "items" not in document:
            yield document
            return
        if "items" in document and isinstance(document["items"], list):
            for item in document["items"]:
                if isinstance(item, dict):
                    item.setdefault("@type", document.get("@type", ""))
                    yield item
            return
        for value in document.values():
            if isinstance(value, dict | list):
                yield from _researchmap_items(value)


def parse_researchmap_api(document) -> Parsed:
    entries, skipped, external_id, outputs = [], 0, "", []
    for item in _researchmap_items(document):
        kind_type = item.get("@type", "")
        external_id = external_id or item.get("rm:user_id", "")
        key = f"researchmap:{kind_type}:{item.get('rm:id') or item.get('@id', '')}"
        entry = _researchmap_entry(kind_type, item, key)
        output = None if entry else _researchmap_output(kind_type, item, key)
        if entry is not None:
            entries.append(entry)
        elif output is not None:
            outputs.append(output)
        else:
            skipped += 1
    return Parsed(source="researchmap", format="researchmap_api", entries=entries,
                  skipped=skipped, external_id=external_id, outputs=outputs)


# --- ORCID JSON -------------------------------------------------------------------------------

ORCID_AFFILIATION_KINDS = {
    "employment": "career",
    "invited-position": "affiliation",
    "membership": "affiliation",
    "service": "affiliation",
    "distinction": None,
    "education": None,
    "qualification": None,
}


def _looks_orcid(document: dict) -> bool:
    if "bulk" in document or ("contributors" in document and "title" in document):
        return True  # works (one full work, or a bulk of them)
    return any(k in document for k in ("activities-summary", "orcid-identifier")) or (
        "organization" in document and ("role-title" in document or "department-name" in document
                                        or "title" in document))


def _value(node):
    if isinstance(node, dict):
        return node.get("value")
    return node


def _orcid_date(node) -> str:
    if not isinstance(node, dict):
        return ""
    year, month, day = _value(node.get("year")), _value(node.get("month")), _value(node.get("day"))
    return "-".join(p for p in (year, month, day) if p)


def _orcid_org(node) -> tuple[str, str]:
    node = node or {}
    return (node.get("name") or "").strip(), _country2((node.get("address") or {}).get("country", ""))


def _orcid_affiliation(kind: str, summary: dict) -> Entry:
    org, country = _orcid_org(summary.get("organization"))
    return Entry(kind=kind, organisation_name=org, country=country,
                 department_name=(summary.get("department-name") or "").strip(),
                 title=(summary.get("role-title") or "").strip(),
                 start_text=_orcid_date(summary.get("start-date")),
                 end_text=_orcid_date(summary.get("end-date")),
                 external_key=f"orcid:{kind}:{summary.get('put-code', '')}", raw=summary)


def _orcid_funding(summary: dict) -> Entry:
    org, country = _orcid_org(summary.get("organization"))
    title = ((summary.get("title") or {}).get("title") or {}).get("value", "")
    amount_node = summary.get("amount") or {}
    currency = _currency(amount_node.get("currency-code", ""))
    amount = _decimal(amount_node.get("value")) if currency else None
    programme = _value(summary.get("organization-defined-type")) or summary.get("type") or ""
    return Entry(kind="funding", organisation_name=org, country=country, title=title.strip(),
                 programme=str(programme), start_text=_orcid_date(summary.get("start-date")),
                 end_text=_orcid_date(summary.get("end-date")), amount=amount,
                 currency=currency if amount is not None else "",
                 external_key=f"orcid:funding:{summary.get('put-code', '')}", raw=summary)


ORCID_PATENT_TYPES = {"patent"}


def _orcid_work(work: dict) -> Output:
    """A full work (with its contributors) or a work summary (without) → :class:`Output`."""
    title = _value((work.get("title") or {}).get("title")) or ""
    doi = ""
    for ext in ((work.get("external-ids") or {}).get("external-id") or []):
        if ext.get("external-id-type") == "doi" and ext.get("external-id-relationship") != "self":
            doi = ext.get("external-id-value") or ""
            break
    kind = "patent" if work.get("type") in ORCID_PATENT_TYPES else "paper"
    output = Output(kind=kind, title=str(title).strip(),
                    external_key=f"orcid:work:{work.get('put-code', '') or doi or title[:80]}",
                    venue=str(_value(work.get("journal-title")) or ""),
                    date_text=_orcid_date(work.get("publication-date")), doi=doi)
    people = ((work.get("contributors") or {}).get("contributor") or [])
    role = "inventor" if kind == "patent" else "author"
    output.contributors = _contributors(
        [p for p in people if isinstance(p, dict)], role,
        name_of=lambda p: _value(p.get("credit-name")) or "",
        orcid_of=lambda p: (p.get("contributor-orcid") or {}).get("path") or "")
    return output


def parse_orcid_json(document: dict) -> Parsed:
    entries, skipped, outputs = [], 0, []
    external_id = ((document.get("orcid-identifier") or {}).get("path") or "")
    if "bulk" in document or ("contributors" in document and "title" in document):
        works = [b.get("work") for b in document.get("bulk") or [] if isinstance(b, dict)] \
            if "bulk" in document else [document]
        outputs = [_orcid_work(w) for w in works if isinstance(w, dict)]
        return Parsed(source="orcid", format="orcid_json", entries=[], outputs=outputs)
    if "activities-summary" not in document and "orcid-identifier" not in document:
        # One activity (the shape of the API's single-item responses).
        if "role-title" in document or "department-name" in document:
            entries.append(_orcid_affiliation("career", document))
        else:
            entries.append(_orcid_funding(document))
        return Parsed(source="orcid", format="orcid_json", entries=entries)
    activities = document.get("activities-summary") or {}
    for section_name, section in activities.items():
        if not isinstance(section, dict):
            continue
        singular = section_name[:-1] if section_name.endswith("s") else section_name
        if singular in ORCID_AFFILIATION_KINDS:
            kind = ORCID_AFFILIATION_KINDS[singular]
            for group in section.get("affiliation-group") or []:
                for wrapper in group.get("summaries") or []:
                    summary = wrapper.get(f"{singular}-summary")
                    if summary is None:
                        continue
                    if kind is None:
                        skipped += 1
                    else:
                        entries.append(_orcid_affiliation(kind, summary))
        elif singular == "funding":
            for group in section.get("group") or []:
                for summary in group.get("funding-summary") or []:
                    entries.append(_orcid_funding(summary))
        elif singular == "work":
            for group in section.get("group") or []:
                summaries = group.get("work-summary") or []
                if summaries:  # one work per group: its versions from several sources
                    outputs.append(_orcid_work(summaries[0]))
        else:
            skipped += len(section.get("group") or [])
    return Parsed(source="orcid", format="orcid_json", entries=entries, skipped=skipped,
                  external_id=external_id, outputs=outputs)


# --- ORCID XML --------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node, name):
    for child in node:
        if _local(child.tag) == name:
            return child
    return None


def _text(node, *path) -> str:
    for name in path:
        if node is None:
            return ""
        node = _child(node, name)
    return (node.text or "").strip() if node is not None else ""


def _xml_date(node) -> str:
    if node is None:
        return ""
    return "-".join(p for p in (_text(node, "year"), _text(node, "month"), _text(node, "day")) if p)


def parse_orcid_xml(text: str) -> Parsed:
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except Exception:
        raise ImportFormatError(_("The XML file could not be read.")) from None
    if "orcid.org" not in root.tag:
        raise ImportFormatError(_("This XML file is not an ORCID record."))
    entries, skipped, outputs = [], 0, []
    external_id = ""
    if _local(root.tag) == "work":  # one full work, with its contributors
        outputs.append(_xml_work(root))
    for node in root.iter():
        name = _local(node.tag)
        if name == "orcid-identifier" and not external_id:
            external_id = _text(node, "path")
        if not name.endswith("-summary"):
            continue
        kind_name = name[: -len("-summary")]
        put_code = node.get("put-code", "")
        org = _child(node, "organization")
        org_name = _text(org, "name") if org is not None else ""
        country = _country2(_text(org, "address", "country")) if org is not None else ""
        if kind_name in ORCID_AFFILIATION_KINDS:
            kind = ORCID_AFFILIATION_KINDS[kind_name]
            if kind is None:
                skipped += 1
                continue
            entries.append(Entry(
                kind=kind, organisation_name=org_name, country=country,
                department_name=_text(node, "department-name"), title=_text(node, "role-title"),
                start_text=_xml_date(_child(node, "start-date")),
                end_text=_xml_date(_child(node, "end-date")),
                external_key=f"orcid:{kind_name}:{put_code}",
                raw={"put-code": put_code, "organization": org_name, "kind": kind_name}))
        elif kind_name == "funding":
            amount_node = _child(node, "amount")
            currency = _currency(amount_node.get("currency-code", "")) if amount_node is not None else ""
            amount = _decimal((amount_node.text or "").strip()) if (amount_node is not None and currency) else None
            entries.append(Entry(
                kind="funding", organisation_name=org_name, country=country,
                title=_text(node, "title", "title"), programme=_text(node, "type"),
                start_text=_xml_date(_child(node, "start-date")),
                end_text=_xml_date(_child(node, "end-date")), amount=amount,
                currency=currency if amount is not None else "",
                external_key=f"orcid:funding:{put_code}",
                raw={"put-code": put_code, "organization": org_name, "kind": "funding"}))
        elif kind_name == "work":
            outputs.append(_xml_work(node))
        elif name != "activities-summary":
            skipped += 1
    return Parsed(source="orcid", format="orcid_xml", entries=entries, skipped=skipped,
                  external_id=external_id, outputs=outputs)


def _xml_work(node) -> Output:
    doi = ""
    ext_ids = _child(node, "external-ids")
    for ext in (ext_ids if ext_ids is not None else []):
        if _text(ext, "external-id-type") == "doi" and \
                _text(ext, "external-id-relationship") != "self":
            doi = _text(ext, "external-id-value")
            break
    kind = "patent" if _text(node, "type") in ORCID_PATENT_TYPES else "paper"
    output = Output(kind=kind, title=_text(node, "title", "title"),
                    external_key=f"orcid:work:{node.get('put-code', '') or doi}",
                    venue=_text(node, "journal-title"),
                    date_text=_xml_date(_child(node, "publication-date")), doi=doi)
    people = _child(node, "contributors")
    for person in (people if people is not None else []):
        name = _text(person, "credit-name")
        orcid = _text(person, "contributor-orcid", "path")
        if name:
            output.contributors.append(Contributor(
                name=name[:300], role="inventor" if kind == "patent" else "author",
                orcid=orcid[:19]))
    return output
