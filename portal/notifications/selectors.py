"""Reads of the notifications app; visibility is decided here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from portal.models import User
from portal.notifications import kinds
from portal.notifications.models import Delivery, EmailMode, Notification, NotificationPreference
from portal.permissions import has_perm, scope_queryset

PREVIEW_LIMIT = 500


def notification_list_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = scope_queryset(user, "notifications.own.view", Notification.objects.all(),
                        owner_field="recipient")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    """The bell's number: one indexed COUNT query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_counts(*, user: User) -> dict:
    qs = Notification.objects.filter(recipient_id=user.pk)
    return qs.aggregate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))


def delivery_list_for(*, user: User) -> QuerySet[Delivery]:
    if not has_perm(user, "notifications.delivery.view"):
        return Delivery.objects.none()
    return Delivery.objects.select_related("recipient", "content_type").order_by("-created_at", "-id")


def delivery_status_counts(*, user: User) -> dict[str, int]:
    qs = delivery_list_for(user=user)
    return dict(qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


@dataclass
class PreferenceRow:
    kind: kinds.Kind
    mode: str


def preferences_for(*, user: User) -> list[PreferenceRow]:
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "mode"))
    return [
        PreferenceRow(kind=k, mode=EmailMode.IMMEDIATE if k.mandatory else stored.get(k.code, EmailMode.IMMEDIATE))
        for k in kinds.KINDS.values()
    ]


# --- Previews of schedules ------------------------------------------------------------------


@dataclass
class PreviewRow:
    recipient: User | None
    kind_label: str
    object_repr: str
    title: str


@dataclass
class Preview:
    rows: list[PreviewRow]
    total: int
    already: int = 0


def preview_drafts(drafts: Iterable) -> Preview:
    """Who would be notified: the drafts not already stored (first PREVIEW_LIMIT shown)."""
    from portal.notifications.services import _chunks

    fresh, already = [], 0
    for batch in _chunks(drafts, 2000):
        keys = {d.dedupe_key: d for d in batch}
        existing = set(Notification.objects.filter(dedupe_key__in=list(keys)).values_list(
            "dedupe_key", flat=True))
        already += len(existing)
        fresh.extend(d for k, d in keys.items() if k not in existing)
    shown = fresh[:PREVIEW_LIMIT]
    users = User.objects.in_bulk([d.recipient_id for d in shown])
    rendered: dict = {}
    rows = []
    for d in shown:
        key = (d.kind, tuple(sorted((k, str(v)) for k, v in d.params.items())))
        if key not in rendered:
            rendered[key] = kinds.render(d.kind, d.params, _lang())[0]
        rows.append(PreviewRow(users.get(d.recipient_id), str(kinds.KINDS[d.kind].label),
                               d.target.repr, rendered[key]))
    return Preview(rows=rows, total=len(fresh), already=already)


def _lang() -> str:
    from django.utils.translation import get_language

    return get_language() or "ja"


def preview_due_deliveries(*, now) -> Preview:
    qs = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    total = qs.count()
    rows = [
        PreviewRow(d.recipient, str(kinds.KINDS[d.kind].label) if d.kind in kinds.KINDS else d.kind,
                   d.object_repr, d.subject)
        for d in qs.select_related("recipient").order_by("next_attempt_at", "pk")[:PREVIEW_LIMIT]
    ]
    return Preview(rows=rows, total=total)


def preview_resolvable() -> Preview:
    """Reminders whose task is done and that the ``resolve_done`` schedule would resolve."""
    rows, total = [], 0
    for kind in kinds.KINDS.values():
        if kind.resolved is None:
            continue
        done = kind.resolved(Notification.objects.filter(kind=kind.code, resolved_at__isnull=True))
        total += done.count()
        for note in done.select_related("recipient")[:max(PREVIEW_LIMIT - len(rows), 0)]:
            rows.append(PreviewRow(note.recipient, str(kind.label), note.object_repr, note.title))
    return Preview(rows=rows, total=total)


def preview_digests(*, now) -> Preview:
    from django.utils.translation import gettext as _

    waiting = (
        Notification.objects.filter(email_mode=EmailMode.DIGEST, digest__isnull=True,
                                    created_at__lte=now, resolved_at__isnull=True)
        .order_by().values("recipient_id").annotate(n=Count("pk"))
    )
    counts = {r["recipient_id"]: r["n"] for r in waiting}
    users = User.objects.in_bulk(list(counts)[:PREVIEW_LIMIT])
    rows = [
        PreviewRow(users.get(uid), _("Daily digest"), "",
                   _("%(count)s notifications") % {"count": n})
        for uid, n in list(counts.items())[:PREVIEW_LIMIT]
    ]
    return Preview(rows=rows, total=len(counts))
