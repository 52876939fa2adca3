"""Fan-outs: event notices to very many people, stored by a worker after the change commits.

An app declares one with :func:`fan_out` in its ``notices.py`` (the annual update campaign's
opening notice to every researcher is the one today). :func:`fan_out_enqueue` is what the app
calls after its change commits; the worker task (``tasks.fan_out_campaign``) runs
:func:`campaign_fan_out`. If the broker is down the fan-out runs in-process instead; the app's
daily reminder schedule also catches anybody missed.
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
    """The ``campaign_opened`` fan-out (the entry point of ``tasks.fan_out_campaign``)."""
    return fan_out_run("campaign_opened", object_id=campaign_id)


def fan_out_enqueue(name: str, *, object_id: int) -> None:
    """Queue the fan-out in a worker; with the broker down, run it here. Never raises."""
    from portal.notifications import tasks

    try:
        if name == "campaign_opened":  # the one fan-out with its worker task today
            tasks.fan_out_campaign.delay(object_id)
        else:
            fan_out_run(name, object_id=object_id)
    except Exception as exc:  # broker down: store the notifications now
        logger.warning("Broker unavailable, running fan-out %s of %s in-process: %s",
                       name, object_id, exc)
        try:
            fan_out_run(name, object_id=object_id)
        except Exception:  # the change has committed already; the schedule catches up
            logger.exception("Fan-out %s of %s failed; the daily schedule will retry",
                             name, object_id)
