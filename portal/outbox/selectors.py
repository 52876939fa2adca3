"""Reads of the outbox."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from portal.outbox.models import Job

PREVIEW_LIMIT = 50


def due_jobs(*, now):
    """Pending jobs that are due and running jobs whose lease ran out: what the sweep handles."""
    return Job.objects.filter(
        Q(state=Job.State.PENDING, run_after__lte=now) | Q(state=Job.State.RUNNING, locked_until__lt=now)
    )


def preview_due(*, now):
    """The sweep's preview on the schedules page (no recipients: background work)."""
    from portal.notifications.selectors import Preview, PreviewRow

    qs = due_jobs(now=now)
    rows = [
        PreviewRow(job.actor, job.kind, job.key,
                   _("Taken back: the worker stopped") if job.state == Job.State.RUNNING
                   else _("Waiting since %(time)s") % {"time": job.run_after.isoformat(timespec="seconds")})
        for job in qs.select_related("actor").order_by("run_after", "pk")[:PREVIEW_LIMIT]
    ]
    return Preview(rows=rows, total=qs.count())
