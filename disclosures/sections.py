"""The sections of a disclosure: which item model, which fields, how a value reads.

Versions keep a JSON rendering of their items (``DisclosureVersion.content``), built by
:func:`content_for` from raw values. Display strings are computed when a page is rendered so
that they follow the reader's language.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import html
from dataclasses import dataclass

from django.db import models
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_countries import countries

from disclosures.models import (
    CareerItem,
    ContractItem,
    DonationItem,
    FundingItem,
    PositionItem,
    ProgrammeItem,
    SpecifiedCategoryItem,
    SupportItem,
)

COMMON_TAIL = ["country", "start_date", "end_date", "notes"]


@dataclass(frozen=True, eq=False)
class Section:
    code: str
    model: type[models.Model]
    related_name: str
    title: object
    fields: tuple[str, ...]
    organisation_label: object
    summary_fields: tuple[str, ...]

    def field(self, name: str):
        return self.model._meta.get_field(name)

    def label(self, name: str) -> str:
        return _label(self.code, name, get_language())


@functools.lru_cache(maxsize=1024)
def _label(code: str, name: str, language: str | None) -> str:
    """A field's label in ``language``, the active one (cached: labels are read for every item
    shown). ``None`` is no active translation (the message ids)."""
    section = BY_CODE[code]
    if name == "organisation":
        return str(section.organisation_label)
    return str(section.model._meta.get_field(name).verbose_name)


SECTIONS: tuple[Section, ...] = (
    Section("career", CareerItem, "career_items", gettext_lazy("Career and research history"),
            ("organisation", "department_name", "position", *COMMON_TAIL),
            gettext_lazy("Organisation"), ("position", "department_name")),
    Section("position", PositionItem, "position_items",
            gettext_lazy("Affiliations, positions and side jobs"),
            ("organisation", "role", "paid", "remuneration_band", "hours_per_month",
             "effort_percent", "approved", "approved_on", "is_honorary", "is_abroad",
             *COMMON_TAIL),
            gettext_lazy("Organisation"), ("role",)),
    Section("funding", FundingItem, "funding_items", gettext_lazy("External research funding"),
            ("organisation", "programme", "project_title", "role", "status", "amount", "currency",
             "effort_percent", "managed_by_institution", "under_confidentiality",
             "declared_in_applications", *COMMON_TAIL),
            gettext_lazy("Funder"), ("project_title", "programme")),
    Section("support", SupportItem, "support_items", gettext_lazy("Non-monetary support"),
            ("organisation", "kind", "description", "estimated_value", "currency", *COMMON_TAIL),
            gettext_lazy("Provider"), ("kind", "description")),
    Section("programme", ProgrammeItem, "programme_items",
            gettext_lazy("Talent and host programmes"),
            ("programme_kind", "programme_name", "organisation", "obligations", *COMMON_TAIL),
            gettext_lazy("Host organisation"), ("programme_name",)),
    Section("contract", ContractItem, "contract_items",
            gettext_lazy("Contracts and agreements"),
            ("organisation", "contract_type", "title", "assigns_results_or_ip",
             "restricts_publication", "exclusivity", "obligation_recruit_or_work_abroad",
             *COMMON_TAIL),
            gettext_lazy("Counterpart"), ("contract_type", "title")),
    Section("donation", DonationItem, "donation_items", gettext_lazy("Donations for research"),
            ("organisation", "purpose", "amount", "currency", "received_on", *COMMON_TAIL),
            gettext_lazy("Donor"), ("purpose",)),
    Section("specified", SpecifiedCategoryItem, "specified_items",
            gettext_lazy("Specified-category relationships (deemed export)"),
            ("relationship", "organisation", "description", *COMMON_TAIL),
            gettext_lazy("Foreign government or organisation"), ("relationship",)),
)

BY_CODE = {s.code: s for s in SECTIONS}


def is_current(item, today: dt.date) -> bool:
    """An item running on ``today``: started (or no start date) and not ended (or no end
    date). The one definition, used by the flagging rules and the disclosure checks."""
    return (item.start_date is None or item.start_date <= today) and (
        item.end_date is None or item.end_date >= today)


def get_section(code: str) -> Section:
    try:
        return BY_CODE[code]
    except KeyError:
        raise LookupError(code) from None


# --- JSON rendering of items --------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "code") and type(value).__name__ == "Country":
        return value.code or ""
    return value


def item_values(section: Section, item) -> dict:
    values = {}
    for name in section.fields:
        if name == "organisation":
            org = item.organisation
            values[name] = (
                {"id": str(org.public_id), "name_ja": org.name_ja, "name_en": org.name_en,
                 "country": org.country.code if org.country else ""}
                if org is not None else None
            )
        else:
            values[name] = _jsonable(getattr(item, name))
    return values


def content_for(version) -> dict:
    """The JSON rendering of every item of ``version`` (one query per section)."""
    sections = {}
    for section in SECTIONS:
        items = (section.model.objects.filter(version=version)
                 .select_related("organisation").order_by("order", "start_date", "id"))
        sections[section.code] = [
            {"key": str(item.item_key), "id": item.pk, "values": item_values(section, item)}
            for item in items
        ]
    return {"sections": sections}


# --- Display --------------------------------------------------------------------------------
#
# A 50-item page shows about 500 values. How each field reads (its label, its choice names,
# Yes/No, country names) is worked out once per section and language (``_display_fields``),
# not once per value, and each item's field list is escaped and joined in Python rather than
# by a template loop.


def org_label(org: dict | None) -> str:
    if not org:
        return ""
    if (get_language() or "ja").startswith("en"):
        name = org.get("name_en") or org.get("name_ja")
    else:
        name = org.get("name_ja") or org.get("name_en")
    return name or ""


@functools.cache
def _field_kind(model, name: str):
    """('bool' | 'choice' | 'country' | 'plain', choices mapping) of a model field (cached)."""
    if name == "country":
        return "country", {}
    field = model._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        return "bool", {}
    if field.choices:
        return "choice", dict(field.flatchoices)
    return "plain", {}


def _amount(value) -> str:
    try:
        return f"{decimal.Decimal(value):,}"
    except (decimal.InvalidOperation, ValueError, TypeError):
        return str(value)


def _formatter(section: Section, name: str):
    """A function value → display string for ``name`` in the active language."""
    if name == "organisation":
        return org_label
    kind, choices = _field_kind(section.model, name)
    if kind == "bool":
        yes, no = _("Yes"), _("No")
        return lambda value: yes if value else no
    if kind == "country":
        names: dict[str, str] = {}

        def country(value):
            shown = names.get(value)
            if shown is None:
                shown = names[value] = str(countries.name(value)) or value
            return shown

        return country
    if kind == "choice":
        labels = {key: str(label) for key, label in choices.items()}
        return lambda value: labels[value] if value in labels else str(value)
    if name in ("amount", "estimated_value"):
        return _amount
    if _is_date(section.model, name):
        return _date
    return str


def _is_date(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).get_internal_type() == "DateField"
    except Exception:  # noqa: BLE001 - not a model field: shown as text
        return False


def _date(value) -> str:
    """An ISO date of the stored content as the active language writes it (2026年3月31日)."""
    from django.utils import formats

    try:
        return formats.date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class _DisplayField:
    name: str
    label: str
    label_html: str  # escaped once
    shown: object  # value → display string


@functools.lru_cache(maxsize=64)  # sections × languages (ja, en, none active)
def _display_fields(code: str, language: str | None) -> tuple[_DisplayField, ...]:
    """The displayed fields of a section in ``language`` (the active one when first asked)."""
    section = BY_CODE[code]
    result = []
    for name in section.fields:
        label = _label(code, name, language)
        result.append(_DisplayField(name, label, html.escape(label), _formatter(section, name)))
    return tuple(result)


@functools.lru_cache(maxsize=64)  # sections × languages (ja, en, none active)
def _display_map(code: str, language: str | None) -> dict[str, _DisplayField]:
    return {f.name: f for f in _display_fields(code, language)}


def display_value(section: Section, name: str, value) -> str:
    if value is None or value == "":
        return ""
    field = _display_map(section.code, get_language()).get(name)
    if field is None:  # not one of the section's displayed fields
        return _formatter(section, name)(value)
    return field.shown(value)


def item_rows(section: Section, item: dict) -> list[tuple[str, str, str]]:
    """(field name, label, display) for every non-empty value of an item."""
    return _rows(_display_fields(section.code, get_language()), item["values"])


def _rows(fields: tuple[_DisplayField, ...], values: dict) -> list[tuple[str, str, str]]:
    rows = []
    for field in fields:
        value = values.get(field.name)
        if value is None or value == "":
            continue
        shown = field.shown(value)
        if shown:
            rows.append((field.name, field.label, shown))
    return rows


def item_title(section: Section, item: dict) -> str:
    return _title(section, _display_map(section.code, get_language()), item["values"])


def _title(section: Section, by_name: dict[str, _DisplayField], values: dict) -> str:
    parts = [org_label(values.get("organisation"))]
    for name in section.summary_fields:
        value = values.get(name)
        if value is not None and value != "":
            parts.append(by_name[name].shown(value))
    text = " / ".join(p for p in parts if p)
    return text or _("(untitled item)")


def item_period(item: dict) -> str:
    start, end = item["values"].get("start_date"), item["values"].get("end_date")
    if not start and not end:
        return ""
    until = end or _("present")
    return f"{start or '…'} – {until}"


def _rows_html(by_name: dict[str, _DisplayField], rows: list[tuple[str, str, str]]) -> str:
    """The item's ``<dt>/<dd>`` pairs (the organisation is in the title); labels and values
    are escaped here."""
    escape = html.escape
    return mark_safe("".join(
        f"<div><dt>{by_name[name].label_html}</dt><dd>{escape(shown)}</dd></div>"
        for name, _label, shown in rows if name != "organisation"))


def sections_for_display(content: dict, comments_by_key: dict | None = None,
                         attachments_by_key: dict | None = None) -> list[dict]:
    comments_by_key = comments_by_key or {}
    attachments_by_key = attachments_by_key or {}
    language = get_language()
    result = []
    stored = (content or {}).get("sections", {})
    for section in SECTIONS:
        fields = _display_fields(section.code, language)
        by_name = _display_map(section.code, language)
        items = []
        for item in stored.get(section.code, []):
            values = item["values"]
            rows = _rows(fields, values)
            key = item["key"]
            items.append({
                "key": key,
                "title": _title(section, by_name, values),
                "period": item_period(item),
                "rows": rows,
                "rows_html": _rows_html(by_name, rows),
                "foreign": _is_foreign(item),
                "comments": comments_by_key.get(key, []),
                "attachments": attachments_by_key.get(key, []),
            })
        result.append({"code": section.code, "title": str(section.title), "items": items})
    return result


def _is_foreign(item: dict) -> bool:
    values = item["values"]
    country = values.get("country") or (values.get("organisation") or {}).get("country") or ""
    return bool(country) and country != "JP"


# --- Item-by-item comparison ----------------------------------------------------------------


def diff_contents(old: dict, new: dict) -> list[dict]:
    """Per section: items added, removed and changed (field by field) between two versions."""
    result = []
    old_sections = (old or {}).get("sections", {})
    new_sections = (new or {}).get("sections", {})
    for section in SECTIONS:
        before = {i["key"]: i for i in old_sections.get(section.code, [])}
        after = {i["key"]: i for i in new_sections.get(section.code, [])}
        changes = []
        for key, item in after.items():
            if key not in before:
                changes.append({"change": "added", "title": item_title(section, item),
                                "rows": item_rows(section, item)})
                continue
            fields = []
            for name in section.fields:
                a, b = before[key]["values"].get(name), item["values"].get(name)
                if name == "organisation":
                    a, b = (a or {}).get("id"), (b or {}).get("id")
                    if a != b:
                        fields.append((section.label(name),
                                       org_label(before[key]["values"].get(name)),
                                       org_label(item["values"].get(name))))
                    continue
                if a != b:
                    fields.append((section.label(name), display_value(section, name, a),
                                   display_value(section, name, b)))
            if fields:
                changes.append({"change": "changed", "title": item_title(section, item),
                                "fields": fields})
        for key, item in before.items():
            if key not in after:
                changes.append({"change": "removed", "title": item_title(section, item),
                                "rows": item_rows(section, item)})
        result.append({"code": section.code, "title": str(section.title), "changes": changes})
    return result
