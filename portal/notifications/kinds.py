"""The registry of notification kinds: label, mandatory or not, title and body.

The engine declares none of the apps' kinds: each app declares its own in ``<app>/notices.py``
(found by autodiscovery when the notifications app is ready) with :func:`register`::

    RETURNED = register("disclosure_returned", _("Disclosure returned"), mandatory=True,
                        title=_("Your disclosure was returned: %(number)s"), body=_("..."))

A notification stores its kind and the parameters of its text, never the text itself: the
title and body are rendered in the *reader's* language each time it is read (the active
language of the request) or e-mailed (``translation.override(recipient.language)``).
``prepare`` (optional) turns stored parameters into display values in the active language,
e.g. a choice code into its translated label or an ISO date into a local one.

``resolved`` (optional) marks a reminder as something the recipient has to do: given a
queryset of unresolved notifications of the kind, it returns those whose task is done; the
engine marks them resolved (see ``services.notifications_resolve_done``).

Mandatory kinds are always e-mailed immediately; users cannot turn them off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, translation


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    mandatory: bool
    title: object
    body: object
    prepare: Callable[[dict], dict] | None = None
    resolved: Callable | None = None  # (QuerySet[Notification]) -> QuerySet[Notification]


KINDS: dict[str, Kind] = {}


def register(code: str, label, *, mandatory: bool, title, body, prepare=None,
             resolved=None) -> Kind:
    """Declare a kind once (re-importing the declaring module is harmless)."""
    kind = Kind(code=code, label=label, mandatory=mandatory, title=title, body=body,
                prepare=prepare, resolved=resolved)
    existing = KINDS.get(code)
    if existing is not None and existing.mandatory != mandatory:
        raise ImproperlyConfigured(f"Notification kind {code} declared twice")
    KINDS[code] = kind
    return kind


def kind_choices() -> list[tuple[str, object]]:
    """Choices of ``Notification.kind`` (a callable: the apps register their kinds late)."""
    return [(k.code, k.label) for k in KINDS.values()]


def optional_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if not k.mandatory]


def mandatory_codes() -> frozenset[str]:
    return frozenset(k.code for k in KINDS.values() if k.mandatory)


def get_kind(code: str) -> Kind:
    return KINDS[code]


def local_date(value) -> str:
    """An ISO date (or date) as the active language writes it (2026年6月30日 / June 30, 2026)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def render_active(code: str, params: dict) -> tuple[str, str]:
    """The title and body of a notification of ``code`` in the active language.

    Raises ``KeyError`` when the kind is unknown or a parameter is missing (the caller then
    falls back to the text stored when the notification was created).
    """
    kind = KINDS[code]
    values = dict(params or {})
    if kind.prepare is not None:
        values = kind.prepare(values)
    values = {k: str(v) for k, v in values.items()}
    return (str(kind.title) % values)[:300], str(kind.body) % values


def render(code: str, params: dict, language: str) -> tuple[str, str]:
    """The title and body of a notification of ``code`` in ``language``."""
    with translation.override(language or "ja"):
        return render_active(code, params)


def dates(*keys: str) -> Callable[[dict], dict]:
    """A ``prepare`` that writes the ISO dates among ``keys`` as the reader's language does."""

    def prepare(params: dict) -> dict:
        return {k: (local_date(v) if k in keys and v else v) for k, v in params.items()}

    return prepare
