"""Faults with a real worker, beat and a private Redis that the tests stop and start.

Each test starts its own ``redis-server`` on a free port (never the shared one on 6379), a
Celery worker with embedded beat against the test database, and a ``jobs_sweep`` every two
seconds (beat's real path: PeriodicTask → run_schedule → sweep). What they show: nothing lost
(work stored while Redis was down runs when it is back), nothing stuck (a killed worker's export
ends done or failed), a job that keeps failing ends failed with its reason.
"""

import os
import signal
import time

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from tests.integration.conftest import wait_for, worker_backend_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_submission_while_redis_is_down_is_evaluated_when_it_is_back(redis, worker, researcher):
    from disclosures.signals import version_submitted
    from portal.outbox.models import Job
    from riskmgmt.models import Case
    from tests.riskmgmt import factories as f

    redis.stop()
    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    with transaction.atomic():  # the submission's transaction; the bell cannot ring
        version_submitted.send(sender=type(v), version=v)
    job = Job.objects.get(kind="riskmgmt.evaluate_version")
    assert job.state == "pending"
    time.sleep(3)  # the worker and beat are running without a broker
    redis.start()
    assert wait_for(lambda: Case.objects.filter(researcher=researcher).exists(), timeout=90)
    job.refresh_from_db()
    assert (job.state, Job.objects.filter(kind="riskmgmt.evaluate_version").count()) == ("done", 1)


def test_an_export_whose_worker_is_killed_ends_done_or_failed_never_stuck(redis, worker, researcher):
    import tests.integration.outbox_kinds  # noqa: F401  (the slow exporter, here too)
    from portal import services
    from portal.models import GeneratedFile

    with transaction.atomic():
        gf = services.generated_file_request(user=researcher, exporter="tests.slow",
                                             params={"format": "csv", "steps": 16})
    assert wait_for(lambda: GeneratedFile.objects.get(pk=gf.pk).progress >= 20, timeout=60)
    worker.kill()  # kill -9 in the middle of the export
    assert GeneratedFile.objects.get(pk=gf.pk).status == "running"
    worker.start()
    assert wait_for(lambda: GeneratedFile.objects.get(pk=gf.pk).is_finished, timeout=120)
    gf.refresh_from_db()
    assert gf.status in {"done", "failed"}
    assert gf.status == "done", gf.message


def test_an_export_whose_pool_child_is_killed_is_built_again_not_left_acknowledged(
        redis, worker, researcher):
    """A prefork worker whose pool process dies (kill -9, the OOM killer) keeps running; the
    task was acknowledged late and rejected on worker loss, and the outbox takes the job back
    when its lease runs out: the file is built by the next attempt."""
    import tests.integration.outbox_kinds  # noqa: F401  (the slow exporter, here too)
    from portal import services
    from portal.models import GeneratedFile
    from portal.outbox.models import Job

    worker.stop()
    worker.start(pool="prefork")
    with transaction.atomic():
        gf = services.generated_file_request(user=researcher, exporter="tests.slow",
                                             params={"format": "csv", "steps": 16})
    assert wait_for(lambda: GeneratedFile.objects.get(pk=gf.pk).progress >= 20, timeout=90)
    child = int((worker.markers / "slow-export-pid").read_text())
    assert child != worker.proc.pid
    os.kill(child, signal.SIGKILL)
    assert wait_for(lambda: GeneratedFile.objects.get(pk=gf.pk).is_finished, timeout=120)
    gf.refresh_from_db()
    job = Job.objects.get(kind="portal.build_file", key=f"file:{gf.pk}")
    assert (gf.status, job.state, job.attempts, worker.proc.poll()) == ("done", "done", 2, None)


def test_a_job_that_keeps_failing_ends_failed_with_its_reason(redis, worker):
    import tests.integration.outbox_kinds  # noqa: F401
    from portal import outbox
    from portal.outbox.models import Job

    with transaction.atomic():
        job = outbox.enqueue("tests.always_fails", key="x")
    assert wait_for(lambda: Job.objects.get(pk=job.pk).state == "failed", timeout=120)
    job.refresh_from_db()
    assert (job.attempts, job.last_error) == (3, "OSError: the disk is full")


@pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                    reason="terminates a PostgreSQL backend")
def test_a_database_fault_during_rule_evaluation_stores_all_flags_once_after_the_retry(
        redis, worker, researcher, tmp_path):
    from django.db import connection

    import tests.integration.outbox_kinds  # noqa: F401  (the rule that waits once)
    from disclosures.signals import version_submitted
    from portal.outbox.models import Job
    from riskmgmt.models import Case, Flag, FlagVersion, Rule
    from riskmgmt.services import rules_ensure_builtin
    from tests.riskmgmt import factories as f

    rules_ensure_builtin()
    marker = tmp_path / "block-once"
    marker.touch()
    # "zz-" sorts after every built-in rule: they have all run in the transaction when it waits.
    Rule.objects.create(code="zz-db-fault", rule_type="tests_blocks_once", name="DB fault",
                        concern="talent_programme", params={"marker": str(marker)})
    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    with transaction.atomic():
        version_submitted.send(sender=type(v), version=v)
    pid = wait_for(lambda: worker_backend_in("tests.blocks_once"), timeout=90, interval=0.2)
    assert pid, "the worker never reached the waiting rule"
    assert Flag.objects.filter(version=v).count() == 0  # earlier rules' flags are not committed
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    job = Job.objects.get(kind="riskmgmt.evaluate_version", key=f"version:{v.pk}")
    assert wait_for(lambda: Job.objects.get(pk=job.pk).state in {"done", "failed"}, timeout=120)
    job.refresh_from_db()
    flags = list(Flag.objects.filter(version=v))
    keys = [fl.concern_key for fl in flags]
    assert (job.state, job.attempts) == ("done", 2), job.last_error
    assert len(keys) == len(set(keys)) >= 2  # the built-in rules' flags and the test rule's
    assert sorted(FlagVersion.objects.filter(version=v).values_list("flag_id", flat=True)) == \
        sorted(fl.pk for fl in flags)
    assert "zz-db-fault" in {fl.rule.code for fl in flags}
    assert Case.objects.filter(researcher=researcher).count() == 1


def test_with_redis_stopped_staff_log_in_and_ask_for_an_export_that_is_built_when_it_is_back(
        redis, worker, staff, settings):
    """The cache and the broker are the same stopped Redis: the login (with its TOTP step) and
    the export request answer as usual, the file waits ("待機中"), and the worker builds it once
    Redis is back (the sweep rings it)."""
    from django.test import Client

    from portal.models import GeneratedFile
    from tests.factories import PASSWORD, totp_code_for

    settings.CACHES = {"default": {
        "BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": redis.url[:-1] + "1",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    redis.stop()
    client = Client()
    password = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert password["Location"].startswith("/accounts/2fa/authenticate")
    signed_in = client.post("/accounts/2fa/authenticate/", {"code": totp_code_for(staff)})
    asked = client.post(reverse("riskmgmt:hits_export"))
    gf = GeneratedFile.objects.get(owner=staff)
    waiting = client.get(reverse("portal:file_detail", args=[gf.public_id]))
    assert (signed_in.status_code, signed_in["Location"], asked.status_code,
            waiting.status_code, gf.status) == (302, "/", 302, 200, "pending")
    redis.start()
    assert wait_for(lambda: GeneratedFile.objects.get(pk=gf.pk).is_finished, timeout=90)
    assert GeneratedFile.objects.get(pk=gf.pk).status == "done"


def test_a_list_imported_while_redis_is_down_is_re_screened_when_it_is_back(
        redis, worker, researcher):
    from riskmgmt.models import ScreeningHit, ScreeningRun
    from tests.riskmgmt import factories as f

    f.org("Harbin Institute of Technology", country="CN")
    redis.stop()
    with transaction.atomic():  # the release and its re-screening commit; the bell cannot ring
        release = f.import_list(rescreen=True)
    redis.start()
    runs = ScreeningRun.objects.filter(kind=ScreeningRun.Kind.REGISTRY, release=release)
    assert wait_for(lambda: runs.filter(status="done").exists(), timeout=90)
    assert (runs.count(), ScreeningHit.objects.filter(run__in=runs).count() >= 1) == (1, True)
