"""Helpers for the apps' reminder planners, and the staff digest built from what apps report.

A planner (declared by an app in ``<app>/notices.py``) takes ``now`` and its schedule's options
and yields :class:`~portal.notifications.services.Draft` objects. It reads with a handful of
set-based queries (no per-researcher loop of queries) and chooses a ``period`` so that the
dedupe key (kind, object, recipient, period) makes every reminder happen at most once, however
often the schedule runs. Planners write nothing: the schedule's run stores the drafts, its
preview lists them.

The weekly staff digest says what is waiting for each staff member; every app contributes its
lines with :func:`waiting_item` (a function ``(user, today) -> list[(label, count, url)]`` that
counts through the app's own selectors, so the user's scope applies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.models import User
from portal.notifications.services import Draft, Target
from portal.permissions import users_with_perm

MAX_NAMES = 50

_WAITING: list[Callable] = []


def target_pk():
    """The notice's target id as an integer, for a resolution subquery (``pk=target_pk()``).

    ``object_id`` is text and empty for a notice without a target: NULLIF keeps PostgreSQL from
    casting "" (which it refuses, aborting the transaction) whatever order it filters in.
    """
    from django.db.models import IntegerField, OuterRef, Value
    from django.db.models.functions import Cast, NullIf

    return Cast(NullIf(OuterRef("object_id"), Value("")), IntegerField())


def url(name: str, *args, default: str = "") -> str:
    """``reverse`` that answers ``default`` instead of raising (an app may be switched off)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return default


def today(now) -> dt.date:
    return timezone.localdate(now)


def threshold(days_left: int, days_before) -> int | None:
    """The smallest of ``days_before`` reached with ``days_left`` to go (None if none is)."""
    reached = [int(n) for n in days_before if 0 <= days_left <= int(n)]
    return min(reached) if reached else None


def drafts_for(users, kind: str, params: dict, link: str, target: Target, period: str = ""
               ) -> Iterator[Draft]:
    """One draft per user of a queryset (e.g. ``users_with_perm(...)``), read in chunks."""
    for pk, language in users.values_list("pk", "language").iterator(chunk_size=5000):
        yield Draft(pk, kind, params, link, target, period, language)


def names(rows: list[tuple]) -> str:
    """A list of people for an escalation notice: "- family given <email>" lines."""
    lines = [f"- {family} {given} <{email}>".replace("  ", " ")
             for family, given, email in rows[:MAX_NAMES]]
    if len(rows) > MAX_NAMES:
        lines.append(f"(+{len(rows) - MAX_NAMES})")
    return "\n".join(lines)


# --- Staff digest ----------------------------------------------------------------------------


def waiting_item(fn: Callable) -> Callable:
    """Register a contributor of "what is waiting" lines for the staff digest."""
    if fn not in _WAITING:
        _WAITING.append(fn)
    return fn


def waiting_for(user, *, today: dt.date) -> list[tuple[str, int, str]]:
    """What is waiting for a staff member: (label, count, link) for non-zero counts only."""
    items: list[tuple[str, int, str]] = []
    for fn in _WAITING:
        for label, count, link in fn(user, today) or ():
            if count:
                items.append((str(label), count, link))
    return items


@waiting_item
def _failed_deliveries(user, today):
    from django.utils.translation import gettext as _

    from portal.notifications.models import Delivery
    from portal.permissions import has_perm

    if not has_perm(user, "notifications.delivery.view"):
        return []
    count = Delivery.objects.filter(status=Delivery.Status.FAILED,
                                    updated_at__date__gte=today - dt.timedelta(days=7)).count()
    return [(_("Notification e-mails that failed"), count,
             url("notifications:deliveries") + "?status=failed")]


def staff_summary(user, *, today: dt.date) -> str:
    from django.utils import translation

    from portal.notifications.models import absolute

    with translation.override(user.language or "ja"):
        return "\n".join(f"- {label}: {count}  {absolute(link)}"
                         for label, count, link in waiting_for(user, today=today))


def plan_staff_digest(*, now, **_options) -> Iterator[Draft]:
    """Monday digest for everyone who may see the staff dashboard and has something waiting."""
    year, week, _day = today(now).isocalendar()
    users = (users_with_perm("notifications.staff_digest.receive")
             .prefetch_related("role_assignments"))
    link = url("portal:dashboard")
    day = today(now)
    for user in users:
        summary = staff_summary(user, today=day)
        if summary:
            yield Draft(user.pk, "staff_digest", {"summary": summary}, link, Target(),
                        f"{year}-W{week:02d}", user.language)


__all__ = ["Draft", "Target", "User", "drafts_for", "names", "plan_staff_digest", "threshold",
           "today", "url", "users_with_perm", "waiting_for", "waiting_item"]
