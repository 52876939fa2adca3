"""Celery tasks of the notifications app: pass names/ids, load, call the service.

* ``run_schedule(name, **options)`` is what beat fires for every schedule in schedules.py.
* ``send_due_deliveries`` sends a batch of waiting e-mails and queues itself again while more
  are waiting; it is queued on commit after notifications are stored, and also runs every
  minute (the ``send_due`` schedule) so nothing stored during a broker outage is lost.
* ``send_delivery(id)`` retries one failed e-mail with exponential back-off; after
  ``MAX_ATTEMPTS`` the delivery is marked failed and shown in the delivery log.
* ``fan_out_campaign(campaign_id)`` notifies every active researcher of a campaign.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


def _retry_later(ids: list[int]) -> None:
    from portal.notifications.models import Delivery
    from portal.notifications.services import backoff_seconds

    for pk, attempts in Delivery.objects.filter(pk__in=ids).values_list("pk", "attempts"):
        try:
            send_delivery.apply_async((pk,), countdown=backoff_seconds(attempts))
        except Exception as exc:  # broker down: the send_due schedule picks it up when due
            logger.warning("Could not queue retry of delivery %s: %s", pk, exc)


@shared_task(acks_late=True)
def run_schedule(name: str, actor_id: int | None = None, **options) -> int:
    from portal.audit import task_actor
    from portal.models import User
    from portal.notifications.services import schedule_run

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with task_actor(actor):
        return schedule_run(name=name, actor=actor, options=options)


@shared_task(acks_late=True)
def send_due_deliveries() -> int:
    from portal.notifications import services

    with _task_context():
        result = services.deliveries_send_due(limit=services.SEND_BATCH)
    _retry_later(result["retry"])
    handled = sum(len(v) for v in result.values())
    if handled >= services.SEND_BATCH:
        try:
            send_due_deliveries.delay()
        except Exception as exc:
            logger.warning("Could not queue the next batch: %s", exc)
    return len(result["sent"])


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_delivery(self, delivery_id: int) -> str:
    from portal.notifications import services
    from portal.notifications.models import Delivery

    with _task_context():
        # a few seconds of slack: the countdown and next_attempt_at are computed alike
        soon = timezone.now() + timedelta(seconds=5)
        claimed = services.deliveries_claim(ids=[delivery_id], limit=1, now=soon)
        if not claimed:
            return "not-due"
        outcome = services.deliveries_send(ids=claimed)
    if outcome["retry"]:
        attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        raise self.retry(countdown=services.backoff_seconds(attempts))
    return next(k for k, v in outcome.items() if v)


@shared_task(acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60)
def fan_out_campaign(campaign_id: int) -> int:
    from portal.notifications import receivers

    with _task_context():
        return receivers.campaign_fan_out(campaign_id=campaign_id)


def _task_context():
    from portal.audit import task_actor

    return task_actor(None)
