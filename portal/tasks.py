from celery import shared_task


@shared_task
def ping(value: str = "pong") -> str:
    """A trivial task used by the integration test to prove a worker consumes the broker."""
    from django.core.cache import cache

    cache.set(f"portal-ping-{value}", value, 300)
    return value
