"""Dashboard widgets: the researcher's disclosure and the annual update; the review queue."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from disclosures.models import Disclosure, DisclosureVersion, UpdateCampaign
from portal.dashboard import Widget, provider
from portal.permissions import has_perm


@provider
def researcher_widget(request):
    user = request.user
    if not has_perm(user, "disclosures.disclosure.file"):
        return None
    campaign = (UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN)
                .order_by("-fiscal_year").first())
    disclosures = (Disclosure.objects.filter(owner=user)
                   .select_related("current_version", "last_accepted_version")
                   .defer("current_version__content", "last_accepted_version__content"))
    if campaign is not None:
        disclosures = disclosures.annotate(answered=Exists(
            DisclosureVersion.objects.filter(disclosure=OuterRef("pk"), campaign=campaign)
            .exclude(status=DisclosureVersion.Status.DRAFT)))
    disclosure = disclosures.first()
    answered = bool(getattr(disclosure, "answered", False))
    return Widget(title=_("My disclosure"), template="disclosures/partials/_widget_researcher.html",
                  context={"disclosure": disclosure, "campaign": campaign, "answered": answered},
                  order=10)


@provider
def reviewer_widget(request):
    user = request.user
    if not has_perm(user, "disclosures.disclosure.review"):
        return None
    from disclosures.selectors import review_queue_for

    count = review_queue_for(user=user).count()
    return Widget(title=_("Disclosures waiting for review"),
                  template="disclosures/partials/_widget_reviewer.html",
                  context={"count": count}, order=20)


@provider
def campaign_widget(request):
    if not has_perm(request.user, "disclosures.campaign.view"):
        return None
    campaign = (UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN)
                .order_by("-fiscal_year").first())
    return Widget(title=_("Annual disclosure update"),
                  template="disclosures/partials/_widget_campaign.html",
                  context={"campaign": campaign}, order=30)
