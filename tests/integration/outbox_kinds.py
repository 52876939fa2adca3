"""Loaded into the integration tests' worker (``celery worker -I``): a slow export, a job that
always fails and a rule that waits in the database once, so the tests can kill a worker
mid-export, watch retries run out and terminate the worker's connection mid-evaluation."""

import time

from portal import exports, outbox


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
