"""Exports of the awareness app: activities (Q1 evidence), attendance, checklist answers."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from followup.awareness import selectors
from followup.awareness.models import Attendance, AwarenessActivity, ChecklistAnswer
from portal.exports import ListExporter, register
from portal.fiscal import fiscal_year_label
from portal.permissions import has_perm, scope_queryset


def _fiscal_year(params) -> int | None:
    """The export's fiscal year (validated when the export was asked for; checked again here,
    since the parameters come back from the database)."""
    value = params.get("fiscal_year")
    return value if isinstance(value, int) and 1900 <= value <= 2200 else None


def _yes(value: bool) -> str:
    return str(_("Yes")) if value else str(_("No"))


@register
class ActivityExporter(ListExporter):
    identifier = "awareness.activities"
    verbose_name = _("Awareness activities (Q1 evidence)")
    permission = "awareness.activity.manage"
    sheet_title = "activities"
    filename_stem = "awareness-activities"

    def headers(self, params):
        return [_("Date"), _("Fiscal year"), _("Kind"), _("Title"), _("Audience"), _("Required"),
                _("Organiser"), _("Participants"), _("Attendance recorded"), pgettext_lazy("training", "Materials"),
                _("Case studies used")]

    def rows(self, params, *, user, progress):
        qs = AwarenessActivity.objects.annotate(
            attended=Count("attendances", filter=Q(attendances__attended=True), distinct=True),
            material_count=Count("materials", distinct=True),
        ).prefetch_related("case_studies").order_by("date", "id")
        fy = _fiscal_year(params)
        if fy:
            qs = qs.filter(fiscal_year=fy)
        for a in qs:
            yield [a.date, fiscal_year_label(a.fiscal_year), a.get_kind_display(),
                   a.title, a.get_audience_display(), _yes(a.is_required), a.organiser,
                   a.participants_count if a.participants_count is not None else a.attended,
                   a.attended, a.material_count,
                   " / ".join(c.title for c in a.case_studies.all())]


@register
class AttendanceExporter(ListExporter):
    identifier = "awareness.attendance"
    verbose_name = _("Training attendance")
    permission = "awareness.completion.view"
    sheet_title = "attendance"
    filename_stem = "awareness-attendance"

    def headers(self, params):
        return [_("Date"), _("Activity"), _("Kind"), _("Person"), _("E-mail"), _("Staff number"),
                _("Department"), _("Attended"), _("Completed at"), pgettext_lazy("attendance", "Source"), _("Quiz score")]

    def rows(self, params, *, user, progress):
        if not has_perm(user, self.permission):
            return
        qs = scope_queryset(
            user, self.permission,
            Attendance.objects.select_related("activity", "user", "user__department"),
            department_field="user__department",
        ).order_by("activity__date", "activity_id", "user__email")
        fy = _fiscal_year(params)
        if fy:
            qs = qs.filter(activity__fiscal_year=fy)
        for a in qs.iterator(chunk_size=2000):
            yield [a.activity.date, a.activity.title, a.activity.get_kind_display(),
                   a.user.display_name, a.user.email, a.user.employee_number,
                   str(a.user.department or ""), _yes(a.attended),
                   a.completed_at, a.get_source_display(), a.quiz_score]


@register
class ChecklistAnswerExporter(ListExporter):
    identifier = "awareness.checklist_answers"
    verbose_name = _("Checklist answers")
    permission = "awareness.checklist.view_responses"
    sheet_title = "answers"
    filename_stem = "checklist-answers"

    def headers(self, params):
        return [_("Fiscal year"), _("Checklist"), _("Version"), _("Respondent"), _("E-mail"),
                _("Department"), _("Status"), _("Category"), pgettext_lazy("checklist", "Question"), _("Answer"),
                _("Comment"), _("Signals a risk")]

    def rows(self, params, *, user, progress):
        responses = selectors.response_list_for(user=user)
        fy = _fiscal_year(params)
        if fy:
            responses = responses.filter(fiscal_year=fy)
        answers = ChecklistAnswer.objects.filter(response__in=responses.values("pk")).select_related(
            "item", "response", "response__checklist", "response__version",
            "response__respondent", "response__respondent__department",
        ).order_by("response__fiscal_year", "response_id", "item__order", "id")
        institution = str(_("Institution"))
        for a in answers.iterator(chunk_size=2000):
            r = a.response
            who = r.respondent
            yield [fiscal_year_label(r.fiscal_year), r.checklist.title, r.version.number,
                   who.display_name if who else institution, who.email if who else "",
                   str(who.department or "") if who else "", r.get_status_display(),
                   a.item.get_category_display(), a.item.text, a.get_value_display() or "",
                   a.comment, _yes(a.signals_risk)]
