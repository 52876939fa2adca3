"""Every periodic job of the portal, declared here and only here.

``manage.py sync_schedules`` copies these declarations into django-celery-beat's
``PeriodicTask``/``CrontabSchedule`` rows (creating missing ones, never overwriting a time an
administrator changed in the admin; ``--reset`` restores the defaults). Beat then fires
``portal.notifications.tasks.run_schedule(name=..., **options)``; the options (e.g. the days
before the due date) are the task's keyword arguments, editable in the admin too.

Each schedule has a ``run`` (what it does, returning a count) and a ``preview`` (who would be
notified now, without writing anything), so administrators can preview and "run now" any of
them from the portal (/notifications/schedules/).

Times are in ``settings.TIME_ZONE`` (Asia/Tokyo by default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TASK = "portal.notifications.tasks.run_schedule"
PREFIX = "portal:"


@dataclass(frozen=True)
class Schedule:
    name: str
    label: object
    description: object
    cron: dict  # minute, hour, day_of_week, day_of_month, month_of_year
    run: Callable  # (now, options) -> int
    preview: Callable  # (now, options) -> list[PreviewRow]
    options: dict = field(default_factory=dict)

    @property
    def task_name(self) -> str:
        """The PeriodicTask.name of this schedule."""
        return PREFIX + self.name

    @property
    def cron_text(self) -> str:
        c = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*",
             "month_of_year": "*", **self.cron}
        return " ".join(c[k] for k in ("minute", "hour", "day_of_month", "month_of_year",
                                       "day_of_week"))


def _planned(planner_name: str) -> tuple[Callable, Callable]:
    """run/preview for a planner in sources.py that yields Drafts."""

    def run(now, options):
        from portal.notifications import services, sources

        return services.notifications_create(getattr(sources, planner_name)(now=now, **options))

    def preview(now, options):
        from portal.notifications import selectors, sources

        return selectors.preview_drafts(getattr(sources, planner_name)(now=now, **options))

    return run, preview


def _send_due_run(now, options):
    from portal.notifications import services

    total = 0
    for _round in range(int(options.get("rounds", 10))):
        result = services.deliveries_send_due(limit=int(options.get("batch", services.SEND_BATCH)))
        sent = sum(len(v) for v in result.values())
        total += len(result["sent"])
        if sent < int(options.get("batch", services.SEND_BATCH)):
            break
    return total


def _send_due_preview(now, options):
    from portal.notifications import selectors

    return selectors.preview_due_deliveries(now=now)


def _digest_run(now, options):
    from portal.notifications import services

    return services.digests_prepare(now=now)


def _digest_preview(now, options):
    from portal.notifications import selectors

    return selectors.preview_digests(now=now)


SCHEDULES: list[Schedule] = [
    # * * * * *  — every minute: send e-mails that are due (new, retried, or left by an outage).
    Schedule(
        "send_due", _("Send waiting e-mails"),
        _("Sends notification e-mails that are waiting: new ones, retries after a failure, and "
          "any stored while the broker was down."),
        {"minute": "*"}, _send_due_run, _send_due_preview,
    ),
    # 0 8 * * *  — daily 08:00: campaign notices to researchers who joined late, and reminders
    # 14 and 3 days before the due date.
    Schedule(
        "campaign_reminders", _("Annual update: reminders before the due date"),
        _("Reminds researchers who have not confirmed or updated their disclosure, a number of "
          "days before the campaign's due date (days_before)."),
        {"minute": "0", "hour": "8"}, *_planned("plan_campaign_reminders"),
        options={"days_before": [14, 3]},
    ),
    # 5 8 * * *  — daily 08:05: overdue notices (weekly repeats) and escalation to the department
    # reviewer, then to the research office.
    Schedule(
        "campaign_overdue", _("Annual update: overdue notices and escalation"),
        _("Tells overdue researchers, and escalates them to their department reviewer and then "
          "to the research office."),
        {"minute": "5", "hour": "8"}, *_planned("plan_campaign_overdue"),
        options={"repeat_every_days": 7, "escalate_reviewer_after": 7,
                 "escalate_office_after": 14},
    ),
    # 15 8 * * *  — daily 08:15: disclosures not updated for 12 months.
    Schedule(
        "disclosure_stale", _("Disclosures not updated for 12 months"),
        _("Asks researchers whose last submitted disclosure is older than the given number of "
          "days to check it (repeated every 30 days)."),
        {"minute": "15", "hour": "8"}, *_planned("plan_disclosure_stale"),
        options={"after_days": 365},
    ),
    # 20 8 * * *  — daily 08:20: side jobs and contracts whose end date has passed.
    Schedule(
        "items_ended", _("Side jobs and contracts past their end date"),
        _("Asks researchers to update their disclosure when a position or contract in it has "
          "passed its end date."),
        {"minute": "20", "hour": "8"}, *_planned("plan_items_ended"),
        options={"lookback_days": 90},
    ),
    # 25 8 * * *  — daily 08:25: mitigation measures due soon or overdue, to their owners.
    Schedule(
        "mitigation_measures", _("Mitigation measures due soon or overdue"),
        _("Tells the owner of a mitigation measure that it is due soon, and again weekly once "
          "it is overdue."),
        {"minute": "25", "hour": "8"}, *_planned("plan_mitigation_measures"),
        options={"due_within_days": 7, "repeat_every_days": 7},
    ),
    # 30 8 * * *  — daily 08:30: funding-agency inquiry deadlines.
    Schedule(
        "inquiry_deadlines", _("Funding-agency inquiry deadlines"),
        _("Tells the people handling a funding-agency inquiry that its reply is due soon."),
        {"minute": "30", "hour": "8"}, *_planned("plan_inquiry_deadlines"),
        options={"days_before": [7, 1]},
    ),
    # 35 8 * * *  — daily 08:35: requests for information not answered.
    Schedule(
        "information_requests", _("Requests for information not answered"),
        _("Reminds researchers of requests for information they have not answered."),
        {"minute": "35", "hour": "8"}, *_planned("plan_information_requests"),
        options={"after_days": 7, "repeat_every_days": 7},
    ),
    # 0 7 * * *  — daily 07:00: one digest e-mail per user who chose the daily digest.
    Schedule(
        "daily_digest", _("Daily digest e-mail"),
        _("Gathers the notifications of users who chose a daily digest into one e-mail each."),
        {"minute": "0", "hour": "7"}, _digest_run, _digest_preview,
    ),
    # 30 7 * * 1  — Mondays 07:30: weekly digest for staff of what is waiting for them.
    Schedule(
        "staff_weekly_digest", _("Weekly digest for staff"),
        _("Tells reviewers, research-office staff and administrators what is waiting for them."),
        {"minute": "30", "hour": "7", "day_of_week": "1"}, *_planned("plan_staff_digest"),
    ),
]

BY_NAME: dict[str, Schedule] = {s.name: s for s in SCHEDULES}


def get_schedule(name: str) -> Schedule:
    return BY_NAME[name]


def options_for(schedule: Schedule) -> dict:
    """The schedule's options as an administrator left them in the PeriodicTask (kwargs)."""
    import json

    from django_celery_beat.models import PeriodicTask

    options = dict(schedule.options)
    raw = PeriodicTask.objects.filter(name=schedule.task_name).values_list("kwargs", flat=True).first()
    if raw:
        try:
            stored = json.loads(raw)
        except ValueError:
            stored = {}
        stored.pop("name", None)
        if isinstance(stored, dict):
            options.update(stored)
    return options


def sync(*, reset: bool = False) -> dict[str, str]:
    """Create or update the PeriodicTask of every schedule; name → created/updated/unchanged.

    Idempotent. An existing task keeps its crontab and options (an administrator may have
    changed them) unless ``reset``; its task path is always corrected.
    """
    import json

    from django.conf import settings
    from django.db import transaction
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    result = {}
    with transaction.atomic():
        for schedule in SCHEDULES:
            cron = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*",
                    "month_of_year": "*", **schedule.cron}
            crontab, _created = CrontabSchedule.objects.get_or_create(
                timezone=settings.TIME_ZONE, **cron
            )
            kwargs = json.dumps({"name": schedule.name, **schedule.options})
            task = PeriodicTask.objects.filter(name=schedule.task_name).first()
            if task is None:
                PeriodicTask.objects.create(
                    name=schedule.task_name, task=TASK, crontab=crontab, kwargs=kwargs,
                    description=str(schedule.description),
                )
                result[schedule.name] = "created"
                continue
            changed = False
            if task.task != TASK:
                task.task, changed = TASK, True
            if reset and (task.crontab_id != crontab.pk or task.kwargs != kwargs
                          or task.interval_id is not None):
                task.crontab, task.interval, task.kwargs, changed = crontab, None, kwargs, True
            if changed:
                task.save()
            result[schedule.name] = "updated" if changed else "unchanged"
    return result


def now():
    return timezone.now()
