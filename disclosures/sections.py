"""The sections of a disclosure: which item model, which fields, how a value reads.

Versions keep a JSON rendering of their items (``DisclosureVersion.content``), built by
:func:`content_for` from raw values. Display strings are computed when a page is rendered so
that they follow the reader's language.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from dataclasses import dataclass

from django.db import models
from django.utils.html import format_html_join
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
        return _label(self.code, name, get_language() or "ja")


@functools.lru_cache(maxsize=1024)
def _label(code: str, name: str, language: str) -> str:
    """A field's label in ``language`` (cached: labels are read for every item shown)."""
    section = BY_CODE[code]
    if name == "organisation":
        return str(section.organisation_label)
    return str(section.model._meta.get_field(name).verbose_name)


@functools.lru_cache(maxsize=4096)
def _translated(kind: str, value, language: str) -> str:
    if kind == "bool":
        return _("Yes") if value else _("No")
    if kind == "country":
        return str(countries.name(value)) or value
    return str(value)


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


def display_value(section: Section, name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "organisation":
        return org_label(value)
    kind, choices = _field_kind(section.model, name)
    if kind in ("bool", "country"):
        return _translated(kind, bool(value) if kind == "bool" else value,
                           get_language() or "ja")
    if kind == "choice":
        return _translated(kind, choices.get(value, value), get_language() or "ja")
    if name in ("amount", "estimated_value"):
        try:
            return f"{decimal.Decimal(value):,}"
        except (decimal.InvalidOperation, ValueError):
            return str(value)
    return str(value)


def item_rows(section: Section, item: dict) -> list[tuple[str, str, str]]:
    """(field name, label, display) for every non-empty value of an item."""
    rows = []
    for name in section.fields:
        shown = display_value(section, name, item["values"].get(name))
        if shown:
            rows.append((name, section.label(name), shown))
    return rows


def item_title(section: Section, item: dict) -> str:
    values = item["values"]
    parts = [display_value(section, n, values.get(n)) for n in section.summary_fields]
    org = org_label(values.get("organisation"))
    text = " / ".join(p for p in [org, *parts] if p)
    return text or _("(untitled item)")


def item_period(item: dict) -> str:
    start, end = item["values"].get("start_date"), item["values"].get("end_date")
    if not start and not end:
        return ""
    until = end or _("present")
    return f"{start or '…'} – {until}"


def sections_for_display(content: dict, comments_by_key: dict | None = None,
                         attachments_by_key: dict | None = None) -> list[dict]:
    comments_by_key = comments_by_key or {}
    attachments_by_key = attachments_by_key or {}
    result = []
    stored = (content or {}).get("sections", {})
    for section in SECTIONS:
        items = []
        for item in stored.get(section.code, []):
            rows = item_rows(section, item)
            items.append({
                "key": item["key"],
                "title": item_title(section, item),
                "period": item_period(item),
                "rows": rows,
                # Rendered here: a template loop per field of 50 items is the page's main cost.
                "rows_html": format_html_join(
                    "", "<div><dt>{}</dt><dd>{}</dd></div>",
                    ((label, shown) for name, label, shown in rows if name != "organisation")),
                "foreign": _is_foreign(item),
                "comments": comments_by_key.get(item["key"], []),
                "attachments": attachments_by_key.get(item["key"], []),
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
