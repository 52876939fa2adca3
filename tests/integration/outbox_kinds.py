"""Loaded into the integration tests' worker (``celery worker -I``): a slow export and a job
that always fails, so the tests can kill a worker mid-export and watch retries run out."""

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
