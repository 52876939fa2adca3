"""Exports of risk management: the risk register (Excel) and an FA inquiry response (PDF)."""
from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import ApplicationError
from portal.exports import PDF, XLSX, BaseExporter, register, safe_cell
from portal.permissions import has_perm


def _fmt_date(value):
    return value.strftime("%Y-%m-%d") if value else ""


@register
class RiskRegisterExporter(BaseExporter):
    """The institution-wide register of open risks: cases, measures (overdue marked), heat map."""

    identifier = "riskmgmt.register"
    verbose_name = gettext_lazy("Risk register (Excel)")
    permission = "riskmgmt.register.export"

    def render(self, params, *, user, progress):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        from riskmgmt import selectors
        from riskmgmt.models import Case, Concern, MeasureKind, MitigationMeasure, RiskLevel

        if not has_perm(user, self.permission):
            raise ApplicationError(_("You are not allowed to run this export."))
        today = timezone.localdate()
        now = timezone.now()
        summary = selectors.register_summary(user=user)
        cases = selectors.register_cases(user=user)
        measures_of = selectors.register_measures_by_case(user=user)
        wb = Workbook(write_only=True)  # streaming: fast and small in memory
        bold = Font(bold=True)
        red = PatternFill("solid", fgColor="F8D7DA")

        def row_of(ws, values, *, fill=None, font=None):
            """Plain values are fast; only headers (bold) and the first cell of an overdue
            row (red) carry a style."""
            cells = [safe_cell(v) for v in values]
            if font is not None:
                cells = [WriteOnlyCell(ws, value=v) for v in cells]
                for cell in cells:
                    cell.font = font
            elif fill is not None and cells:
                first = WriteOnlyCell(ws, value=cells[0])
                first.fill = fill
                cells[0] = first
            ws.append(cells)

        labels = {
            "concern": {v: str(lab) for v, lab in Concern.choices},
            "status": {v: str(lab) for v, lab in Case.Status.choices},
            "level": {v: str(lab) for v, lab in RiskLevel.choices},
            "decision": {v: str(lab) for v, lab in Case.Decision.choices},
            "kind": {v: str(lab) for v, lab in MeasureKind.choices},
            "mstatus": {v: str(lab) for v, lab in MitigationMeasure.Status.choices},
        }
        yes = _("yes")

        ws = wb.create_sheet(_("Register")[:31])
        ms = wb.create_sheet(_("Measures")[:31])
        hm = wb.create_sheet(_("Heat map")[:31])
        row_of(ws, [_("Reference"), _("Researcher"), _("Department"), _("Concern"), _("Title"),
                    _("Status"), _("Likelihood"), _("Impact"), _("Risk level"), _("Decision"),
                    _("Assignee"), _("Opened"), _("Age (days)"), _("Open measures"),
                    _("Overdue measures"), _("Contingency plan")], font=bold)
        row_of(ms, [_("Case"), _("Measure"), _("Description"), _("Owner"), _("Due date"),
                    _("Status"), _("Overdue")], font=bold)
        for n, case in enumerate(cases.iterator(chunk_size=1000), start=1):
            measures = measures_of.get(case.pk, [])
            open_m = [m for m in measures if m.status in m.OPEN_STATUSES]
            overdue = [m for m in open_m if m.due_date < today]
            plan = getattr(case, "contingency_plan", None)
            row_of(ws, [
                case.reference, case.researcher.display_name,
                str(case.department) if case.department_id else "",
                labels["concern"].get(case.concern, case.concern),
                case.title, labels["status"].get(case.status, case.status), case.likelihood,
                case.impact, labels["level"].get(case.risk_level, ""),
                labels["decision"].get(case.decision, "") if case.decision else "",
                case.assignee.display_name if case.assignee_id else "",
                _fmt_date(timezone.localtime(case.opened_at)), (now - case.opened_at).days,
                len(open_m), len(overdue), plan.actions if plan else "",
            ], fill=red if overdue else None)
            for m in measures:
                late = m in overdue
                row_of(ms, [case.reference, labels["kind"].get(m.kind, m.kind), m.description,
                            m.owner.display_name, _fmt_date(m.due_date),
                            labels["mstatus"].get(m.status, m.status), yes if late else ""],
                       fill=red if late else None)
            if n % 2000 == 0:
                progress(min(90, 10 + n // 500), _("Cases"))
        row_of(hm, [_("Impact ↓ / Likelihood →"), 1, 2, 3, 4, 5], font=bold)
        for line in summary.get("heatmap", []):
            row_of(hm, [line["impact"], *[c["count"] for c in line["cells"]]])
        row_of(hm, [])
        row_of(hm, [_("Department"), _("Open cases")], font=bold)
        for d in summary.get("by_department", []):
            row_of(hm, [d["name"] or "-", d["n"]])
        row_of(hm, [])
        row_of(hm, [_("Rule"), _("Open cases")], font=bold)
        for r in summary.get("by_rule", []):
            row_of(hm, [_(r["rule__name"]) if r["rule__name"] else _("(no rule)"), r["n"]])
        progress(95, _("Writing the file"))
        buf = io.BytesIO()
        wb.save(buf)
        return f"risk-register-{self.timestamp()}.xlsx", XLSX, buf.getvalue()


@register
class InquiryResponseExporter(BaseExporter):
    """The institution's response to a funding agency's inquiry, as a PDF."""

    identifier = "riskmgmt.inquiry_response"
    verbose_name = gettext_lazy("Response to a funding-agency inquiry (PDF)")
    permission = "riskmgmt.inquiry.manage"

    def render(self, params, *, user, progress):
        from weasyprint import HTML

        from portal.models import Institution
        from riskmgmt import selectors

        inquiry = selectors.inquiries_for(user=user).filter(public_id=params.get("inquiry")).first()
        if inquiry is None:
            raise ApplicationError(_("The inquiry was not found."))
        html = render_to_string("riskmgmt/pdf/inquiry_response.html", {
            "inquiry": inquiry, "institution": Institution.home(),
            "researchers": inquiry.researchers.all(),
            "cases": inquiry.cases.select_related("researcher"),
            "measures": inquiry.measures.select_related("owner"),
            "today": timezone.localdate(),
        })
        progress(50, _("Rendering the PDF"))
        pdf = HTML(string=html).write_pdf()
        return f"fa-response-{inquiry.reference}.pdf", PDF, pdf
