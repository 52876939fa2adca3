"""Fan-outs: event notices to very many people, stored by a worker after the change commits.

An app declares one with :func:`fan_out` in its ``notices.py`` (the annual update campaign's
opening notice to every researcher is the one today). :func:`fan_out_enqueue` is what the app
calls inside its change's transaction: it records a ``notifications.fan_out`` job in the outbox,
which commits with the change and stores the notices after it (later, if Redis or the worker is
down). The app's daily reminder schedule also catches anybody who joined since.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

FAN_OUTS: dict[str, Callable[[int], int]] = {}


def fan_out(name: str):
    """Register ``fn(object_id) -> count`` as the fan-out ``name``."""

    def decorator(fn):
        FAN_OUTS[name] = fn
        return fn

    return decorator


def fan_out_run(name: str, *, object_id: int) -> int:
    return FAN_OUTS[name](object_id)


def campaign_fan_out(*, campaign_id: int) -> int:
    """The ``campaign_opened`` fan-out."""
    return fan_out_run("campaign_opened", object_id=campaign_id)


def fan_out_enqueue(name: str, *, object_id: int) -> None:
    """Record the fan-out in the outbox, in the caller's transaction."""
    from portal import outbox

    if name not in FAN_OUTS:
        raise KeyError(f"Undeclared fan-out: {name}")
    outbox.enqueue("notifications.fan_out", key=f"{name}:{object_id}", name=name,
                   object_id=object_id)
