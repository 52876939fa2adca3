"""The outbox: one mechanism for work that follows a change (a transactional outbox).

A service that changes something and needs work done afterwards (evaluate this version, build
this file, re-screen against this release, send these e-mails, run this import) calls
:func:`enqueue` inside its own transaction. The :class:`~portal.outbox.models.Job` row commits
with the change or not at all; after the commit a Celery task (``run_job``) is only the bell
that says "there is work". If the bell cannot ring (Redis down), the job waits: the every-minute
``jobs_sweep`` schedule rings every due job, and takes back jobs whose worker vanished (its
lease ran out), so nothing is lost and nothing stays "running" for ever.

Apps declare their job kinds in ``<app>/jobs.py`` with :func:`handler` (see
:mod:`portal.outbox.registry` for atomic handlers, expected errors, retries and leases); the
engine imports no app.
"""

from portal.outbox.registry import handler, register  # no model import: safe at app loading


def enqueue(kind: str, *, key: str = "", actor=None, run_after=None, **params):
    """Record the work ``kind`` with ``params`` in the caller's transaction; see
    :func:`portal.outbox.services.enqueue`."""
    from portal.outbox import services

    return services.enqueue(kind, key=key, actor=actor, run_after=run_after, **params)


def latest(kind: str, key: str):
    """The newest job of ``kind`` about ``key`` (or None): what a page shows."""
    from portal.outbox.models import Job

    return Job.objects.filter(kind=kind, key=key).order_by("-created_at", "-pk").first()


__all__ = ["enqueue", "handler", "latest", "register"]
