"""Job kinds and their handlers, declared by the apps in ``<app>/jobs.py``.

::

    from portal import outbox

    @outbox.handler("riskmgmt.evaluate_version", throws=(ApplicationError,))
    def evaluate_version(job, *, version_id):
        ...

A handler receives the :class:`~portal.outbox.models.Job` and its parameters as keywords. It must
be idempotent: running it twice (after a worker vanished mid-way, or when a duplicate bell
rings) changes nothing more than running it once.

* ``atomic=True`` (default): the handler runs in one transaction with the job's "done" mark, so
  its writes and the mark commit together or not at all (all flags of a version, or none).
* ``atomic=False``: long work that commits as it goes (an export reporting progress, an import);
  the job is marked done when the handler returns.
* ``throws``: the expected errors (pretix's ``ProfiledTask.throws``): the job ends ``failed``
  at once with the error's text as its reason, without a traceback in the log and without retry
  — trying again would not help. Any other exception is taken as passing (a database or network
  fault): the job is retried with exponential back-off, and after ``max_attempts`` it ends
  ``failed`` with the last error.
* ``on_failed(job)``: called in the transaction that marks the job failed (e.g. a generated
  file shows "failed" with a retry button).
* ``on_error(job)``: called whenever an attempt ends without finishing — an error to be
  retried, a worker that vanished (taken back by the sweep), or the last attempt — in the
  transaction that records it, on a working database connection, with ``job.last_error`` set.
  It lets the owner close what the attempt left open: a handler's own ``except`` cannot write
  once its database connection is gone (e.g. a re-screening run would stay "running").
* ``lease``: seconds a worker holds the job without a heartbeat before the sweep takes it back;
  the runner renews it every ``lease / 3`` seconds while the handler runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Kind:
    code: str
    fn: Callable
    atomic: bool = True
    throws: tuple[type[BaseException], ...] = ()
    max_attempts: int = 5
    on_failed: Callable | None = None
    lease: int | None = None
    time_limit: int = 30 * 60
    module: str = field(default="", compare=False)
    on_error: Callable | None = None


KINDS: dict[str, Kind] = {}


def register(code: str, fn: Callable, *, atomic: bool = True, throws=(), max_attempts: int = 5,
             on_failed: Callable | None = None, lease: int | None = None,
             time_limit: int = 30 * 60, module: str = "",
             on_error: Callable | None = None) -> Kind:
    module = module or getattr(fn, "__module__", "")
    existing = KINDS.get(code)
    if existing is not None and existing.module != module:
        raise ImproperlyConfigured(f"Job kind {code} declared in {existing.module} and {module}")
    kind = Kind(code, fn, atomic, tuple(throws), max_attempts, on_failed, lease, time_limit, module,
                on_error)
    KINDS[code] = kind
    return kind


def handler(code: str, **options):
    """Decorator form of :func:`register`."""

    def decorator(fn):
        register(code, fn, module=sys.modules[fn.__module__].__name__, **options)
        return fn

    return decorator


def get_kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise LookupError(f"Undeclared job kind: {code}") from None
