"""Background exporters of the follow-up survey (built by the outbox job portal.build_file)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.errors import ApplicationError
from portal.exports import PDF, XLSX, BaseExporter, register
from portal.forms import int_param


def _cycle(params):
    from .models import SurveyCycle

    year = int_param(params.get("fiscal_year"), min_value=1900, max_value=2200)
    if year is None:
        raise ApplicationError(str(_("No fiscal year was given.")))
    cycle = SurveyCycle.objects.select_related("question_set").filter(fiscal_year=year).first()
    if cycle is None:
        raise ApplicationError(str(_("There is no survey cycle for that fiscal year.")))
    return cycle


@register
class FollowupExcelExporter(BaseExporter):
    identifier = "followup.results_xlsx"
    verbose_name = _("Follow-up survey results (Excel)")
    permission = "followup.export"

    def render(self, params, *, user, progress):
        from .reports import build_xlsx

        cycle = _cycle(params)
        content = build_xlsx(cycle=cycle, progress=progress)
        return f"followup-{cycle.fiscal_year}-{self.timestamp()}.xlsx", XLSX, content


@register
class FollowupPdfExporter(BaseExporter):
    identifier = "followup.results_pdf"
    verbose_name = _("Follow-up survey report (PDF)")
    permission = "followup.export"

    def render(self, params, *, user, progress):
        from .reports import build_pdf

        cycle = _cycle(params)
        content = build_pdf(cycle=cycle, progress=progress)
        return f"followup-{cycle.fiscal_year}-{self.timestamp()}.pdf", PDF, content
