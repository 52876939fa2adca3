"""Dashboard widget: the home institution's answers to the open survey cycle."""

from django.utils.translation import gettext as _

from portal.dashboard import Widget, provider
from portal.permissions import has_perm


@provider
def followup_status(request):
    user = request.user
    if not has_perm(user, "followup.section.view"):
        return None
    from django.db.models import Count, Q

    from .models import SurveyCycle, SurveyResponse

    cycle = SurveyCycle.objects.filter(status=SurveyCycle.Status.OPEN).order_by("-fiscal_year").first()
    if cycle is None:
        return None
    response = (SurveyResponse.objects.filter(cycle=cycle, institution__is_home=True,
                                              is_current=True)
                .annotate(answered=Count("answers", filter=Q(answers__option__isnull=False)))
                .first())
    answered = response.answered if response is not None else 0
    waiting = (response is not None and response.status == SurveyResponse.Status.DRAFT
               and answered == 7 and has_perm(user, "followup.answer.approve"))
    return Widget(
        title=_("Follow-up survey %(label)s") % {"label": cycle.label},
        template="followup/partials/_widget.html",
        context={"cycle": cycle, "response": response, "answered": answered,
                 "waiting_approval": waiting},
        order=60,
    )
