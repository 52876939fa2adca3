"""Writing and reading the append-only audit trail.

Every service that changes data calls :func:`audit_log` inside its transaction. Each action code
may register a renderer (a translatable template string or a function) so that the history on an
object's page reads as a sentence, never as raw JSON.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal import context
from portal.models import AuditEntry

SECRET_WORDS = ("password", "secret", "token", "otp", "recovery", "key")
MASK = "********"

_RENDERERS: dict[str, Callable[[AuditEntry], str] | Promise | str] = {}


def register_renderer(action: str, renderer) -> None:
    """Register how an action reads: a lazy string formatted with ``data``, or a callable."""
    _RENDERERS[action] = renderer


def render_entry(entry: AuditEntry) -> str:
    renderer = _RENDERERS.get(entry.action)
    data = entry.data or {}
    if callable(renderer) and not isinstance(renderer, Promise | str):
        return str(renderer(entry))
    if renderer is not None:
        try:
            return str(renderer) % _SafeDict({k: readable(v) for k, v in data.items()})
        except (KeyError, TypeError, ValueError):
            return str(renderer)
    changed = data.get("changed") or sorted(set(data.get("after", {})) | set(data.get("before", {})))
    if changed:
        return _("%(action)s (changed: %(fields)s)") % {
            "action": entry.action,
            "fields": ", ".join(str(f) for f in changed),
        }
    return entry.action


def readable(value) -> str:
    """A value of an audit entry's data as a person reads it, in the active language: lists
    joined ("Q1、Q2" / "Q1, Q2"), yes/no, dates as the language writes them, nothing as "—"."""
    from django.utils import formats, translation

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple | set):
        sep = "、" if (translation.get_language() or "ja").startswith("ja") else ", "
        return sep.join(readable(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items()) or "—"
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


class _SafeDict(dict):
    def __missing__(self, key):
        return "?"


def to_jsonable(value):
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "code") and hasattr(value, "name") and type(value).__name__ == "Country":
        return value.code
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def mask_secrets(data):
    if isinstance(data, dict):
        return {
            k: (MASK if any(w in str(k).lower() for w in SECRET_WORDS) else mask_secrets(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [mask_secrets(v) for v in data]
    return data


def snapshot(instance: Model, fields: Iterable[str] | None = None) -> dict:
    """The JSON-able values of ``fields`` (default: concrete, non-auto fields)."""
    if fields is None:
        fields = [
            f.attname
            for f in instance._meta.concrete_fields
            if not f.primary_key and f.name not in {"created_at", "updated_at"}
        ]
    return {name: to_jsonable(getattr(instance, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {
        "before": {k: before.get(k) for k in changed},
        "after": {k: after.get(k) for k in changed},
        "changed": changed,
    }


def audit_log(
    *,
    action: str,
    target: Model | None = None,
    actor=None,
    data: dict | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append an audit entry; call inside the service's transaction."""
    payload = dict(data or {})
    if before is not None or after is not None:
        payload.update(diff(before or {}, after or {}))
    if actor is None:
        actor = context.actor.get()
    kind = context.actor_kind.get()
    if actor is None and kind == "user":
        kind = "system"
    person = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        action=action,
        actor=person,
        actor_kind=kind,
        actor_name=(person.display_name or "")[:200] if person else "",
        actor_email=(person.email or "")[:254] if person else "",
        data=mask_secrets(to_jsonable(payload)),
        request_id=context.request_id.get(),
    )
    if target is not None:
        entry.content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        entry.object_id = str(target.pk)
        entry.object_repr = str(target)[:300]
    entry.save()
    return entry


def history_for(*targets: Model) -> QuerySet[AuditEntry]:
    """Entries about the given objects, newest first, with actors loaded."""
    from django.db.models import Q

    query = Q()
    for target in targets:
        ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
        query |= Q(content_type=ct, object_id=str(target.pk))
    if not targets:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(query).select_related("actor").order_by("-created_at", "-id")


class task_actor:
    """Context manager for tasks: entries written inside are attributed to a task."""

    def __init__(self, user=None, kind: str = "task"):
        self.user = user
        self.kind = kind

    def __enter__(self):
        self._t1 = context.actor.set(self.user)
        self._t2 = context.actor_kind.set(self.kind)
        return self

    def __exit__(self, *exc):
        context.actor.reset(self._t1)
        context.actor_kind.reset(self._t2)
        return False
