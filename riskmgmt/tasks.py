"""Risk management has no Celery tasks of its own: its background work (rule evaluation,
re-screening) is declared as outbox jobs in :mod:`riskmgmt.jobs`."""
