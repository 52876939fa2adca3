"""Exports of risk management: the risk register (Excel) and an FA inquiry response (PDF)."""
from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal import xlsx
from portal.errors import ApplicationError
from portal.exports import PDF, XLSX, BaseExporter, register
from portal.permissions import has_perm
from portal.xlsx import BOLD, PLAIN, RED

PERSON = ("email", "family_name", "given_name", "family_name_en", "given_name_en")


@register
class RiskRegisterExporter(BaseExporter):
    """The institution-wide register of open risks: cases, measures (overdue marked), heat map.

    Streams: the cases are read in chunks with only the columns shown (department and assignee
    names worked out once each), the measures in one query, and the sheets written by
    the one xlsx writer (:mod:`portal.xlsx`: list sheets with frozen header and filters,
    overdue rows marked red, dates typed); the measures sheet is kept as rows (small tuples) until the register
    sheet is written, one sheet after the other.
    """

    identifier = "riskmgmt.register"
    verbose_name = gettext_lazy("Risk register (Excel)")
    permission = "riskmgmt.register.export"

    def render(self, params, *, user, progress):
        from portal.models import Department, User
        from riskmgmt import selectors
        from riskmgmt.models import Case, Concern, MeasureKind, MitigationMeasure, RiskLevel

        if not has_perm(user, self.permission):
            raise ApplicationError(_("You are not allowed to run this export."))
        today = timezone.localdate()
        now = timezone.now()
        summary = selectors.register_summary(user=user)
        cases = selectors.register_cases(user=user)
        # The few departments and the people named in one query each; the cases as tuples of
        # the columns shown (no model instance, department or assignee object per row).
        departments = {d.pk: str(d) for d in Department.objects.filter(
            pk__in=cases.values("department_id")).only("name_ja", "name_en")}
        measures_of = selectors.register_measures_by_case(user=user)
        people = selectors.people_names(
            {pk for rows in measures_of.values() for _k, _d, pk, _due, _s in rows}
            | set(cases.exclude(assignee_id=None).values_list("assignee_id", flat=True)
                  .distinct().order_by()))
        case_rows = cases.select_related(None).values_list(
            "pk", "reference", "concern", "title", "title_params", "status", "likelihood", "impact", "risk_level",
            "decision", "opened_at", "department_id", "assignee_id",
            *(f"researcher__{f}" for f in PERSON), "contingency_plan__actions")
        labels = {
            "concern": {v: str(lab) for v, lab in Concern.choices},
            "status": {v: str(lab) for v, lab in Case.Status.choices},
            "level": {v: str(lab) for v, lab in RiskLevel.choices},
            "decision": {v: str(lab) for v, lab in Case.Decision.choices},
            "kind": {v: str(lab) for v, lab in MeasureKind.choices},
            "mstatus": {v: str(lab) for v, lab in MitigationMeasure.Status.choices},
        }
        yes = _("yes")
        open_statuses = set(MitigationMeasure.OPEN_STATUSES)

        measure_headers = [_("Case"), _("Measure"), _("Description"), _("Owner"), _("Due date"),
                           _("Status"), _("Overdue")]
        measure_rows: list[tuple] = []

        register_headers = [
            _("Reference"), _("Researcher"), _("Department"), _("Concern"), pgettext("subject", "Title"),
            _("Status"), _("Likelihood"), _("Impact"), _("Risk level"), _("Decision"),
            _("Assignee"), _("Opened"), _("Age (days)"), _("Open measures"),
            _("Overdue measures"), _("Contingency plan")]
        kinds, mstatuses = labels["kind"], labels["mstatus"]

        def register_rows():
            for n, (pk, reference, concern, title, title_params, status, likelihood, impact, level, decision,
                    opened_at, department_id, assignee_id, *person, plan) in enumerate(
                        case_rows.iterator(chunk_size=2000), start=1):
                open_count = overdue_count = 0
                for kind, description, owner_id, due_date, m_status in measures_of.get(pk, ()):
                    is_open = m_status in open_statuses
                    late = is_open and due_date < today
                    open_count += is_open
                    overdue_count += late
                    measure_rows.append(([
                        reference, kinds.get(kind, kind), description, people.get(owner_id),
                        due_date, mstatuses.get(m_status, m_status), yes if late else None,
                    ], PLAIN, RED if late else PLAIN))
                researcher = User(**dict(zip(PERSON, person, strict=True)))
                yield [
                    reference, researcher.display_name, departments.get(department_id),
                    labels["concern"].get(concern, concern),
                    Case(concern=concern, title=title, title_params=title_params).title_display,
                    labels["status"].get(status, status), likelihood, impact,
                    labels["level"].get(level, ""),
                    labels["decision"].get(decision, "") if decision else None,
                    people.get(assignee_id), timezone.localdate(opened_at),
                    (now - opened_at).days, open_count, overdue_count, plan,
                ], PLAIN, RED if overdue_count else PLAIN
                if n % 2000 == 0:
                    progress(min(90, 10 + n // 500), _("Cases"))

        def heat_rows():
            yield [_("Impact ↓ / Likelihood →"), 1, 2, 3, 4, 5], BOLD
            for line in summary.get("heatmap", []):
                yield [line["impact"], *[c["count"] for c in line["cells"]]], PLAIN
            yield [], PLAIN
            yield [_("Department"), _("Open cases")], BOLD
            for d in summary.get("by_department", []):
                yield [d["name"] or "-", d["n"]], PLAIN
            yield [], PLAIN
            yield [_("Rule"), _("Open cases")], BOLD
            for r in summary.get("by_rule", []):
                yield [_(r["rule__name"]) if r["rule__name"] else _("(no rule)"), r["n"]], PLAIN

        book = xlsx.Workbook()
        book.list_sheet(_("Register"), register_headers, register_rows(), row_styles=True)
        book.list_sheet(_("Measures"), measure_headers, measure_rows, row_styles=True)
        book.sheet(_("Heat map"), heat_rows(), styled=True)
        progress(95, _("Writing the file"))
        return f"risk-register-{self.timestamp()}.xlsx", XLSX, book.save()


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


@register
class ScreeningHitsExporter(BaseExporter):
    """Every screening hit with the kind of its list (export control, named research
    organisation, military end user, sanctions…): what matched, where it came from (a registry
    organisation, or a co-author's affiliation on a publication), the score and the review."""

    identifier = "riskmgmt.hits"
    verbose_name = gettext_lazy("Screening hits (Excel)")
    permission = "riskmgmt.screening.view"

    def render(self, params, *, user, progress):
        from riskmgmt import selectors

        if not has_perm(user, self.permission):
            raise ApplicationError(_("You are not allowed to run this export."))
        hits = selectors.screening_hits_for(user=user, status="").select_related(
            "contributor__output__owner")
        headers = [_("Name checked"), _("Organisation"), _("Research output"), _("Researcher"),
                   _("List"), _("Kind of list"), _("List entry"), _("Matched name"), _("Score"),
                   _("Why it matched"), _("Status"), _("Found")]

        def rows():
            for hit in hits.iterator(chunk_size=2000):
                lst = hit.entry.release.screening_list
                output = hit.contributor.output if hit.contributor_id else None
                yield [hit.query_name, str(hit.organisation) if hit.organisation_id else "",
                       output.title if output else "",
                       output.owner.display_name if output else "", lst.name,
                       lst.get_kind_display(), hit.entry.name, hit.matched_name,
                       float(hit.score), hit.explanation_display, hit.get_status_display(),
                       timezone.localtime(hit.created_at).strftime("%Y-%m-%d %H:%M")]

        book = xlsx.Workbook()
        book.list_sheet(_("Screening hits"), headers, rows())
        return f"screening-hits-{self.timestamp()}.xlsx", XLSX, book.save()
