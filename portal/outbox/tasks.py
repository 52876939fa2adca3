"""The bell: ``run_job(id)`` runs one job; what to do is in the row, not in the message.

Late acknowledgement with reject-on-worker-lost: a message whose worker process died is given
back to the broker. A duplicate or late message is harmless — the job is claimed with a row
lock and a state check, so it runs at most once at a time and never again once done.
"""

from celery import shared_task
from celery.signals import worker_ready


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> str:
    from portal.outbox import services

    return services.job_run(job_id)


@worker_ready.connect
def sweep_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that (re)starts rings what waited while no worker ran — after a restart, or
    when it comes up after Redis — at once, instead of at beat's next minute. Never stops the
    worker from starting: a database that is not reachable yet leaves the work to the sweep."""
    import logging

    from portal.outbox import services

    try:  # (Celery's signal would log the error too; this says what it means)
        services.sweep()
    except Exception:  # the database may still be starting; the every-minute sweep follows
        logging.getLogger(__name__).warning("Sweep at worker start failed", exc_info=True)
