"""Writes of the notifications app: store notifications, send e-mails, preferences.

"Stored first": :func:`notifications_create` writes notification rows (and, for immediate
e-mail, their delivery rows) in the caller's transaction, then asks a worker to send them once
the transaction has committed. If the broker cannot be reached the rows simply stay pending and
the ``send_due`` schedule (every minute) sends them later; a caller never fails because of it.

Exactly once: every notification has a unique ``dedupe_key`` (kind, object, recipient, period)
and is inserted with ``bulk_create(ignore_conflicts=True)``; deliveries are claimed with
``select_for_update(skip_locked=True)`` and marked ``sending`` in a committed transaction before
the e-mail goes out, so two workers never send the same e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import CharField, F, Model, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.bulk import insert_ignoring_conflicts
from portal.errors import ApplicationError
from portal.notifications import kinds
from portal.notifications.models import Delivery, EmailMode, Notification, NotificationPreference

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
SEND_BATCH = 200
MAX_ATTEMPTS = 5
STALE_SENDING = timedelta(minutes=30)


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after ``attempts`` failed ones: 1 min, 4 min, 16 min, 64 min."""
    return min(60 * 4 ** max(attempts - 1, 0), 6 * 3600)


@dataclass(frozen=True)
class Target:
    """What a notification is about, without loading the object again."""

    content_type_id: int | None = None
    object_id: str = ""
    repr: str = ""

    @classmethod
    def of(cls, obj: Model | None) -> Target:
        if obj is None:
            return cls()
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return cls(ct.pk, str(obj.pk), str(obj)[:300])


@dataclass
class Draft:
    """A notification to store: recipient, kind, parameters of its text, link and period."""

    recipient_id: int
    kind: str
    params: dict = field(default_factory=dict)
    url: str = ""
    target: Target = field(default_factory=Target)
    period: str = ""
    language: str = "ja"

    @property
    def dedupe_key(self) -> str:
        t = self.target
        return f"{self.kind}:{t.content_type_id or 0}:{t.object_id}:{self.recipient_id}:{self.period}"[:200]


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def _modes_for(drafts: list[Draft]) -> dict[tuple[int, str], str]:
    """Preferences of the recipients for the optional kinds among ``drafts`` (one query)."""
    mandatory = kinds.mandatory_codes()
    optional = {d.kind for d in drafts if d.kind not in mandatory}
    if not optional:
        return {}
    users = {d.recipient_id for d in drafts if d.kind in optional}
    rows = NotificationPreference.objects.filter(user_id__in=users, kind__in=optional)
    return {(u, k): m for u, k, m in rows.values_list("user_id", "kind", "mode")}


def notifications_create(drafts: Iterable[Draft], *, batch_size: int = BATCH_SIZE) -> int:
    """Store notifications (skipping ones already stored) and queue their e-mails on commit.

    Returns how many new notifications were stored — rows this call inserted, not rows it tried
    (a concurrent run's rows are not counted twice). Runs in the caller's transaction when there
    is one, so a notification exists exactly when the change it reports does.
    """
    created = 0
    emails = False
    rendered: dict[tuple, tuple[str, str]] = {}
    mandatory = kinds.mandatory_codes()
    with transaction.atomic():
        for batch in _chunks(drafts, batch_size):
            by_key = {d.dedupe_key: d for d in batch}
            existing = set(
                Notification.objects.filter(dedupe_key__in=list(by_key)).values_list(
                    "dedupe_key", flat=True
                )
            )
            fresh = [d for key, d in by_key.items() if key not in existing]
            if not fresh:
                continue
            modes = _modes_for(fresh)
            rows, deliveries = [], []
            for d in fresh:
                cache_key = (d.kind, d.language, tuple(sorted((k, str(v)) for k, v in d.params.items())))
                if cache_key not in rendered:
                    rendered[cache_key] = kinds.render(d.kind, d.params, d.language)
                title, body = rendered[cache_key]
                mode = (
                    EmailMode.IMMEDIATE
                    if d.kind in mandatory
                    else modes.get((d.recipient_id, d.kind), EmailMode.IMMEDIATE)
                )
                key = d.dedupe_key
                rows.append(Notification(
                    recipient_id=d.recipient_id, kind=d.kind, url=d.url,
                    params=_json_params(d.params), stored_title=title, stored_body=body,
                    content_type_id=d.target.content_type_id, object_id=d.target.object_id,
                    object_repr=d.target.repr, dedupe_key=key, email_mode=mode,
                ))
                if mode == EmailMode.IMMEDIATE:
                    deliveries.append(Delivery(
                        dedupe_key=key, recipient_id=d.recipient_id, kind=d.kind,
                        notification_id=key, content_type_id=d.target.content_type_id,
                        object_id=d.target.object_id, object_repr=d.target.repr,
                        subject=title,
                    ))
            # counted as inserted: a row another worker stored meanwhile is not ours
            created += len(insert_ignoring_conflicts(Notification, rows))
            insert_ignoring_conflicts(Delivery, deliveries)
            emails = emails or bool(deliveries)
        if emails:
            enqueue_sending()  # one job; it sends batch after batch
    return created


def _json_params(params: dict) -> dict:
    """Parameters as stored: JSON values (dates as ISO strings, lazy strings as text)."""
    out = {}
    for key, value in (params or {}).items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


def notification_create(
    *, recipient, kind: str, params: dict, url: str = "", target: Model | None = None,
    period: str = "",
) -> bool:
    """Store one notification for ``recipient`` (an event notice); False if already stored."""
    draft = Draft(recipient_id=recipient.pk, kind=kind, params=params, url=url,
                  target=Target.of(target), period=period, language=recipient.language)
    return notifications_create([draft]) == 1


def notice_send(*, kind: str, recipients, params: dict | None = None, url: str = "",
                target: Model | None = None, period: str = "", exclude=()) -> int:
    """An event notice to every user of ``recipients``, in the caller's transaction.

    ``recipients`` is a User queryset (usually ``users_with_perm(code, obj)``) or an iterable
    of users; ``exclude`` drops users (e.g. the person who acted). Call it inside the
    service's atomic block: the notice exists exactly when the change does; its e-mail goes
    out after the commit. Returns how many notices were stored.
    """
    if kind not in kinds.KINDS:
        raise KeyError(f"Undeclared notification kind: {kind}")
    skip = {getattr(u, "pk", u) for u in exclude if u is not None}
    if hasattr(recipients, "values_list"):
        people = list(recipients.exclude(pk__in=skip).values_list("pk", "language"))
    else:
        people = [(u.pk, u.language) for u in recipients if u is not None and u.pk not in skip]
    t = Target.of(target)
    drafts = [Draft(pk, kind, dict(params or {}), url, t, period, language)
              for pk, language in dict(people).items()]
    return notifications_create(drafts)


def notifications_resolve(*, kinds: Iterable[str], target: Model, recipient=None,
                          now=None) -> int:
    """The task these reminders asked for is done: mark them resolved (and read), and drop
    their e-mails that have not gone out yet. In the caller's transaction."""
    now = now or timezone.now()
    t = Target.of(target)
    qs = Notification.objects.filter(kind__in=list(kinds), content_type_id=t.content_type_id,
                                     object_id=t.object_id, resolved_at__isnull=True)
    if recipient is not None:
        qs = qs.filter(recipient_id=getattr(recipient, "pk", recipient))
    return _resolve(qs, now)


def _resolve(qs, now) -> int:
    keys = list(qs.values_list("dedupe_key", flat=True))
    if not keys:
        return 0
    count = 0
    for chunk in _chunks(keys, BATCH_SIZE):
        Delivery.objects.filter(notification_id__in=chunk, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SKIPPED, last_error=_("The task was done before sending."))
        Notification.objects.filter(dedupe_key__in=chunk, read_at__isnull=True).update(read_at=now)
        count += Notification.objects.filter(dedupe_key__in=chunk, resolved_at__isnull=True).update(
            resolved_at=now)
    return count


def notifications_resolve_done(*, now=None, recipient=None) -> int:
    """Ask every kind that declares ``resolved`` which of its open reminders are done, and
    resolve them (the ``resolve_done`` schedule; also run for one reader on their list)."""
    now = now or timezone.now()
    total = 0
    with transaction.atomic():
        for kind in kinds.KINDS.values():
            if kind.resolved is None:
                continue
            open_ = Notification.objects.filter(kind=kind.code, resolved_at__isnull=True)
            if recipient is not None:
                open_ = open_.filter(recipient_id=recipient.pk)
            total += _resolve(kind.resolved(open_), now)
    return total


def enqueue_sending() -> None:
    """Record in the caller's transaction that e-mails are waiting: the outbox sends them after
    the commit (``notifications.send_due``; if the broker is down, the job and the e-mails wait
    and the outbox's sweep and the ``send_due`` schedule send them later)."""
    from portal import outbox

    with transaction.atomic():
        outbox.enqueue("notifications.send_due")


# --- Sending ---------------------------------------------------------------------------------


def deliveries_claim(*, limit: int = SEND_BATCH, now=None, ids: list[int] | None = None) -> list[int]:
    """Claim due deliveries for this worker (``sending``), skipping rows others hold."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = Delivery.objects.select_for_update(skip_locked=True).filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        claimed = list(qs.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        if claimed:
            Delivery.objects.filter(pk__in=claimed).update(
                status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    return claimed


def build_message(delivery: Delivery, connection=None) -> EmailMultiAlternatives | None:
    """The e-mail of a delivery in the recipient's language (plain text + HTML)."""
    user = delivery.recipient
    with translation.override(user.language or "ja"):
        if delivery.is_digest:
            items = list(delivery.digested_notifications.filter(resolved_at__isnull=True)
                         .order_by("created_at", "pk"))
            if not items:
                return None
            subject = _("Your notifications (%(count)s)") % {"count": len(items)}
            context = {"user": user, "items": items, "site_url": settings.SITE_URL}
            text = render_to_string("notifications/email/digest.txt", context)
            html = render_to_string("notifications/email/digest.html", context)
        else:
            note = delivery.notification
            if note is None or note.resolved_at is not None:
                return None
            subject = note.title
            context = {"user": user, "note": note, "site_url": settings.SITE_URL}
            text = render_to_string("notifications/email/notification.txt", context)
            html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:250], body=text, to=[user.email],
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def delivery_attempt(*, delivery: Delivery, connection=None, now=None) -> str:
    """Send one claimed delivery and record the outcome: sent, retry, failed or skipped."""
    now = now or timezone.now()
    user = delivery.recipient
    if not user.is_active or not user.email:
        delivery.status = Delivery.Status.SKIPPED
        delivery.last_error = _("The recipient is inactive or has no e-mail address.")
        delivery.save(update_fields=["status", "last_error", "updated_at"])
        return "skipped"
    try:
        message = build_message(delivery, connection)
        if message is None:
            delivery.status = Delivery.Status.SKIPPED
            delivery.save(update_fields=["status", "updated_at"])
            return "skipped"
        delivery.subject = message.subject
        message.send()
    except Exception as exc:  # any transport error: record it, retry with back-off
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            outcome = "failed"
            logger.error("Notification e-mail %s failed for good: %s", delivery.pk, exc)
        else:
            delivery.status = Delivery.Status.PENDING
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
            outcome = "retry"
        delivery.save(update_fields=["status", "last_error", "next_attempt_at", "subject",
                                     "updated_at"])
        return outcome
    delivery.status = Delivery.Status.SENT
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["status", "sent_at", "subject", "updated_at"])
    return "sent"


def deliveries_send(*, ids: list[int]) -> dict[str, list[int]]:
    """Send claimed deliveries over one mail connection; outcome → delivery ids."""
    outcomes: dict[str, list[int]] = {"sent": [], "retry": [], "failed": [], "skipped": []}
    if not ids:
        return outcomes
    rows = (
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING)
        .select_related("recipient", "notification")
        .order_by("pk")
    )
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        logger.warning("Mail connection failed: %s", exc)
    try:
        for delivery in rows:
            outcomes[delivery_attempt(delivery=delivery, connection=connection)].append(delivery.pk)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: S110 - closing a broken connection
            pass
    return outcomes


def deliveries_send_due(*, limit: int = SEND_BATCH) -> dict[str, list[int]]:
    """Claim and send one batch of due deliveries (the sweep); also settle stuck ones."""
    deliveries_release_stale()
    return deliveries_send(ids=deliveries_claim(limit=limit))


def deliveries_release_stale(*, now=None) -> int:
    """A delivery left ``sending`` by a crashed worker: the outcome is unknown, so it is not
    sent again (that could send it twice); it is marked failed for an administrator to see."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(status=Delivery.Status.FAILED,
             last_error="Interrupted while sending; the outcome is unknown.")


def digests_prepare(*, now=None) -> int:
    """Gather the notifications waiting for a daily digest into one pending e-mail per user.

    Returns the number of notifications gathered. Set-based: one insert per 1000 users and one
    update; running it twice in a day adds new notifications to a digest not yet sent.
    """
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    waiting = Notification.objects.filter(
        email_mode=EmailMode.DIGEST, digest__isnull=True, created_at__lte=now,
        resolved_at__isnull=True,
    )
    with transaction.atomic():
        users = list(waiting.order_by().values_list("recipient_id", flat=True).distinct())
        if not users:
            return 0
        for chunk in _chunks(users, 1000):
            Delivery.objects.bulk_create(
                [Delivery(dedupe_key=f"digest:{u}:{day}", recipient_id=u, kind=Delivery.DIGEST_KIND)
                 for u in chunk],
                ignore_conflicts=True,
            )
        before = waiting.count()
        key = Concat(Value("digest:"), Cast(OuterRef("recipient_id"), CharField()), Value(f":{day}"))
        pending = Delivery.objects.filter(dedupe_key=key, status=Delivery.Status.PENDING)
        waiting.update(digest=Subquery(pending.values("pk")[:1]))
        gathered = before - waiting.count()
        enqueue_sending()
    return gathered


# --- The recipient's side ----------------------------------------------------------------------


def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise ApplicationError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_save(*, user, modes: dict[str, str]) -> list[str]:
    """Save a user's choices for optional kinds; mandatory kinds cannot be changed."""
    changed = []
    current = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    for code, mode in modes.items():
        if code in kinds.mandatory_codes():
            raise ApplicationError(_("This notification is mandatory and cannot be changed."))
        if code not in kinds.KINDS or mode not in EmailMode.values:
            raise ApplicationError(_("Unknown notification kind or delivery."))
        pref = current.get(code)
        old = pref.mode if pref else EmailMode.IMMEDIATE
        if old == mode:
            continue
        if pref is None:
            pref = NotificationPreference(user=user, kind=code, mode=mode)
        pref.mode = mode
        pref.full_clean()
        pref.save()
        changed.append(code)
        audit_log(action="notifications.preference.changed", target=user,
                  data={"kind": code}, before={"mode": old}, after={"mode": mode})
    return changed


# --- Schedules -----------------------------------------------------------------------------------


def schedule_run(*, name: str, actor=None, options: dict | None = None, now=None) -> int:
    """Run one schedule now (beat, or an administrator's "run now"); returns its count."""
    from portal.notifications import schedules

    try:
        schedule = schedules.get_schedule(name)
    except KeyError:
        raise ApplicationError(_("Unknown schedule."))
    opts = schedules.options_for(schedule)
    opts.update(options or {})
    count = schedule.run(now or timezone.now(), opts)
    if actor is not None or (count and not schedule.quiet):
        audit_log(action="notifications.schedule.ran", actor=actor,
                  data={"schedule": schedule.name, "count": count})
    return count


def schedule_run_request(*, name: str, actor) -> bool:
    """An administrator's "run now": recorded in the outbox with its audit entry, run by a
    worker after the commit (later, if the broker is down: the job waits for the sweep)."""
    from portal import outbox
    from portal.notifications import schedules

    try:
        schedules.get_schedule(name)
    except KeyError:
        raise ApplicationError(_("Unknown schedule."))
    with transaction.atomic():
        audit_log(action="notifications.schedule.run_requested", actor=actor,
                  data={"schedule": name})
        outbox.enqueue("notifications.run_schedule", key=name, actor=actor, name=name)
    return True


def schedule_preview(*, name: str, actor, now=None):
    """Who a schedule would notify now, without storing anything (the look is audited: it
    lists people's names and addresses)."""
    from portal.notifications import schedules

    try:
        schedule = schedules.get_schedule(name)
    except KeyError:
        raise ApplicationError(_("Unknown schedule."))
    preview = schedule.preview(now or timezone.now(), schedules.options_for(schedule))
    audit_log(action="notifications.schedule.previewed", actor=actor,
              data={"schedule": schedule.name, "total": preview.total})
    return preview


@transaction.atomic
def schedule_change(*, name: str, actor, time=None, days_before=None):
    """Move a schedule to another time of day and/or other reminder days (audited).

    The portal's own page for what the Django admin's periodic tasks did in English: the day
    pattern of the crontab stays, only the hour and minute move; ``days_before`` replaces the
    task's option of that name. Returns the PeriodicTask.
    """
    import json

    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from portal.notifications import schedules

    try:
        schedule = schedules.get_schedule(name)
    except KeyError:
        raise ApplicationError(_("Unknown schedule."))
    task = (PeriodicTask.objects.select_for_update(of=("self",)).select_related("crontab")
            .filter(name=schedule.task_name).first())
    if task is None or not task.crontab_id:
        raise ApplicationError(_("This schedule is not installed yet (run manage.py sync_schedules)."))
    before = {"when": schedules.describe_cron(schedules.task_cron(task)),
              "options": schedules.describe_options(schedules.options_for(schedule))}
    if time is not None:
        if not schedule.has_fixed_time:
            raise ApplicationError(_("This schedule runs all day; it has no time to change."),
                                   field="time")
        cron = {**schedules.task_cron(task), "minute": str(time.minute), "hour": str(time.hour)}
        task.crontab, _created = CrontabSchedule.objects.get_or_create(
            timezone=settings.TIME_ZONE, **cron)
    if days_before is not None:
        if "days_before" not in schedule.options:
            raise ApplicationError(_("This schedule has no reminder days."), field="days_before")
        kwargs = {**schedules.options_for(schedule), "days_before": sorted(set(days_before), reverse=True)}
        task.kwargs = json.dumps({"name": schedule.name, **kwargs})
    task.save()
    after = {"when": schedules.describe_cron(schedules.task_cron(task)),
             "options": schedules.describe_options(schedules.options_for(schedule))}
    audit_log(action="notifications.schedule.changed", actor=actor,
              data={"schedule": schedule.name, "time": time.strftime("%H:%M") if time else None,
                    "days_before": sorted(set(days_before), reverse=True) if days_before else None},
              before=before, after=after)
    return task
