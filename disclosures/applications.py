"""The lists a grant application asks for, taken from the current accepted disclosure.

* Other research funds (applied for and received) with effort %;
* All affiliations and positions, including talent programmes and honorary titles;
* The pledges recorded for applications.

Excel (openpyxl) and PDF (WeasyPrint with Japanese fonts).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosures.models import Disclosure
from disclosures.sections import display_value, get_section, org_label
from portal import xlsx


def _period(values: dict) -> str:
    start, end = values.get("start_date") or "", values.get("end_date") or ""
    if not start and not end:
        return ""
    until = end or _("present")
    return f"{start or '…'} – {until}"


def funding_rows(content: dict) -> tuple[list[str], list[list]]:
    section = get_section("funding")
    headers = [_("Funder"), _("Programme"), _("Project title"), _("Role"), _("Status"),
               _("Period"), _("Amount"), _("Currency"), _("Effort (%)"),
               _("Managed through the institution"), _("Under a confidentiality agreement")]
    rows = []
    for item in (content.get("sections") or {}).get("funding", []):
        v = item["values"]
        confidential = bool(v.get("under_confidentiality"))
        rows.append([
            _("(confidential)") if confidential and not v.get("organisation")
            else org_label(v.get("organisation")),
            v.get("programme") or "", v.get("project_title") or "",
            display_value(section, "role", v.get("role")),
            display_value(section, "status", v.get("status")), _period(v),
            xlsx.number(v.get("amount")), v.get("currency") or "",
            xlsx.number(v.get("effort_percent")),
            display_value(section, "managed_by_institution", v.get("managed_by_institution")),
            display_value(section, "under_confidentiality", v.get("under_confidentiality")),
        ])
    return headers, rows


def position_rows(content: dict) -> tuple[list[str], list[list]]:
    headers = [_("Kind"), _("Organisation"), _("Country/region"), _("Role or programme"),
               _("Paid"), _("Effort (%)"), _("Honorary title"), _("Appointment abroad"),
               _("Period")]
    position = get_section("position")
    programme = get_section("programme")
    sections = content.get("sections") or {}
    rows = []
    for item in sections.get("position", []):
        v = item["values"]
        rows.append([
            _("Position / side job"), org_label(v.get("organisation")),
            display_value(position, "country", v.get("country")), v.get("role") or "",
            display_value(position, "paid", v.get("paid")), xlsx.number(v.get("effort_percent")),
            display_value(position, "is_honorary", v.get("is_honorary")),
            display_value(position, "is_abroad", v.get("is_abroad")), _period(v),
        ])
    for item in sections.get("programme", []):
        v = item["values"]
        rows.append([
            display_value(programme, "programme_kind", v.get("programme_kind")),
            org_label(v.get("organisation")),
            display_value(programme, "country", v.get("country")),
            v.get("programme_name") or "", "", "", "", "", _period(v),
        ])
    return headers, rows


def pledge_rows(disclosure: Disclosure) -> tuple[list[str], list[list]]:
    headers = [_("Date of the pledge"), _("Funder"), _("Programme"), _("Application title")]
    rows = [[p.pledged_on, p.funder_label, p.programme, p.application_title]
            for p in disclosure.pledges.select_related("funder")]
    return headers, rows


def _lists(disclosure: Disclosure):
    version = disclosure.last_accepted_version
    content = version.content if version else {}
    return [
        (_("Other research funds"), *funding_rows(content)),
        (_("Affiliations and positions"), *position_rows(content)),
        (_("Pledges"), *pledge_rows(disclosure)),
    ]


def application_lists_xlsx(*, disclosure: Disclosure) -> bytes:
    """One list sheet per list, under the researcher's name and the accepted version (its
    acceptance time in Tokyo); amounts and effort are numbers, pledge dates are dates."""
    version = disclosure.last_accepted_version
    preamble = [
        [_("Researcher"), disclosure.owner.display_name],
        [_("Accepted disclosure version"), version.number if version else None,
         version.accepted_at if version else None],
        [],
    ]
    book = xlsx.Workbook()
    for title, headers, rows in _lists(disclosure):
        book.list_sheet(title, headers, rows, preamble=preamble)
    return book.save()


def _with_separators(lists):
    """The lists for a document: amounts and effort written with thousands separators."""
    from portal.templatetags.portal import amount

    numeric = {str(_("Amount")), str(_("Effort (%)"))}
    out = []
    for title, headers, rows in lists:
        columns = {i for i, h in enumerate(headers) if str(h) in numeric}
        out.append((title, headers, [[amount(c) if i in columns else c for i, c in enumerate(row)]
                                     for row in rows]))
    return out


def application_lists_pdf(*, disclosure: Disclosure, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("disclosures/pdf/application_lists.html", {
        "disclosure": disclosure, "version": disclosure.last_accepted_version,
        "lists": _with_separators(_lists(disclosure)), "generated_at": timezone.localtime(),
    }, request=request)
    return HTML(string=html, base_url=None).write_pdf()
