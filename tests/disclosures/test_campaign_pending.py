"""The campaign page lists who has not responded, and reminds them once a week."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from portal.models import AuditEntry
from portal.notifications.models import Notification
from tests.notifications.factories import make_campaign, respond

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 6, 8, 10, tzinfo=dt.UTC)


def _url(campaign):
    return reverse("disclosures:campaign_detail", args=[campaign.public_id])


def _remind(client, campaign, **data):
    return client.post(reverse("disclosures:campaign_remind", args=[campaign.public_id]), data)


def reminders(user):
    return Notification.objects.filter(recipient=user, kind="campaign_reminder").count()


def test_the_page_lists_those_who_have_not_responded(client_as, staff, researcher,
                                                     other_researcher):
    campaign = make_campaign()
    respond(other_researcher, campaign)
    response = client_as(staff).get(_url(campaign))
    assert response.status_code == 200
    assert [u.pk for u in response.context["pending"]] == [researcher.pk]


def test_the_list_filters_by_department(client_as, staff, researcher, other_researcher,
                                        departments):
    campaign = make_campaign()
    response = client_as(staff).get(_url(campaign),
                                    {"department": str(departments["sci"].public_id)})
    pks = [u.pk for u in response.context["pending"]]
    assert other_researcher.pk in pks and researcher.pk not in pks


def test_the_list_is_paginated_by_fifty(client_as, staff, departments):
    from tests.factories import UserFactory

    for _n in range(55):
        UserFactory(department=departments["mech"], roles=["researcher"])
    response = client_as(staff).get(_url(make_campaign()), {"page": 2})
    assert response.context["pending"].number == 2
    assert len(response.context["pending"]) >= 5


def test_remind_now_sends_once_per_week(client_as, staff, researcher, other_researcher):
    campaign = make_campaign()
    client = client_as(staff)
    with time_machine.travel(MONDAY, tick=False):
        assert _remind(client, campaign).status_code == 302
        assert _remind(client, campaign).status_code == 302
    assert reminders(researcher) == 1 and reminders(other_researcher) == 1
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        _remind(client, campaign)
    assert reminders(researcher) == 2
    assert AuditEntry.objects.filter(action="disclosures.campaign.reminded").count() == 3


def test_remind_now_skips_those_who_responded_and_other_departments(
        client_as, staff, researcher, other_researcher, departments):
    campaign = make_campaign()
    with time_machine.travel(MONDAY, tick=False):
        _remind(client_as(staff), campaign, department=str(departments["eng"].public_id))
    assert reminders(researcher) == 1 and reminders(other_researcher) == 0


@pytest.mark.parametrize("name,expected", [
    ("staff", 302), ("admin", 302), ("reviewer", 403), ("researcher", 403),
])
def test_who_may_remind(client_as, personas, name, expected):
    campaign = make_campaign()
    with time_machine.travel(MONDAY, tick=False):
        assert _remind(client_as(personas[name]), campaign).status_code == expected


def test_a_closed_campaign_reminds_nobody(client_as, staff, researcher):
    campaign = make_campaign(status="closed")
    _remind(client_as(staff), campaign)
    assert reminders(researcher) == 0
