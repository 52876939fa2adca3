"""The core's job kinds (found by the outbox's autodiscovery, portal/outbox)."""

from portal import outbox


@outbox.handler("portal.import_step", atomic=False, max_attempts=3, time_limit=60 * 60)
def import_step(job, *, upload_id: int, step: str) -> None:
    """One step (check or apply) of an upload of the import pipeline (portal/imports.py).

    Idempotent: a step runs only while the upload is in the state that asked for it, and the
    step handles its own transactions and errors (a database error leaves the upload
    "interrupted" with a try-again button)."""
    from portal.imports import import_step_run

    import_step_run(upload_id=upload_id, step=step)
