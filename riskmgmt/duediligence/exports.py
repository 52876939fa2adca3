"""Exports of due diligence, through the portal's exporter registry (background task,
progress, ``GeneratedFile``, audited):

* ``duediligence.forms`` — the programme's forms generated from the data: the institution's
  questionnaire (別紙5-style) and one self-declaration (別添-style) per member, as Word (.docx,
  python-docx) or PDF (WeasyPrint, the same HTML with the Japanese fonts of the portal's PDF
  templates). Item 13 (nationality) is printed as an empty box with a note that the member fills
  it in by hand: the portal stores no nationality.
* ``duediligence.summary`` — the office's Excel summary (members, declarations, hits, measures)
  through the portal's xlsx writer (:func:`portal.exports.rows_to_xlsx`, formula guard).
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.errors import ApplicationError
from portal.exports import PDF, BaseExporter, ListExporter, register
from riskmgmt.duediligence import selectors
from riskmgmt.duediligence.items import HANDWRITTEN_NOTE, ITEMS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _project(params, user):
    from django.http import Http404

    try:
        return selectors.project_for_export(user=user, public_id=params.get("project"))
    except (Http404, ValueError, Exception) as exc:
        if isinstance(exc, ApplicationError):
            raise
        raise ApplicationError(_("The project was not found.")) from None


def _yes_no(value) -> str:
    return {"yes": _("Yes"), "no": _("No"), True: _("Yes"), False: _("No")}.get(value, "—")


def build_document(project) -> dict:
    """Everything the forms print, as plain strings (one pass over the data)."""
    members = selectors.members_of(project)
    findings = selectors.findings(project)
    questionnaire = project.questionnaire
    declarations = []
    for m in members:
        version = m.declaration.signed_version or m.declaration.current_version
        content = version.content if version else {}
        items = []
        for item in ITEMS:
            if item.kind == "table":
                rows = [[r.get(f.code, "") for f in item.fields] for r in content.get(item.code) or []]
                items.append({"item": item, "headers": [str(f.label) for f in item.fields],
                              "rows": rows})
            elif item.kind == "answer":
                value = content.get(item.code) or {}
                items.append({"item": item, "answer": str(_yes_no(value.get("answer"))),
                              "note": value.get("note", "")})
            else:
                items.append({"item": item, "handwritten": str(HANDWRITTEN_NOTE)})
        f = findings.get(m.pk) or {}
        declarations.append({
            "member": m, "version": version, "items": items,
            "signed": bool(m.declaration.signed_version_id),
            "checks": {k: [h.entry_name for h in f.get(k, [])] for k in
                       ("list_status", "listed_affiliation", "listed_relationships")},
        })
    institutions = selectors.institution_statuses(project, members)
    for s in institutions:
        s["label"] = str(STATUS_LABELS[s["status"]])
    return {
        "project": project, "programme": project.programme, "questionnaire": questionnaire,
        "institutions": institutions,
        "declarations": declarations,
        "measures": list(project.measures.select_related("owner", "dd_detail")),
        "all_signed": bool(members) and all(d["signed"] for d in declarations),
        "today": timezone.localdate(),
        "handwritten_note": str(HANDWRITTEN_NOTE),
    }


STATUS_LABELS = {"submitted": gettext_lazy("Submitted"),
                 "not_submitted": gettext_lazy("Required but not submitted"),
                 "not_required": gettext_lazy("Not required")}


def render_docx(doc: dict) -> bytes:
    from docx import Document

    project, q = doc["project"], doc["questionnaire"]
    d = Document()
    d.add_heading(_("Research-security due diligence: the institution's questionnaire"), 0)
    d.add_paragraph(f"{_('Programme')}: {project.programme.name_ja} "
                    f"({project.programme.agency_label}, {project.programme.fiscal_year})")
    d.add_paragraph(f"{_('Project')}: {project.title} {project.project_number}")
    d.add_heading(_("Due-diligence status per institution"), 1)
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text, t.rows[0].cells[1].text = _("Institution"), _("Status")
    for s in doc["institutions"]:
        row = t.add_row().cells
        row[0].text, row[1].text = s["institution"].name, s["label"]
    d.add_heading(_("Checks per researcher"), 1)
    t = d.add_table(rows=1, cols=4)
    for cell, label in zip(t.rows[0].cells, [_("Member"), _("Institution listed"),
                                             _("Past affiliation with a listed entity"),
                                             _("Relationships with listed entities")], strict=False):
        cell.text = label
    for dec in doc["declarations"]:
        row = t.add_row().cells
        row[0].text = dec["member"].display_name
        for i, key in enumerate(("list_status", "listed_affiliation", "listed_relationships"), 1):
            names = dec["checks"][key]
            row[i].text = f"{_('Yes')}: {', '.join(names)}" if names else str(_("No"))
    d.add_heading(_("Result"), 1)
    d.add_paragraph(f"{_('Result of the due diligence')}: {q.get_result_display() or '—'}")
    d.add_paragraph(f"{_('Mitigation needed')}: {_yes_no(q.mitigation_needed)}")
    d.add_paragraph(f"{_('Rule for researchers added during the project')}: "
                    f"{q.later_members_rule or '—'}")
    d.add_paragraph(f"{_('Risks at partner institutions and their researchers')}: "
                    f"{q.partner_risks or '—'}")
    d.add_heading(_("Mitigation measures"), 1)
    t = d.add_table(rows=1, cols=4)
    for cell, label in zip(t.rows[0].cells, [_("Area"), _("What"), _("Who"), _("By when")], strict=False):
        cell.text = label
    for m in doc["measures"]:
        row = t.add_row().cells
        detail = getattr(m, "dd_detail", None)
        row[0].text = detail.get_area_display() if detail else m.get_kind_display()
        row[1].text, row[2].text = m.description, m.owner.display_name
        row[3].text = m.due_date.isoformat()
    d.add_paragraph(f"{_('The measures are feasible')}: {_yes_no(q.measures_feasible)} "
                    f"{q.feasibility_note}")
    d.add_paragraph(f"{_('Consent of all members')}: {_yes_no(doc['all_signed'])}")
    d.add_paragraph(f"{_('Confirmed by the PI')}: "
                    f"{q.pi_confirmed_at:%Y-%m-%d}" if q.pi_confirmed_at else
                    f"{_('Confirmed by the PI')}: —")
    d.add_paragraph(f"{_('Signed off by the office')}: "
                    f"{q.office_signed_at:%Y-%m-%d}" if q.office_signed_at else
                    f"{_('Signed off by the office')}: —")
    for dec in doc["declarations"]:
        d.add_page_break()
        m = dec["member"]
        d.add_heading(_("Self-declaration"), 0)
        d.add_paragraph(f"{m.display_name} · {m.get_role_display()} · {m.institution.name}")
        for entry in dec["items"]:
            item = entry["item"]
            d.add_heading(f"{item.number}. {item.label}", 2)
            if "rows" in entry:
                t = d.add_table(rows=1, cols=len(entry["headers"]))
                for cell, label in zip(t.rows[0].cells, entry["headers"], strict=False):
                    cell.text = label
                for r in entry["rows"]:
                    for cell, value in zip(t.add_row().cells, r, strict=False):
                        cell.text = value
                if not entry["rows"]:
                    d.add_paragraph(pgettext("no entries", "None"))
            elif "answer" in entry:
                d.add_paragraph(f"{entry['answer']} {entry['note']}".strip())
            else:
                d.add_paragraph("［　　　　　　　　　　］")
                d.add_paragraph(entry["handwritten"])
        version = dec["version"]
        if dec["signed"]:
            d.add_paragraph(f"{_('Signed')}: {version.signed_name} "
                            f"{version.signed_at:%Y-%m-%d}")
        else:
            d.add_paragraph(_("Not yet signed."))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@register
class FormsExporter(BaseExporter):
    """The programme's forms of one project (Word or PDF)."""

    identifier = "duediligence.forms"
    verbose_name = gettext_lazy("Due-diligence forms of a project")
    permission = "duediligence.project.export"

    def render(self, params, *, user, progress):
        project = _project(params, user)
        progress(20, _("Reading the declarations"))
        doc = build_document(project)
        stem = f"due-diligence-{project.project_number or project.public_id}-{self.timestamp()}"
        if params.get("format") == "pdf":
            from weasyprint import HTML

            html = render_to_string("duediligence/pdf/forms.html", doc)
            progress(60, _("Rendering the PDF"))
            return f"{stem}.pdf", PDF, HTML(string=html).write_pdf()
        progress(60, _("Writing the document"))
        return f"{stem}.docx", DOCX, render_docx(doc)


@register
class SummaryExporter(ListExporter):
    """The office's summary of a project: one row per member."""

    identifier = "duediligence.summary"
    verbose_name = gettext_lazy("Due-diligence summary of a project")
    permission = "duediligence.project.export"
    sheet_title = "due-diligence"
    filename_stem = "due-diligence-summary"

    def headers(self, params):
        return [_("Member"), _("Role"), _("Institution"), _("External"), _("Signed"),
                _("Version"), _("Hits"), _("Listed entities")]

    def rows(self, params, *, user, progress):
        project = _project(params, user)
        hits = selectors.current_hits(project)
        for m in selectors.members_of(project):
            mine = [h for h in hits if h.member_id == m.pk]
            signed = m.declaration.signed_version
            yield [m.display_name, m.get_role_display(), m.institution.name,
                   str(_yes_no(m.is_external)), str(_yes_no(bool(signed))),
                   signed.number if signed else "", len(mine),
                   "; ".join(sorted({h.entry_name for h in mine}))]
