from celery import shared_task


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def build_generated_file(file_id: int) -> None:
    from portal.services import generated_file_build

    generated_file_build(file_id=file_id)


@shared_task
def ping(value: str = "pong") -> str:
    """A trivial task used by the integration test to prove a worker consumes the broker."""
    from django.core.cache import cache

    cache.set(f"portal-ping-{value}", value, 300)
    return value


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=58 * 60)
def run_import_step(*, upload_id: int, step: str) -> None:
    """One step (check or apply) of an upload of the import pipeline (portal/imports.py)."""
    from portal.imports import import_step_run

    import_step_run(upload_id=upload_id, step=step)
