"""Background work of the notifications engine, run by the outbox (:mod:`portal.outbox`).

* ``notifications.send_due``: send the e-mails that are due, batch after batch until none is
  left. Enqueued in the transaction that stores notifications (:func:`services.enqueue_sending`),
  so the e-mail goes out right after the commit; the every-minute ``send_due`` schedule sends
  retries (each delivery keeps its own attempts and back-off) and anything left behind.
* ``notifications.fan_out``: an event notice to very many people (a campaign's opening notice
  to every researcher), enqueued in the transaction of the change; stored in one transaction.
* ``notifications.run_schedule``: an administrator's "run now" of a schedule.
"""

from portal import outbox

MAX_ROUNDS = 100  # 100 batches of 200 e-mails; what remains goes with the next schedule run


@outbox.handler("notifications.send_due", atomic=False, max_attempts=3)
def send_due(job) -> None:
    from portal.notifications import services

    for round_ in range(MAX_ROUNDS):
        result = services.deliveries_send_due(limit=services.SEND_BATCH)
        job.report(min(99, round_ + 1), "")
        if sum(len(v) for v in result.values()) < services.SEND_BATCH:
            return


@outbox.handler("notifications.fan_out", time_limit=15 * 60)
def fan_out(job, *, name: str, object_id: int) -> None:
    from portal.notifications.receivers import fan_out_run

    fan_out_run(name, object_id=object_id)


@outbox.handler("notifications.run_schedule", atomic=False, max_attempts=1)
def run_schedule(job, *, name: str) -> None:
    """An administrator's "run now" (runs once: a failed run is shown, not repeated)."""
    from portal.notifications.services import schedule_run

    schedule_run(name=name, actor=job.actor)
