"""Celery tasks of the notifications app: pass names/ids, load, call the service.

* ``run_schedule(name, **options)`` is what beat fires for every schedule in schedules.py.

Sending e-mails and fan-outs are outbox jobs (:mod:`portal.notifications.jobs`), recorded in the
transaction of the change and run by the outbox's ``run_job``.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_schedule(name: str, actor_id: int | None = None, **options) -> int:
    from portal.audit import task_actor
    from portal.models import User
    from portal.notifications.services import schedule_run

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with task_actor(actor):
        return schedule_run(name=name, actor=actor, options=options)
