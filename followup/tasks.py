"""The follow-up survey has no Celery tasks of its own: its background work is declared as
outbox jobs in :mod:`followup.jobs`."""
