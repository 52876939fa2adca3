"""Factories and helpers of the notifications tests."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from portal.notifications.models import Notification
from tests.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "disclosure_stale"
    stored_title = factory.Sequence(lambda n: f"Notice {n}")
    stored_body = "Please check your disclosure."
    url = "/disclosures/"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


def make_campaign(*, fiscal_year=2026, opens_on=dt.date(2026, 6, 1), due_date=dt.date(2026, 6, 30),
                  status="open", title="令和8年度 定期更新"):
    from disclosures.models import UpdateCampaign

    return UpdateCampaign.objects.create(fiscal_year=fiscal_year, title=title, opens_on=opens_on,
                                         due_date=due_date, status=status)


def respond(user, campaign, *, kind="no_change", status="submitted", when=None):
    """``user`` confirms (or updates) their disclosure for ``campaign``."""
    from django.utils import timezone

    from disclosures.models import Disclosure, DisclosureVersion

    disclosure, _ = Disclosure.objects.get_or_create(owner=user,
                                                     defaults={"department": user.department})
    number = disclosure.versions.count() + 1
    version = DisclosureVersion.objects.create(
        disclosure=disclosure, number=number, status=status, kind=kind, campaign=campaign,
        submitted_at=when or timezone.now(), submitted_by=user,
    )
    disclosure.current_version = version
    disclosure.save(update_fields=["current_version"])
    return version
