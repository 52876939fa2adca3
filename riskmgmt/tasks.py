"""Celery tasks of risk management: pass ids, load, call the service."""
from __future__ import annotations

import logging

from celery import shared_task

from portal.audit import task_actor

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def evaluate_version(version_id: int) -> int:
    """Evaluate the flagging rules over a submitted disclosure version."""
    from riskmgmt.services import version_evaluate

    with task_actor(None):
        return len(version_evaluate(version_id=version_id))


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def rescreen_registry(release_id: int, actor_id: int | None = None, full: bool = False) -> int:
    """Re-screen the organisation registry against a new list release: only what changed since
    the list's previous run, or everything with ``full`` (see
    :func:`riskmgmt.services.screening_rescreen_registry`). Returns the number of new hits."""
    from portal.models import User
    from riskmgmt.models import ScreeningListRelease
    from riskmgmt.services import screening_rescreen_registry

    release = ScreeningListRelease.objects.get(pk=release_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with task_actor(actor):
        return screening_rescreen_registry(release=release, actor=actor, full=full).new_hits


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def screen_outputs(output_ids: list[int]) -> int:
    """Screen the contributors of newly imported research outputs against the current lists
    (:func:`riskmgmt.services.outputs_screen`). Returns the number of new hits."""
    from riskmgmt.services import outputs_screen

    with task_actor(None):
        return outputs_screen(output_ids=output_ids).new_hits


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def rescreen_outputs(release_id: int, actor_id: int | None = None, full: bool = False) -> int:
    """Re-screen every co-author / co-inventor affiliation against a new list release, only what
    changed since the list's previous co-author run (:func:`riskmgmt.services.outputs_rescreen`).
    """
    from portal.models import User
    from riskmgmt.models import ScreeningListRelease
    from riskmgmt.services import outputs_rescreen

    release = ScreeningListRelease.objects.get(pk=release_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with task_actor(actor):
        return outputs_rescreen(release=release, actor=actor, full=full).new_hits
