"""The outbox engine: enqueue in the change's transaction, ring after commit, claim, run, retry,
and the sweep that rings what is due and takes back what a vanished worker held.

Guarantees (see the README's "Reliability"):

* a job exists exactly when the change that asked for it committed (:func:`enqueue` refuses to
  run outside a transaction);
* a job runs at most once at a time: it is claimed under a row lock (``select_for_update
  (skip_locked=True)``) and a state check, and every later write of the run is fenced by the
  attempt number it claimed — a worker that lost its lease cannot mark the job done;
* an atomic handler's writes and the "done" mark commit together (all or nothing);
* a job whose worker vanished is taken back when its lease (renewed by a heartbeat while the
  handler runs) has run out, and retried; after ``max_attempts`` it ends ``failed`` with the
  reason — never "running" for ever;
* handlers must be idempotent: a job may run again after a crash half-way through a
  non-atomic handler.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from portal.audit import audit_log, task_actor, to_jsonable
from portal.outbox.models import Job
from portal.outbox.registry import KINDS, Kind, get_kind

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
WORKER_LOST = "The worker stopped before the job finished (it was killed, lost or timed out)."


class LeaseLost(Exception):
    """The job was taken back (its lease ran out) while this worker ran it: roll back."""


def lease_seconds(kind: Kind | None = None) -> int:
    return (kind.lease if kind and kind.lease else None) or settings.PORTAL_JOB_LEASE_SECONDS


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after ``attempts`` failed ones: 30 s, 2 min, 8 min, 32 min, 1 h
    (``PORTAL_JOB_BACKOFF_SECONDS`` is the first wait)."""
    return min(settings.PORTAL_JOB_BACKOFF_SECONDS * 4 ** max(attempts - 1, 0), 3600)


# --- Enqueue and ring -------------------------------------------------------------------------


def enqueue(kind: str, *, key: str = "", actor=None, run_after=None, **params) -> Job:
    """Record the work ``kind`` (with JSON ``params``) in the caller's transaction and ring the
    bell after it commits. With a ``key``, an open job of the same kind and key is returned
    instead of a second one (the key must name everything the work depends on, e.g.
    ``"version:12"``, ``"release:5"``)."""
    spec = get_kind(kind)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue() must be called inside the change's transaction")
    key = str(key)[:200]
    if key:
        existing = Job.objects.filter(kind=kind, key=key, state__in=Job.OPEN).first()
        if existing is not None:
            return existing
    job = Job(kind=kind, key=key, params=to_jsonable(params), max_attempts=spec.max_attempts,
              actor=actor if getattr(actor, "pk", None) else None,
              run_after=run_after or timezone.now())
    if not key:
        job.save()
    else:
        try:
            with transaction.atomic():  # a concurrent enqueue of the same key: take theirs
                job.save()
        except IntegrityError:
            return Job.objects.get(kind=kind, key=key, state__in=Job.OPEN)
    if run_after is None:
        transaction.on_commit(lambda: ring(job.pk, kind=kind))
    return job


def ring(job_id: int, *, kind: str | None = None) -> bool:
    """Ask a worker to run the job. Never raises: if the broker is down the job waits for the
    sweep."""
    from portal.outbox.tasks import run_job

    spec = KINDS.get(kind or "")
    limits = {}
    if spec is not None:
        limits = {"time_limit": spec.time_limit, "soft_time_limit": max(spec.time_limit - 60, 30)}
    try:
        run_job.apply_async((job_id,), **limits)
    except Exception as exc:  # kombu OperationalError, connection refused, ...
        logger.warning("Broker unavailable, job %s waits for the sweep: %s", job_id, exc)
        return False
    return True


# --- Running one job --------------------------------------------------------------------------


def _claim(job_id: int, now) -> Job | None:
    with transaction.atomic():
        job = (Job.objects.select_for_update(skip_locked=True)
               .filter(pk=job_id, state=Job.State.PENDING, run_after__lte=now).first())
        if job is None:
            return None
        job.state = Job.State.RUNNING
        job.attempts += 1
        job.started_at = now
        job.locked_until = now + timedelta(seconds=lease_seconds(KINDS.get(job.kind)))
        job.save(update_fields=["state", "attempts", "started_at", "locked_until"])
    return job


def _fenced(job: Job):
    """The job's row as long as this run still holds it (same attempt, still running)."""
    return Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)


@contextmanager
def _heartbeat(job: Job, seconds: int):
    """Renew the lease every ``seconds / 3`` from a thread while the handler runs."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(max(seconds / 3, 1)):
                try:
                    _fenced(job).update(locked_until=timezone.now() + timedelta(seconds=seconds))
                except DatabaseError:
                    logger.warning("Heartbeat of job %s failed", job.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text)[:2000]


def job_run(job_id: int) -> str:
    """Claim the job and run its handler; returns what happened (for logs and tests)."""
    job = _claim(job_id, timezone.now())
    if job is None:
        return "not-due"
    spec = KINDS.get(job.kind)
    if spec is None:
        _guarded(_finish, job, failed_reason=f"Undeclared job kind: {job.kind}")
        return "failed"
    try:
        with _heartbeat(job, lease_seconds(spec)), task_actor(job.actor):
            if spec.atomic:
                with transaction.atomic():
                    spec.fn(job, **job.params)
                    if not _mark_done(job):
                        raise LeaseLost
            else:
                spec.fn(job, **job.params)
                if not _mark_done(job):
                    raise LeaseLost
    except LeaseLost:
        logger.warning("Job %s was taken back while it ran; its work was not marked done", job.pk)
        return "lost"
    except spec.throws as exc:
        _guarded(_finish, job, failed_reason=_reason(exc))
        return "failed"
    except Exception as exc:
        logger.exception("Job %s (%s) attempt %s failed", job.pk, job.kind, job.attempts)
        return _guarded(_retry_or_fail, job, reason=f"{type(exc).__name__}: {_reason(exc)}")
    return "done"


def _guarded(fn, *args, **kwargs):
    """Record an outcome; after a database fault, once more on a fresh connection. If that
    fails too, the lease runs out and the sweep takes the job back."""
    for attempt in (1, 2):
        try:
            return fn(*args, **kwargs)
        except DatabaseError:
            if attempt == 2:
                logger.exception("Could not record the outcome of job %s", args[0].pk)
                return "unrecorded"
            connection.close()


def _mark_done(job: Job) -> bool:
    now = timezone.now()
    return bool(_fenced(job).update(state=Job.State.DONE, finished_at=now, locked_until=None,
                                    progress=100, last_error=""))


def _finish(job: Job, *, failed_reason: str) -> str:
    with transaction.atomic():
        row = _fenced(job).select_for_update().first()
        if row is not None:
            _fail(row, failed_reason)
    return "failed"


def _fail(row: Job, reason: str) -> None:
    """Mark ``row`` (locked by the caller) failed and tell its kind."""
    row.state = Job.State.FAILED
    row.finished_at = timezone.now()
    row.locked_until = None
    row.last_error = reason[:2000]
    row.save(update_fields=["state", "finished_at", "locked_until", "last_error"])
    _attempt_ended(row)
    spec = KINDS.get(row.kind)
    if spec is not None and spec.on_failed is not None:
        with task_actor(row.actor):
            spec.on_failed(row)


def _attempt_ended(row: Job) -> None:
    """An attempt of ``row`` ended without finishing (its error is in ``last_error``): let the
    kind close what the attempt left open (``on_error``), in the caller's transaction."""
    spec = KINDS.get(row.kind)
    if spec is not None and spec.on_error is not None:
        with task_actor(row.actor):
            spec.on_error(row)


def _retry_or_fail(job: Job, *, reason: str) -> str:
    with transaction.atomic():
        row = _fenced(job).select_for_update().first()
        if row is None:
            return "lost"
        if row.attempts >= row.max_attempts:
            _fail(row, reason)
            return "failed"
        row.state = Job.State.PENDING
        row.run_after = timezone.now() + timedelta(seconds=backoff_seconds(row.attempts))
        row.locked_until = None
        row.last_error = reason[:2000]
        row.save(update_fields=["state", "run_after", "locked_until", "last_error"])
        _attempt_ended(row)
    return "retry"


def job_report(job: Job, *, progress: int, message: str = "") -> None:
    """Store a running job's progress and renew its lease (see ``Job.report``)."""
    job.progress = max(0, min(100, int(progress)))
    job.message = str(message)[:300]
    seconds = lease_seconds(KINDS.get(job.kind))
    _fenced(job).update(progress=job.progress, message=job.message,
                        locked_until=timezone.now() + timedelta(seconds=seconds))


# --- The sweep ----------------------------------------------------------------------------------


def sweep(*, now=None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Take back jobs whose lease ran out (retry, or fail after ``max_attempts``), then ring every
    due pending job. Runs every minute (the ``jobs_sweep`` schedule); reads only the two partial
    indexes on open jobs, so finished jobs cost nothing."""
    now = now or timezone.now()
    taken_back = failed = 0
    with transaction.atomic():
        stale = list(Job.objects.select_for_update(skip_locked=True)
                     .filter(state=Job.State.RUNNING, locked_until__lt=now)
                     .order_by("locked_until")[:limit])
        for row in stale:
            if row.attempts >= row.max_attempts:
                _fail(row, WORKER_LOST)
                failed += 1
                continue
            row.state = Job.State.PENDING
            row.run_after = now
            row.locked_until = None
            row.last_error = WORKER_LOST
            row.save(update_fields=["state", "run_after", "locked_until", "last_error"])
            _attempt_ended(row)
            taken_back += 1
    due = list(Job.objects.filter(state=Job.State.PENDING, run_after__lte=now)
               .order_by("run_after").values_list("pk", "kind")[:limit])
    rung = 0
    for pk, kind in due:
        if not ring(pk, kind=kind):
            break  # the broker is down: every job waits for the next sweep
        rung += 1
    return {"taken_back": taken_back, "failed": failed, "due": len(due), "rung": rung}


# --- Staff ----------------------------------------------------------------------------------------


def job_retry(*, job: Job, actor) -> Job:
    """Run a finished (usually failed) job again as a new job with the same kind, key and
    parameters; an open one is returned as it is. The caller checks permission."""
    if job.is_open:
        return job
    with transaction.atomic():
        new = enqueue(job.kind, key=job.key, actor=actor, **job.params)
        audit_log(action="outbox.job.retried", target=new, actor=actor,
                  data={"kind": job.kind, "previous": job.pk})
    return new
