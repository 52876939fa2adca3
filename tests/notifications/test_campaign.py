"""A campaign walked with frozen time: opening, reminders, overdue, escalation, completion."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from disclosures.models import UpdateCampaign
from disclosures.signals import campaign_opened
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.factories import UserFactory
from tests.notifications.factories import make_campaign, respond

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day, hour=8):
    return time_machine.travel(dt.datetime(2026, day[0], day[1], hour, 30, tzinfo=TOKYO), tick=False)


def kinds_for(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def run(name):
    return services.schedule_run(name=name)


def test_campaign_from_opening_to_completion(personas, departments, mailoutbox,
                                            django_capture_on_commit_callbacks):
    alice, bob, charlie = personas["researcher"], personas["other_researcher"], personas["reviewer"]
    staff, admin = personas["staff"], personas["admin"]
    UserFactory(email="gone@example.ac.jp", is_active=False, roles=["researcher"])

    with at((6, 1)):
        with django_capture_on_commit_callbacks(execute=True):
            campaign = make_campaign()
        with django_capture_on_commit_callbacks(execute=True):
            campaign_opened.send(sender=UpdateCampaign, campaign=campaign)
    opened = Notification.objects.filter(kind="campaign_opened")
    assert sorted(opened.values_list("recipient__email", flat=True)) == sorted(
        [alice.email, bob.email, charlie.email])
    assert len(mailoutbox) == 3
    assert all(m.subject.startswith("令和8年度 定期更新") for m in mailoutbox)

    with at((6, 10)):
        dave = UserFactory(email="dave@example.ac.jp", department=departments["chem"],
                           roles=["researcher"])
        with django_capture_on_commit_callbacks(execute=True):
            assert run("campaign_reminders") == 1  # the late joiner gets the opening notice
    assert kinds_for(dave) == ["campaign_opened"]

    respond(bob, campaign)
    with at((6, 16)):  # 14 days before the due date
        assert run("campaign_reminders") == 3
        assert run("campaign_reminders") == 0  # running twice sends nothing twice
    assert kinds_for(bob) == ["campaign_opened"]
    assert kinds_for(alice) == ["campaign_opened", "campaign_reminder"]

    respond(charlie, campaign, kind="annual_update")
    with at((6, 20)):  # between thresholds: nothing new
        assert run("campaign_reminders") == 0
    with at((6, 27)):  # 3 days before
        assert run("campaign_reminders") == 2
        assert run("campaign_overdue") == 0
    assert kinds_for(alice) == ["campaign_opened", "campaign_reminder", "campaign_reminder"]

    with at((7, 1)):  # one day overdue
        assert run("campaign_reminders") == 0
        assert run("campaign_overdue") == 2
    assert "campaign_overdue" in kinds_for(dave)
    assert Notification.objects.filter(kind="campaign_escalation").count() == 0

    with at((7, 7)):  # 7 days overdue: escalate to the department reviewer
        assert run("campaign_overdue") == 1
    escalation = Notification.objects.get(kind="campaign_escalation")
    assert escalation.recipient == charlie  # reviews ENG, where Alice is; Dave is in SCI
    assert alice.email in escalation.body and dave.email not in escalation.body

    with at((7, 8)):  # a week after the first overdue notice: a second one
        assert run("campaign_overdue") == 2
    with at((7, 14)):  # 14 days overdue: the research office
        created = run("campaign_overdue")
    office = Notification.objects.filter(kind="campaign_escalation", recipient__in=[staff, admin])
    assert office.count() == 2
    assert created == 2 + 1  # office staff ×2 + the reviewer's weekly repeat
    assert all(alice.email in n.body and dave.email in n.body for n in office)

    respond(alice, campaign)
    respond(dave, campaign)
    before = Notification.objects.count()
    with at((7, 21)):
        assert run("campaign_overdue") == 0
        assert run("campaign_reminders") == 0
    assert Notification.objects.count() == before

    # every stored notice was e-mailed once (all campaign kinds are mandatory)
    assert Delivery.objects.count() == Notification.objects.count()


def test_closed_campaign_sends_no_reminders(researcher):
    campaign = make_campaign(status=UpdateCampaign.Status.CLOSED)
    with at((6, 27)):
        assert run("campaign_reminders") == 0
    with at((7, 20)):
        assert run("campaign_overdue") == 0
    assert campaign.pk


def test_reminder_thresholds_are_configurable(researcher):
    make_campaign()
    with at((6, 25)):
        assert services.schedule_run(name="campaign_reminders", options={"days_before": [14, 3]}) == 2
    Notification.objects.all().delete()
    with at((6, 25)):
        assert services.schedule_run(name="campaign_reminders", options={"days_before": [3]}) == 1


def test_a_returned_response_does_not_count_as_done(researcher):
    campaign = make_campaign()
    respond(researcher, campaign, status="returned")
    with at((6, 27)):
        run("campaign_reminders")
    assert "campaign_reminder" in kinds_for(researcher)


def test_fan_out_is_bulk(researcher, other_researcher, django_assert_max_num_queries):
    from portal.notifications.receivers import campaign_fan_out

    campaign = make_campaign()
    UserFactory.create_batch(30, roles=["researcher"])
    with django_assert_max_num_queries(15):
        assert campaign_fan_out(campaign_id=campaign.pk) == 32


def test_campaign_opened_with_the_broker_down_stores_every_notice_when_the_sweep_runs(
        researcher, mailoutbox, django_capture_on_commit_callbacks):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from portal.notifications import services
    from portal.outbox import services as outbox

    campaign = make_campaign()
    with mock.patch("celery.app.task.Task.apply_async", side_effect=OperationalError("down")):
        with django_capture_on_commit_callbacks(execute=True):
            campaign_opened.send(sender=UpdateCampaign, campaign=campaign)
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.sweep()  # the broker is back
    assert Notification.objects.filter(kind="campaign_opened", recipient=researcher).exists()
    services.schedule_run(name="send_due")
    assert len(mailoutbox) == 1


def test_reminder_queries_do_not_grow_with_the_number_of_researchers(personas, departments):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(extra):
        Notification.objects.all().delete()
        UserFactory.create_batch(extra, department=departments["chem"], roles=["researcher"])
        with at((7, 20)), CaptureQueriesContext(connection) as ctx:
            services.schedule_run(name="campaign_overdue")
            services.schedule_run(name="campaign_reminders")
        return len(ctx.captured_queries)

    make_campaign()
    queries_for(0)  # warm the content-type cache
    assert queries_for(5) == queries_for(40)
