"""Exports of due diligence, through the portal's exporter registry (background task,
progress, ``GeneratedFile``, audited):

* ``duediligence.forms`` — the programme's forms generated from the data: the institution's
  questionnaire (別紙5-style) and one self-declaration (別添-style) per member, as Word (.docx,
  python-docx) or PDF (WeasyPrint, the same HTML with the Japanese fonts of the portal's PDF
  templates). Item 13 (nationality) is printed as an empty box with a note that the member fills
  it in by hand: the portal stores no nationality.
* ``duediligence.summary`` — the office's Excel summary (members with their declarations, the
  current hits with their evidence, the measures with their cost lines): a
  :class:`~portal.exports.MultiSheetListExporter`, so written by :mod:`portal.xlsx` (formula
  guard, typed numbers and dates, Tokyo time, frozen header, filters).

Both are rendered in the requesting user's language (the worker has no request).
Performance (bench ``dd_project``): Word tables get their rows as one XML fragment; in the PDF a
table of more than ``LONG_LIST`` rows prints as one line per row under its header.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.errors import ApplicationError
from portal.exports import PDF, BaseExporter, MultiSheetListExporter, register
from riskmgmt.duediligence import selectors
from riskmgmt.duediligence.items import CONSENT_TEXT, HANDWRITTEN_NOTE, ITEMS

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


# A table item with more rows than this prints in the PDF as one line per row under the
# header (fields separated by ｜), all in one block with ``white-space: pre-line``, instead of
# a table: a bordered table of 3,000 publications costs WeasyPrint 18,000 cell boxes and their
# collapsed borders (12.6 s for the bench's 15 members; 3 s with the lines).
LONG_LIST = 20


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
            if not project.programme.asks_for(item.code):
                continue
            if item.kind == "table":
                rows = [[r.get(f.code, "") for f in item.fields] for r in content.get(item.code) or []]
                entry = {"item": item, "headers": [str(f.label) for f in item.fields],
                         "rows": rows}
                if len(rows) > LONG_LIST:
                    entry["list_text"] = "\n".join(
                        f"{n}. " + " ｜ ".join(v or "—" for v in r) for n, r in enumerate(rows, 1))
                items.append(entry)
            elif item.kind == "answer":
                value = content.get(item.code) or {}
                items.append({"item": item, "answer": str(_yes_no(value.get("answer"))),
                              "note": value.get("note", "")})
            else:
                items.append({"item": item, "handwritten": str(HANDWRITTEN_NOTE)})
        f = findings.get(m.pk) or {}
        declarations.append({
            "member": m, "version": version, "items": items,
            "signed": bool(m.declaration.signed_version_id), "consent": str(CONSENT_TEXT),
            "checks": {k: [_hit_label(h) for h in f.get(k, [])] for k in
                       ("list_status", "listed_affiliation", "listed_relationships")},
        })
    measures = list(project.measures.select_related("owner", "dd_detail").order_by("due_date", "id"))
    institutions = selectors.institution_statuses(project, members)
    for s in institutions:
        s["label"] = str(STATUS_LABELS[s["status"]])
    return {
        "project": project, "programme": project.programme, "questionnaire": questionnaire,
        "institutions": institutions,
        "declarations": declarations,
        "measures": measures,
        "measure_headers": measure_headers(),
        "measure_rows": [_measure_row(m) for m in measures],
        "all_signed": bool(members) and all(d["signed"] for d in declarations),
        **_checks_presentation(project),
        "today": timezone.localdate(),
        "handwritten_note": str(HANDWRITTEN_NOTE),
    }


def _hit_label(hit) -> str:
    """A hit as the forms print it: the listed entity, its list and the list's kind
    ("Harbin Institute of Technology (METI End User List — Export control)")."""
    kind = hit.kind_label
    return f"{hit.entry_name} ({hit.list_name} — {kind})" if kind else (
        f"{hit.entry_name} ({hit.list_name})")


# A programme that does not require the check against the lists (Programme.requires_list_check):
# the forms say so instead of presenting the results as the required check.
CHECKS_NOT_REQUIRED = gettext_lazy("This programme does not require the check against the "
                                   "lists; none was run.")
CHECKS_ON_DEMAND = gettext_lazy("This programme does not require the check against the lists; "
                                "the office ran it on demand and its results are given for "
                                "information.")


def _checks_presentation(project) -> dict:
    """How the forms present the checks: as the required check, or (a programme that does
    not require it) with a note, and the results only if the office ran them."""
    if project.programme.requires_list_check:
        return {"checks_note": "", "checks_shown": True}
    ran = selectors.latest_run(project) is not None
    return {"checks_note": str(CHECKS_ON_DEMAND if ran else CHECKS_NOT_REQUIRED),
            "checks_shown": ran}


STATUS_LABELS = {"submitted": gettext_lazy("Submitted"),
                 "not_submitted": gettext_lazy("Required but not submitted"),
                 "not_required": gettext_lazy("Not required")}


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _cell_xml(value, width) -> str:
    """One ``<w:tc>``: the text as one run, new lines as breaks (what ``_Cell.text`` writes)."""
    text = _XML_ILLEGAL.sub("", "" if value is None else str(value))
    run = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>'
                         for line in text.split("\n"))
    tcpr = f'<w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>' if width else ""
    return f"<w:tc>{tcpr}<w:p><w:r>{run}</w:r></w:p></w:tc>"


def _table(d, headers, rows) -> None:
    """A bordered table: the header row (repeated on every page) through python-docx, the rows
    as one XML fragment parsed at once. python-docx builds a cell with a dozen element
    insertions and xpath look-ups; 3,000 publications are 18,000 cells."""
    from docx.oxml.parser import parse_xml
    from docx.table import _Cell

    table = d.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    tr = table.rows[0]._tr
    for tc, label in zip(tr.tc_lst, headers, strict=False):
        _Cell(tc, table).text = str(label)
    tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader xmlns:w="{_W}"/>'))
    widths = [gc.w.twips if gc.w is not None else 0 for gc in table._tbl.tblGrid.gridCol_lst]
    body = "".join("<w:tr>" + "".join(_cell_xml(v, w) for v, w in zip(row, widths, strict=False))
                   + "</w:tr>" for row in rows)
    if body:
        table._tbl.extend(list(parse_xml(f'<w:tbl xmlns:w="{_W}">{body}</w:tbl>')))


def _checks_row(dec) -> list[str]:
    row = [dec["member"].display_name]
    for key in ("list_status", "listed_affiliation", "listed_relationships"):
        names = dec["checks"][key]
        row.append(f"{_('Yes')}: {', '.join(names)}" if names else str(_("No")))
    return row


def _measure_row(m) -> list[str]:
    detail = getattr(m, "dd_detail", None)
    cost = ""
    if detail is not None and detail.cost_amount is not None:
        cost = f"{detail.cost_amount:,.0f} {detail.cost_currency}"
        if detail.charged_to_programme:
            cost += f" ({_('charged to the programme')})"
    return [detail.get_area_display() if detail else m.get_kind_display(), m.description,
            m.owner.display_name, m.due_date.isoformat(), cost]


def measure_headers() -> list[str]:
    return [_("Area"), _("What"), pgettext("measure", "Who"), _("By when"), _("Cost")]


def render_docx(doc: dict) -> bytes:
    from docx import Document

    project, q = doc["project"], doc["questionnaire"]
    d = Document()
    d.add_heading(_("Research-security due diligence: the institution's questionnaire"), 0)
    d.add_paragraph(f"{_('Programme')}: {project.programme.name_ja} "
                    f"({project.programme.agency_label}, {project.programme.fiscal_year})")
    d.add_paragraph(f"{_('Project')}: {project.title} {project.project_number}")
    d.add_heading(_("Due-diligence status per institution"), 1)
    _table(d, [_("Institution"), _("Status")],
           [[s["institution"].name, s["label"]] for s in doc["institutions"]])
    d.add_heading(_("Checks per researcher"), 1)
    if doc["checks_note"]:
        d.add_paragraph(doc["checks_note"])
    if doc["checks_shown"]:
        _table(d, [_("Member"), _("Institution listed"),
                   _("Past affiliation with a listed entity"),
                   _("Relationships with listed entities")],
               [_checks_row(dec) for dec in doc["declarations"]])
    d.add_heading(_("Result"), 1)
    d.add_paragraph(f"{_('Result of the due diligence')}: {q.get_result_display() or '—'}")
    d.add_paragraph(f"{_('Mitigation needed')}: {_yes_no(q.mitigation_needed)}")
    d.add_paragraph(f"{_('Rule for researchers added during the project')}: "
                    f"{q.later_members_rule or '—'}")
    d.add_paragraph(f"{_('Risks at partner institutions and their researchers')}: "
                    f"{q.partner_risks or '—'}")
    d.add_heading(_("Mitigation measures"), 1)
    _table(d, measure_headers(), [_measure_row(m) for m in doc["measures"]])
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
                _table(d, entry["headers"], entry["rows"])
                if not entry["rows"]:
                    d.add_paragraph(pgettext("no entries", "None"))
            elif "answer" in entry:
                d.add_paragraph(f"{entry['answer']} {entry['note']}".strip())
            else:
                d.add_paragraph("［　　　　　　　　　　］")
                d.add_paragraph(entry["handwritten"])
        version = dec["version"]
        d.add_paragraph(dec["consent"])
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
        stem = (f"due-diligence-{project.project_number or project.public_id}-"
                f"{self.timestamp()}")
        if params.get("format") == "pdf":
            from weasyprint import HTML

            html = render_to_string("duediligence/pdf/forms.html", doc)
            progress(60, _("Rendering the PDF"))
            return f"{stem}.pdf", PDF, HTML(string=html).write_pdf()
        progress(60, _("Writing the document"))
        return f"{stem}.docx", DOCX, render_docx(doc)


@register
class SummaryExporter(MultiSheetListExporter):
    """The office's summary of a project: its members, the current hits with their evidence and
    the mitigation measures with their cost lines, one list sheet each (portal.xlsx: typed
    cells, datetimes in Asia/Tokyo, frozen header, filters); csv gives one sheet."""

    identifier = "duediligence.summary"
    verbose_name = gettext_lazy("Due-diligence summary of a project")
    permission = "duediligence.project.export"
    sheets = (("members", gettext_lazy("Members")), ("hits", gettext_lazy("Hits")),
              ("measures", gettext_lazy("Measures")))
    filename_stem = "due-diligence-summary"

    def render(self, params, *, user, progress):
        self._loaded = _project(params, user)  # once: 404 refusal before any sheet
        return super().render(params, user=user, progress=progress)

    def preamble_members(self, params, *, user):
        project = self._loaded
        run = selectors.latest_run(project)
        return [[_("Project"), project.title, project.project_number],
                [_("Programme"), project.programme.name_ja, project.programme.fiscal_year],
                [_("Checked"), run.finished_at if run else None,
                 ", ".join(run.releases) if run else ""],
                []]

    def iterate_members(self, params, *, user, progress):
        project = self._loaded
        hits = selectors.current_hits(project)
        yield [_("Member"), _("Role"), _("Institution"), _("External"), _("Signed"),
               _("Version"), _("Signed at"), _("Hits"), _("Listed entities")]
        for m in selectors.members_of(project):
            mine = [h for h in hits if h.member_id == m.pk]
            signed = m.declaration.signed_version
            yield [m.display_name, m.get_role_display(), m.institution.name, m.is_external,
                   signed is not None, signed.number if signed else None,
                   signed.signed_at if signed else None, len(mine),
                   "; ".join(sorted({h.entry_name for h in mine}))]

    def iterate_hits(self, params, *, user, progress):
        yield [_("Member"), _("Item"), _("Name checked"), _("List"), _("Kind of list"),
               _("Listed entity"), _("Matched name"), _("Score"), _("Why it matched")]
        for h in selectors.current_hits(self._loaded):
            yield [h.member.display_name if h.member_id else _("Project"),
                   h.get_item_display(), h.query_name, h.list_name, h.kind_label, h.entry_name,
                   h.matched_name, h.score, h.explanation_display]

    def iterate_measures(self, params, *, user, progress):
        yield [_("Area"), _("What"), pgettext("measure", "Who"), _("By when"),
               pgettext("measure", "Status"),
               _("Cost"), _("Currency"), _("Charged to the programme")]
        measures = self._loaded.measures.select_related("owner", "dd_detail").order_by(
            "due_date", "id")
        for m in measures:
            detail = getattr(m, "dd_detail", None)
            yield [detail.get_area_display() if detail else m.get_kind_display(), m.description,
                   m.owner.display_name, m.due_date, m.get_status_display(),
                   detail.cost_amount if detail else None,
                   detail.cost_currency if detail else "",
                   detail.charged_to_programme if detail else False]
