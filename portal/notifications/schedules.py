"""The registry of periodic jobs: reminders declared by the apps, and the engine's own.

Each app declares its reminders in ``<app>/notices.py`` with :func:`register` (pretix's
``periodic_task`` signal is the model: the domain module owns its job, the core runs it); the
engine declares its own jobs (sending, digests, resolving done reminders) below. Every
declaration carries its cron line as a comment.

``manage.py sync_schedules`` copies these declarations into django-celery-beat's
``PeriodicTask``/``CrontabSchedule`` rows (creating missing ones, never overwriting a time an
administrator changed in the admin; ``--reset`` restores the defaults). Beat then fires
``portal.notifications.tasks.run_schedule(name=..., **options)``; the options (e.g. the days
before the due date) are the task's keyword arguments, editable in the admin too.

Each schedule has a ``run`` (what it does, returning a count) and a ``preview`` (who would be
notified now, without writing anything), so administrators can preview and "run now" any of
them from the portal (/notifications/schedules/). A reminder is usually a *planner*: a function
``(now, **options) -> Iterable[Draft]``; :func:`planned` makes its run and preview.

Times are in ``settings.TIME_ZONE`` (Asia/Tokyo by default).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext, npgettext
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
    preview: Callable  # (now, options) -> Preview
    options: dict = field(default_factory=dict)
    module: str = ""  # where it is declared (its cron comment is there)
    quiet: bool = False  # an every-minute engine job: runs are not written to the audit trail

    @property
    def task_name(self) -> str:
        """The PeriodicTask.name of this schedule."""
        return PREFIX + self.name

    @property
    def has_fixed_time(self) -> bool:
        """True when the schedule runs at a time of day (an administrator may move it)."""
        return str(self.cron.get("minute", "*")).isdigit() and str(self.cron.get("hour", "*")).isdigit()

    @property
    def cron_text(self) -> str:
        c = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*",
             "month_of_year": "*", **self.cron}
        return " ".join(c[k] for k in ("minute", "hour", "day_of_month", "month_of_year",
                                       "day_of_week"))


# Celery's crontab counts the days of the week from Sunday = 0.
WEEKDAYS = {"0": _("Sunday"), "1": _("Monday"), "2": _("Tuesday"), "3": _("Wednesday"),
            "4": _("Thursday"), "5": _("Friday"), "6": _("Saturday"), "7": _("Sunday")}
CRON_KEYS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def describe_cron(cron: dict) -> str:
    """A crontab in words, in the active language ("毎日 8:00", "Every Monday at 7:30").

    Covers the shapes the portal declares (every minute, every N minutes, daily, weekly,
    monthly, yearly at a time); anything else is shown as its cron line.
    """
    c = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*",
         "month_of_year": "*", **{k: str(v) for k, v in cron.items() if k in CRON_KEYS}}
    minute, hour, dom, moy, dow = (c[k] for k in CRON_KEYS)
    if (hour, dom, moy, dow) == ("*", "*", "*", "*"):
        if minute == "*":
            return gettext("Every minute")
        if minute.startswith("*/") and minute[2:].isdigit():
            return gettext("Every %(n)s minutes") % {"n": minute[2:]}
    if minute.isdigit() and hour.isdigit():
        time = f"{int(hour)}:{int(minute):02d}"
        if (dom, moy, dow) == ("*", "*", "*"):
            return gettext("Every day at %(time)s") % {"time": time}
        if (dom, moy) == ("*", "*") and all(d in WEEKDAYS for d in dow.split(",")):
            days = ", ".join(str(WEEKDAYS[d]) for d in dow.split(","))
            return gettext("Every %(days)s at %(time)s") % {"days": days, "time": time}
        if dom.isdigit() and (moy, dow) == ("*", "*"):
            return gettext("Day %(day)s of every month at %(time)s") % {"day": dom, "time": time}
        if dom.isdigit() and moy.isdigit() and dow == "*":
            return gettext("Every year on %(month)s/%(day)s at %(time)s") % {
                "month": moy, "day": dom, "time": time}
    return " ".join(c[k] for k in CRON_KEYS)


def describe_options(options: dict) -> str:
    """A schedule's options in words ("締切の7日前、1日前"); "" when it has none to show."""
    days = options.get("days_before")
    if not days:
        return ""
    if isinstance(days, int | str):  # one threshold (e.g. the self-declaration reminder's 7)
        days = [days]
    items = [npgettext("days before", "%(n)s day", "%(n)s days", int(n)) % {"n": int(n)}
             for n in days]
    return gettext("%(days)s before the due date") % {"days": gettext(", ").join(items)}


def task_cron(task) -> dict:
    """The crontab of a PeriodicTask as a dict of the five fields."""
    return {k: getattr(task.crontab, k) for k in CRON_KEYS} if task.crontab_id else {}


SCHEDULES: list[Schedule] = []
BY_NAME: dict[str, Schedule] = {}


def register(name: str, label, description, cron: dict, run: Callable, preview: Callable, *,
             options: dict | None = None, quiet: bool = False) -> Schedule:
    """Declare a periodic job (once; re-importing the declaring module is harmless)."""
    module = sys._getframe(1).f_globals.get("__name__", "")
    schedule = Schedule(name, label, description, cron, run, preview, dict(options or {}),
                        module, quiet)
    existing = BY_NAME.get(name)
    if existing is not None:
        if existing.module != module:
            raise ImproperlyConfigured(f"Schedule {name} declared in {existing.module} and {module}")
        SCHEDULES[SCHEDULES.index(existing)] = schedule
    else:
        SCHEDULES.append(schedule)
    BY_NAME[name] = schedule
    return schedule


def planned(planner: Callable) -> tuple[Callable, Callable]:
    """run/preview for a planner ``(now, **options) -> Iterable[Draft]``."""

    def run(now, options):
        from portal.notifications import services

        return services.notifications_create(planner(now=now, **options))

    def preview(now, options):
        from portal.notifications import selectors

        return selectors.preview_drafts(planner(now=now, **options))

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


def _resolve_run(now, options):
    from portal.notifications import services

    return services.notifications_resolve_done(now=now)


def _resolve_preview(now, options):
    from portal.notifications import selectors

    return selectors.preview_resolvable()


def _plan_staff_digest(*, now, **options):
    from portal.notifications import sources

    return sources.plan_staff_digest(now=now, **options)


# * * * * *  — every minute: send e-mails that are due (new, retried, or left by an outage).
register(
    "send_due", _("Send waiting e-mails"),
    _("Sends notification e-mails that are waiting: new ones, retries after a failure, and "
      "any stored while the broker was down."),
    {"minute": "*"}, _send_due_run, _send_due_preview, quiet=True,
)


def _jobs_sweep_run(now, options):
    from portal.outbox import services

    result = services.sweep(now=now, limit=int(options.get("limit", services.SWEEP_BATCH)))
    return result["rung"] + result["taken_back"] + result["failed"]


def _jobs_sweep_preview(now, options):
    from portal.outbox import selectors

    return selectors.preview_due(now=now)


# * * * * *  — every minute: background work that is due, or whose worker vanished, runs again.
register(
    "jobs_sweep", _("Run waiting background work"),
    _("Starts background work (rule evaluation, exports, re-screening, imports) that is due: "
      "work stored while the broker was down, retries after a failure, and work whose worker "
      "stopped before it finished."),
    {"minute": "*"}, _jobs_sweep_run, _jobs_sweep_preview, quiet=True,
)
# */10 * * * *  — every 10 minutes: reminders whose task was done elsewhere are resolved.
register(
    "resolve_done", _("Resolve reminders whose task is done"),
    _("Marks reminders as done when what they asked for has been done (an answer given, a "
      "disclosure updated), so they no longer show as waiting and are not e-mailed."),
    {"minute": "*/10"}, _resolve_run, _resolve_preview,
)
# 0 7 * * *  — daily 07:00: one digest e-mail per user who chose the daily digest.
register(
    "daily_digest", _("Daily digest e-mail"),
    _("Gathers the notifications of users who chose a daily digest into one e-mail each."),
    {"minute": "0", "hour": "7"}, _digest_run, _digest_preview,
)
# 30 7 * * 1  — Mondays 07:30: weekly digest for staff of what is waiting for them.
register(
    "staff_weekly_digest", _("Weekly digest for staff"),
    _("Tells reviewers, research-office staff and administrators what is waiting for them."),
    {"minute": "30", "hour": "7", "day_of_week": "1"}, *planned(_plan_staff_digest),
)

def get_schedule(name: str) -> Schedule:
    return BY_NAME[name]


_UNSET = object()


def options_for(schedule: Schedule, task=_UNSET) -> dict:
    """The schedule's options as an administrator left them in the PeriodicTask (kwargs);
    ``task``: its PeriodicTask when the caller has it already (None: not installed)."""
    import json

    from django_celery_beat.models import PeriodicTask

    options = dict(schedule.options)
    if task is _UNSET:
        raw = PeriodicTask.objects.filter(name=schedule.task_name).values_list("kwargs", flat=True).first()
    else:
        raw = task.kwargs if task is not None else None
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
