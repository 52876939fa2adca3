"""Two beats and two workers (two ``celery worker -B`` processes on one Redis and one database),
as a deployment that started a second beat by mistake would run: every reminder is created,
sent and e-mailed once, and the audit trail counts only the rows a run actually created."""

import datetime as dt
import json

import pytest
from django.db.models import Count
from django.utils import timezone

from tests.factories import UserFactory
from tests.integration.conftest import Worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _fired(worker) -> int:
    """How many times this worker's beat sent the reminder schedule."""
    return sum(log.read_text(errors="replace").count("Sending due task test: campaign reminders")
               for log in worker.logs if log.exists())


def test_two_beats_and_two_workers_remind_each_researcher_once(redis, departments, tmp_path):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from portal.models import AuditEntry
    from portal.notifications.models import Delivery, Notification
    from portal.notifications.schedules import TASK
    from tests.notifications.factories import make_campaign

    people = UserFactory.create_batch(40, department=departments["mech"], roles=["researcher"])
    today = timezone.localdate()
    make_campaign(fiscal_year=2030, opens_on=today - dt.timedelta(days=10),
                  due_date=today + dt.timedelta(days=3))
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="test: campaign reminders", task=TASK, interval=every_second,
        kwargs=json.dumps({"name": "campaign_reminders"}))
    PeriodicTask.objects.create(name="test: send due", task=TASK, interval=every_second,
                                kwargs=json.dumps({"name": "send_due"}))
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    workers = [Worker(redis, tmp_path / name) for name in ("a", "b")]
    for w in workers:
        w.start()
    try:
        ids = [p.pk for p in people]
        assert wait_for(lambda: Delivery.objects.filter(recipient_id__in=ids, status="sent")
                        .count() >= 2 * len(ids), timeout=120), (
            list(Notification.objects.filter(recipient_id__in=ids).values_list("kind").annotate(
                n=Count("id"))),
            list(Delivery.objects.filter(recipient_id__in=ids).values_list("status").annotate(
                n=Count("id"))))
        # both beats keep firing it (each worker's log says so), still nothing is doubled
        fired = [_fired(w) for w in workers]
        assert wait_for(lambda: all(_fired(w) >= n + 4 for w, n in zip(workers, fired, strict=True)),
                        timeout=60)
    finally:
        for w in workers:
            w.stop()
    notices = Notification.objects.filter(recipient_id__in=ids)
    assert notices.filter(kind="campaign_opened").count() == len(ids)
    assert notices.filter(kind="campaign_reminder").count() == len(ids)
    assert Delivery.objects.filter(recipient_id__in=ids).count() == 2 * len(ids)
    mails = [p.read_text(errors="replace") for w in workers
             for p in (w.tmp / "var" / "mail").glob("*.log")]
    sent_to = sum(text.count(f"To: {p.email}") for text in mails for p in people)
    assert sent_to == 2 * len(ids)
    counted = sum(e.data["count"] for e in AuditEntry.objects.filter(
        action="notifications.schedule.ran", data__schedule="campaign_reminders"))
    assert counted == 2 * len(ids)
