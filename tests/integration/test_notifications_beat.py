"""Beat fires a reminder schedule in a real worker (Redis), and the e-mails go out."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_beat_fires_the_reminder_schedule_and_the_worker_sends_the_mail(
    celery_worker_process, researcher, tmp_path
):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from portal.notifications.models import Delivery, Notification
    from portal.notifications.schedules import TASK
    from tests.notifications.factories import make_campaign

    today = timezone.localdate()
    make_campaign(fiscal_year=2030, opens_on=today - dt.timedelta(days=10),
                  due_date=today + dt.timedelta(days=3))
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="test: campaign reminders", task=TASK, interval=every_second,
                                kwargs=json.dumps({"name": "campaign_reminders"}))

    def sent():
        return Delivery.objects.filter(recipient=researcher, status="sent").count() >= 2

    assert wait_for(sent, timeout=90), list(Delivery.objects.values("kind", "status", "last_error"))
    kinds = set(Notification.objects.filter(recipient=researcher).values_list("kind", flat=True))
    assert kinds == {"campaign_opened", "campaign_reminder"}
    # beat keeps firing every second (its log says so three more times): still one of each
    log = tmp_path / "worker.log"

    def fired() -> int:
        return log.read_text(errors="replace").count("Sending due task test: campaign reminders")

    before = fired()
    assert wait_for(lambda: fired() >= before + 3, timeout=30)
    assert Notification.objects.filter(recipient=researcher).count() == 2
    mail_dir = tmp_path / "var" / "mail"
    texts = [p.read_text(errors="replace") for p in mail_dir.glob("*.log")]
    assert texts and all(researcher.email in t for t in texts)
