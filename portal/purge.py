"""The purge: files the portal no longer needs are deleted on a schedule.

One core job, the ``purge_files`` schedule (hourly at :30, declared below through the schedules
registry, so ``sync_schedules``/``bin/portal init`` installs it and administrators can preview
and run it at /notifications/schedules/), runs every registered *purger* in turn.

Hooking in
----------
* ``register(name, label, purge, preview=None)``: ``purge(now) -> int`` deletes what is due and
  returns how many it deleted; ``preview(now) -> list[str]`` lists what it would delete (for the
  schedule's preview; optional). Use it for anything with its own expiry (an import pipeline
  whose uploads carry an ``expires_at``, say).

Apps register in their ``AppConfig.ready`` (the core never imports an app). The core registers
expired exports (``GeneratedFile.expires_at``, ``PORTAL_GENERATED_FILE_DAYS``) below; the import
pipeline (``portal/imports.py``) registers its uploads never confirmed (``ImportUpload.expires_at``).
Registering the same name again replaces the entry.

Every upload that waits for a confirmation goes through the import pipeline, which keeps its
files under ``imports/`` with the upload's ``expires_at``; nothing else stages files. A purger that
fails is logged and skipped; the others still run, and the failure makes the run fail afterwards
so it shows in the worker's log and the schedule's record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)



def _declare_audit() -> None:
    from portal.audit import register_renderer

    register_renderer("portal.files.purged",
                      _("Expired exports and abandoned uploads deleted: %(total)s file(s)"))


_declare_audit()


@dataclass(frozen=True)
class Purger:
    name: str
    label: object
    purge: Callable  # (now) -> int
    preview: Callable | None = None  # (now) -> list[str]


PURGERS: dict[str, Purger] = {}


def register(name: str, label, purge: Callable, preview: Callable | None = None) -> Purger:
    purger = Purger(name, label, purge, preview)
    PURGERS[name] = purger
    return purger


def run(now=None) -> dict[str, int]:
    """Run every purger; name → files deleted. Raises after all ran if any of them failed."""
    from django.utils import timezone

    now = now or timezone.now()
    result, failed = {}, []
    for purger in list(PURGERS.values()):
        try:
            result[purger.name] = purger.purge(now)
        except Exception:
            logger.exception("Purger %s failed", purger.name)
            failed.append(purger.name)
    if any(result.values()):
        from portal.audit import audit_log

        audit_log(action="portal.files.purged",
                  data={"deleted": result, "total": sum(result.values())})
    if failed:
        raise RuntimeError(f"purgers failed: {', '.join(failed)} (others ran: {result})")
    return result


# --- The core's purgers ----------------------------------------------------------------------


def _generated_purge(now) -> int:
    from portal.services import generated_files_purge_expired

    return generated_files_purge_expired(now=now)


def _generated_preview(now) -> list[str]:
    from portal.models import GeneratedFile

    return [f"{gf.filename or gf.public_id}" for gf in
            GeneratedFile.objects.filter(expires_at__lt=now).order_by("expires_at")[:100]]


register("generated_files", _("Expired exports"), _generated_purge, _generated_preview)

#: How long a finished job of the outbox stays readable (the pages show the last run's state).
#: Failed jobs are kept: they wait for a person to retry them.
JOBS_KEEP = timedelta(days=90)


def _finished_jobs(now):
    from portal.outbox.models import Job

    return Job.objects.filter(state=Job.State.DONE, finished_at__lt=now - JOBS_KEEP)


def _jobs_purge(now) -> int:
    return _finished_jobs(now).delete()[0]


def _jobs_preview(now) -> list[str]:
    return [f"{kind} #{pk}" for pk, kind in _finished_jobs(now).values_list("pk", "kind")[:100]]


register("finished_jobs", _("Background jobs finished more than 90 days ago"), _jobs_purge,
         _jobs_preview)


# --- The schedule ----------------------------------------------------------------------------


def _schedule_run(now, options) -> int:
    return sum(run(now).values())


def _schedule_preview(now, options):
    from portal.notifications.selectors import Preview, PreviewRow

    rows, total = [], 0
    for purger in PURGERS.values():
        items = purger.preview(now) if purger.preview else []
        total += len(items)
        rows.extend(PreviewRow(None, str(purger.label), item, "") for item in items[:50])
    return Preview(rows=rows, total=total)


from portal.notifications import schedules  # noqa: E402  (no models: safe at import)

# 30 * * * *  — hourly at :30: expired exports and abandoned uploads are deleted (an import
# upload expires an hour after it was made, so its files stay on disk under two hours).
schedules.register(
    "purge_files", _("Delete expired exports and abandoned uploads"),
    _("Deletes exports past their download period and uploaded files that were checked "
      "but never confirmed, so personal data does not stay on disk."),
    {"minute": "30"}, _schedule_run, _schedule_preview,
)
