"""The bell: ``run_job(id)`` runs one job; what to do is in the row, not in the message.

Late acknowledgement with reject-on-worker-lost: a message whose worker process died is given
back to the broker. A duplicate or late message is harmless — the job is claimed with a row
lock and a state check, so it runs at most once at a time and never again once done.
"""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> str:
    from portal.outbox import services

    return services.job_run(job_id)
