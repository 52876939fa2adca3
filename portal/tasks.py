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
