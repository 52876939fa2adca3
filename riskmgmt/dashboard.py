"""Dashboard widgets: what is waiting in risk management."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import Widget, provider
from portal.permissions import has_perm


@provider
def riskmgmt_widgets(request):
    from riskmgmt.models import Case, FundingAgencyInquiry, MitigationMeasure, ScreeningHit
    from riskmgmt.selectors import case_list_for, my_information_requests

    user = request.user
    widgets = []
    if has_perm(user, "riskmgmt.case.view"):
        from django.db.models import Count, Q

        ctx = case_list_for(user=user).exclude(status=Case.Status.CLOSED).aggregate(
            open=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            mine=Count("id", filter=Q(assignee=user)),
            high=Count("id", filter=Q(risk_level__in=["high", "critical"])),
        )
        if has_perm(user, "riskmgmt.case.manage"):
            today = timezone.localdate()
            ctx["overdue"] = MitigationMeasure.objects.filter(
                status__in=MitigationMeasure.OPEN_STATUSES, due_date__lt=today).count()
            ctx["hits"] = ScreeningHit.objects.filter(status=ScreeningHit.Status.OPEN).count()
            ctx["inquiries"] = FundingAgencyInquiry.objects.filter(
                status__in=["received", "in_progress"]).order_by("deadline")[:3]
        widgets.append(Widget(title=_("Risk cases"), template="riskmgmt/partials/_widget_cases.html",
                              context=ctx, order=20))
    if has_perm(user, "riskmgmt.request.answer_own"):
        pending = list(my_information_requests(user=user).filter(answered_at__isnull=True)[:5])
        if pending:
            widgets.append(Widget(title=_("Questions from the research office"),
                                  template="riskmgmt/partials/_widget_questions.html",
                                  context={"requests": pending}, order=5))
    return widgets
