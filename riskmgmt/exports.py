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
        from openpyxl.styles import Font, PatternFill

        from riskmgmt import selectors

        if not has_perm(user, self.permission):
            raise ApplicationError(_("You are not allowed to run this export."))
        today = timezone.localdate()
        cases = list(selectors.register_cases(user=user))
        summary = selectors.register_summary(user=user)
        progress(20, _("Cases loaded"))
        wb = Workbook()
        bold = Font(bold=True)
        red = PatternFill("solid", fgColor="F8D7DA")
        ws = wb.active
        ws.title = _("Register")[:31]
        headers = [_("Reference"), _("Researcher"), _("Department"), _("Concern"), _("Title"),
                   _("Status"), _("Likelihood"), _("Impact"), _("Risk level"), _("Decision"),
                   _("Assignee"), _("Opened"), _("Age (days)"), _("Open measures"),
                   _("Overdue measures"), _("Contingency plan")]
        ws.append([safe_cell(h) for h in headers])
        for cell in ws[1]:
            cell.font = bold
        for i, case in enumerate(cases, start=2):
            measures = list(case.measures.all())
            open_m = [m for m in measures if m.status in m.OPEN_STATUSES]
            overdue = [m for m in open_m if m.due_date < today]
            plan = getattr(case, "contingency_plan", None)
            ws.append([safe_cell(v) for v in [
                case.reference, case.researcher.display_name,
                str(case.department) if case.department_id else "", case.get_concern_display(),
                case.title, case.get_status_display(), case.likelihood, case.impact,
                case.get_risk_level_display() if case.risk_level else "",
                case.get_decision_display() if case.decision else "",
                case.assignee.display_name if case.assignee_id else "",
                _fmt_date(timezone.localtime(case.opened_at)), case.age_days, len(open_m),
                len(overdue), plan.actions if plan else "",
            ]])
            if overdue:
                for cell in ws[i]:
                    cell.fill = red
        progress(60, _("Measures"))
        ms = wb.create_sheet(_("Measures")[:31])
        ms.append([_("Case"), _("Measure"), _("Description"), _("Owner"), _("Due date"),
                   _("Status"), _("Overdue")])
        for cell in ms[1]:
            cell.font = bold
        row = 2
        for case in cases:
            for m in case.measures.all():
                ms.append([safe_cell(v) for v in [
                    case.reference, m.get_kind_display(), m.description, m.owner.display_name,
                    _fmt_date(m.due_date), m.get_status_display(),
                    _("yes") if m.is_overdue else ""]])
                if m.is_overdue:
                    for cell in ms[row]:
                        cell.fill = red
                row += 1
        hm = wb.create_sheet(_("Heat map")[:31])
        hm.append([_("Impact ↓ / Likelihood →"), 1, 2, 3, 4, 5])
        for line in summary.get("heatmap", []):
            hm.append([line["impact"], *[c["count"] for c in line["cells"]]])
        hm.append([])
        hm.append([_("Department"), _("Open cases")])
        for d in summary.get("by_department", []):
            hm.append([safe_cell(d["department__name_ja"] or d["department__code"] or "-"), d["n"]])
        hm.append([])
        hm.append([_("Rule"), _("Open cases")])
        for r in summary.get("by_rule", []):
            hm.append([safe_cell(_(r["rule__name"]) if r["rule__name"] else _("(no rule)")), r["n"]])
        progress(90, _("Writing the file"))
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
