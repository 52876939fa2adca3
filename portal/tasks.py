from celery import shared_task


@shared_task
def purge_expired_generated_files() -> int:
    from portal.services import generated_files_purge_expired

    return generated_files_purge_expired()


@shared_task
def ping(value: str = "pong") -> str:
    """A trivial task used by the integration test to prove a worker consumes the broker."""
    from django.core.cache import cache

    cache.set(f"portal-ping-{value}", value, 300)
    return value


from portal.roster import run_roster_job  # noqa: E402,F401
