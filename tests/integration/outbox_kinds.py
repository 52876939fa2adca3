"""Loaded into the integration tests' worker (``celery worker -I``): a slow export, a job that
always fails and a rule that waits in the database once, so the tests can kill a worker
mid-export, watch retries run out and terminate the worker's connection mid-evaluation.

Database faults at named points (:func:`fault_point`): an export's rows, the registry's
re-screening (while it reads, and inside its transaction after the hits and flags are written),
a roster import's check and apply (after every row is written inside the step's transaction).
A test arms a point with ``worker.wait_once_at(point)`` (the worker then waits in the database
there and the test terminates its connection, ``pg_terminate_backend``) or
``worker.fail_at(point, times)`` (the worker's own connection is terminated there). The points
exist only in the worker (``PORTAL_TEST_MARKERS`` is set for it alone).
"""

import dataclasses
import os
import time
from pathlib import Path

from django.db import connection

from portal import exports, imports, outbox


def fault_point(point: str) -> None:
    """If a test armed ``point``: wait in the database (``wait``) or lose the connection
    (``die``), as many times as it said."""
    base = os.environ.get("PORTAL_TEST_MARKERS")
    marker = Path(base) / point if base else None
    if marker is None or not marker.exists():
        return
    mode, times = marker.read_text().split()
    if int(times) <= 1:
        marker.unlink()
    else:
        marker.write_text(f"{mode} {int(times) - 1}")
    with connection.cursor() as cursor:
        if mode == "wait":  # the test finds this backend by the comment and terminates it
            cursor.execute(f"SELECT pg_sleep(60) /* tests.fault:{point} */")  # noqa: S608
        else:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@exports.register
class FaultyExporter(exports.ListExporter):
    """Rows with the fault point ``export-rows`` half-way through."""

    identifier = "tests.faulty"
    verbose_name = "Faulty export"
    permission = "portal.files.view_own"
    filename_stem = "faulty"

    def headers(self, params):
        return ["n", "email"]

    def rows(self, params, *, user, progress):
        from portal.models import User

        steps = int(params.get("steps", 10))
        for i in range(steps):
            progress(int(100 * i / steps), f"row {i}")
            if i == steps // 2:
                fault_point("export-rows")
            yield [i, User.objects.get(pk=user.pk).email]


@exports.register
class SlowExporter(exports.ListExporter):
    identifier = "tests.slow"
    verbose_name = "Slow export"
    permission = "portal.files.view_own"
    filename_stem = "slow"

    def headers(self, params):
        return ["n"]

    def rows(self, params, *, user, progress):
        steps = int(params.get("steps", 20))
        markers = os.environ.get("PORTAL_TEST_MARKERS")
        if markers:  # which process builds it (a test kills a prefork pool's child)
            Path(markers, "slow-export-pid").write_text(str(os.getpid()))
        for i in range(steps):
            progress(int(100 * i / steps), f"row {i}")
            time.sleep(0.5)
            yield [i]


def _always_fails(job, **params):
    raise OSError("the disk is full")


outbox.register("tests.always_fails", _always_fails, max_attempts=3, module=__name__)


def _blocks_once(facts, params):
    """A rule that, the first time (while its marker file exists), waits in the database so a
    test can terminate the worker's connection in the middle of the evaluation's transaction."""
    from pathlib import Path

    from django.db import connection

    from riskmgmt.rules import Finding

    marker = Path(params["marker"])
    if marker.exists():
        marker.unlink()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(60) /* tests.blocks_once */")
    return [Finding(reason="The test rule fired.")]


def _register_rule_type():
    from riskmgmt.rules import RULE_TYPES, RuleType

    # Its one parameter, ``marker`` (a file path), is set on the Rule row by the test.
    RULE_TYPES["tests_blocks_once"] = RuleType(
        "tests_blocks_once", "Test: blocks once", "talent_programme", "", {}, _blocks_once)


_register_rule_type()


def _arm_rescreen():
    """Fault points in the registry's re-screening: ``rescreen-read`` before it reads the
    registry (autocommit, its run row already stored), ``rescreen-write`` inside its
    transaction once the hits and the researchers' flags are written."""
    from riskmgmt import services

    read, flag = services._registry_names, services._flag_researchers_for_hits

    def registry_names():
        fault_point("rescreen-read")
        return read()

    def flag_researchers(hits, **kwargs):
        flags = flag(hits, **kwargs)
        fault_point("rescreen-write")
        return flags

    services._registry_names = registry_names
    services._flag_researchers_for_hits = flag_researchers


def _arm_roster():
    """Fault points ``roster-check`` and ``roster-apply``: after every row of the step is
    written inside its transaction."""
    kind = imports.KINDS["portal.roster"]

    def at(point, step):
        def run(ctx):
            report = step(ctx)
            fault_point(point)
            return report
        return run

    imports.register(dataclasses.replace(kind, check=at("roster-check", kind.check),
                                         apply=at("roster-apply", kind.apply)))


if os.environ.get("PORTAL_TEST_MARKERS"):
    _arm_rescreen()
    _arm_roster()
