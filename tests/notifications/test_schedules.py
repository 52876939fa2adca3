"""Schedules declared in one place, synced into django-celery-beat idempotently."""

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from portal.notifications import schedules
from portal.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def test_every_schedule_is_declared_with_a_cron_comment_in_its_module():
    import re
    import sys

    for module in {s.module for s in schedules.SCHEDULES}:
        source = open(sys.modules[module].__file__, encoding="utf-8").read()
        comments = re.findall(r"^# (\S+ \S+ \S+ \S+ \S+)  —", source, flags=re.MULTILINE)
        assert comments == [s.cron_text for s in schedules.SCHEDULES if s.module == module]


def test_the_apps_declare_their_own_reminders():
    modules = {s.name: s.module for s in schedules.SCHEDULES}
    assert modules["campaign_reminders"] == "disclosures.notices"
    assert modules["mitigation_measures"] == "riskmgmt.notices"
    assert modules["send_due"] == "portal.notifications.schedules"


def test_sync_creates_every_periodic_task_and_is_idempotent():
    call_command("sync_schedules", stdout=open("/dev/null", "w"))
    tasks = PeriodicTask.objects.filter(name__startswith=schedules.PREFIX)
    assert tasks.count() == len(schedules.SCHEDULES)
    crontabs = CrontabSchedule.objects.count()
    assert set(schedules.sync().values()) == {"unchanged"}
    assert PeriodicTask.objects.filter(name__startswith=schedules.PREFIX).count() == len(schedules.SCHEDULES)
    assert CrontabSchedule.objects.count() == crontabs
    reminders = PeriodicTask.objects.get(name="portal:campaign_reminders")
    assert reminders.task == schedules.TASK
    assert json.loads(reminders.kwargs) == {"name": "campaign_reminders", "days_before": [14, 3]}
    assert (reminders.crontab.minute, reminders.crontab.hour) == ("0", "8")
    digest = PeriodicTask.objects.get(name="portal:staff_weekly_digest")
    assert digest.crontab.day_of_week == "1"


def test_sync_keeps_times_and_options_an_administrator_changed_unless_reset():
    schedules.sync()
    task = PeriodicTask.objects.get(name="portal:campaign_reminders")
    task.crontab = CrontabSchedule.objects.create(minute="30", hour="9")
    task.kwargs = json.dumps({"name": "campaign_reminders", "days_before": [7]})
    task.save()
    schedules.sync()
    task.refresh_from_db()
    assert task.crontab.hour == "9"
    assert schedules.options_for(schedules.get_schedule("campaign_reminders"))["days_before"] == [7]
    assert schedules.sync(reset=True)["campaign_reminders"] == "updated"
    task.refresh_from_db()
    assert task.crontab.hour == "8"


def test_demo_load_syncs_the_schedules():
    from portal.notifications import demo

    demo.load()
    demo.load()
    assert PeriodicTask.objects.filter(name__startswith=schedules.PREFIX).count() == len(schedules.SCHEDULES)


def test_beat_task_runs_a_schedule_by_name_with_its_options(researcher, mailoutbox):
    from portal.notifications import services, tasks

    services.notifications_create([services.Draft(researcher.pk, "item_ended",
                                                  {"item": "X", "end_date": "2026-01-01"})])
    Delivery.objects.update(status="pending")
    assert tasks.run_schedule.apply(kwargs={"name": "send_due", "batch": 10}).get() == 1
    assert len(mailoutbox) == 1


def test_every_schedule_previews_and_runs_on_an_empty_database(admin_user):
    from django.utils import timezone

    from portal.notifications import services

    for schedule in schedules.SCHEDULES:
        preview = schedule.preview(timezone.now(), dict(schedule.options))
        assert preview.total >= 0
        assert services.schedule_run(name=schedule.name) >= 0


def test_administrators_edit_schedule_times_in_the_admin_and_the_change_is_audited(
    admin_user, staff, client_as
):
    from portal.models import AuditEntry

    schedules.sync()
    task = PeriodicTask.objects.get(name="portal:campaign_reminders")
    url = f"/admin/django_celery_beat/crontabschedule/{task.crontab_id}/change/"
    assert client_as(staff).get(url).status_code in (302, 403)
    admin = client_as(admin_user)
    assert admin.get("/admin/django_celery_beat/periodictask/").status_code == 200
    response = admin.post(url, {"minute": "45", "hour": "9", "day_of_week": "*",
                                "day_of_month": "*", "month_of_year": "*",
                                "timezone": "Asia/Tokyo"})
    assert response.status_code == 302, response.content[:2000]
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour) == ("45", "9")
    assert AuditEntry.objects.filter(action="notifications.beat.changed", actor=admin_user).exists()


@pytest.mark.parametrize(("cron", "japanese", "english"), [
    ({"minute": "0", "hour": "8"}, "毎日 8:00", "Every day at 8:00"),
    ({"minute": "30", "hour": "7", "day_of_week": "1"}, "毎週月曜日 7:30", "Every Monday at 7:30"),
    ({"minute": "*"}, "毎分", "Every minute"),
    ({"minute": "*/10"}, "10分ごと", "Every 10 minutes"),
    ({"minute": "0", "hour": "9", "day_of_month": "1"}, "毎月1日 9:00",
     "Day 1 of every month at 9:00"),
])
def test_a_schedule_reads_in_words_in_the_readers_language(cron, japanese, english):
    from django.utils import translation

    with translation.override("ja"):
        assert schedules.describe_cron(cron) == japanese
    with translation.override("en"):
        assert schedules.describe_cron(cron) == english


def test_reminder_days_read_as_days_before_the_due_date():
    from django.utils import translation

    with translation.override("ja"):
        assert schedules.describe_options({"days_before": [7]}) == "締切の7日前"
    with translation.override("en"):
        assert schedules.describe_options({"days_before": [7, 1]}) == "7 days, 1 day before the due date"


def test_changing_a_schedule_moves_its_time_and_keeps_its_days(admin_user):
    import datetime as dt

    from portal.models import AuditEntry
    from portal.notifications import services

    schedules.sync()
    task = services.schedule_change(name="staff_weekly_digest", actor=admin_user,
                                    time=dt.time(8, 15))
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("8", "15", "1")
    assert AuditEntry.objects.filter(action="notifications.schedule.changed").count() == 1


def test_changing_reminder_days_stores_them_in_the_task(admin_user):
    from portal.notifications import services

    schedules.sync()
    task = services.schedule_change(name="campaign_reminders", actor=admin_user,
                                    days_before=[3, 10])
    assert json.loads(task.kwargs)["days_before"] == [10, 3]
