"""Exactly once on PostgreSQL: two runs of a schedule, and two senders, at the same time."""

import threading
from collections import Counter
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _in_threads(target, n=2):
    barrier = threading.Barrier(n)
    errors = []

    def work():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (DATABASE_URL)")


def test_two_concurrent_runs_of_a_schedule_notify_each_researcher_once(on_postgresql, departments):
    import datetime as dt

    import time_machine

    from tests.notifications.factories import make_campaign

    UserFactory.create_batch(150, department=departments["mech"], roles=["researcher"])
    make_campaign()
    mail.outbox = []
    with time_machine.travel(dt.datetime(2026, 6, 27, 0, 30, tzinfo=dt.UTC), tick=True):
        _in_threads(lambda: services.schedule_run(name="campaign_reminders"))
        services.schedule_run(name="send_due")
    assert Notification.objects.filter(kind="campaign_opened").count() == 150
    assert Notification.objects.filter(kind="campaign_reminder").count() == 150
    assert Delivery.objects.count() == 300
    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert len(sent) == 300 and max(sent.values()) == 1


def test_two_concurrent_senders_send_each_email_once(on_postgresql, departments):
    users = UserFactory.create_batch(120, department=departments["mech"], roles=["researcher"])
    with mock.patch.object(services, "enqueue_sending"):
        services.notifications_create(
            services.Draft(u.pk, "disclosure_stale", {"last": "2025-01-01"}, "/", services.Target(),
                           "p", "ja") for u in users
        )
    assert Delivery.objects.filter(status="pending").count() == 120
    mail.outbox = []

    def drain():
        while services.deliveries_send_due(limit=7)["sent"]:
            pass

    _in_threads(drain, n=3)
    assert Delivery.objects.filter(status="sent").count() == 120
    recipients = Counter(m.to[0] for m in mail.outbox)
    assert len(recipients) == 120 and max(recipients.values()) == 1
