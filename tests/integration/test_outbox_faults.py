"""Faults with a real worker, beat and a private Redis that the tests stop and start.

Each test starts its own ``redis-server`` on a free port (never the shared one on 6379), a
Celery worker with embedded beat against the test database, and a ``jobs_sweep`` every two
seconds (beat's real path: PeriodicTask → run_schedule → sweep). What they show: nothing lost
(work stored while Redis was down runs when it is back), nothing stuck (a killed worker's export
ends done or failed), a job that keeps failing ends failed with its reason.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path / "redis"
        self.dir.mkdir()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self._answers, timeout=10)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    from portal.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = server.url
    app.conf.broker_transport_options = {"visibility_timeout": 60}
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.task_always_eager = False
    try:
        yield server
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.task_always_eager = True
        server.stop()


class Worker:
    def __init__(self, redis, tmp_path):
        db = settings.DATABASES["default"]
        self.env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", "REDIS_URL": redis.url,
                    "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                                    f"{db['PORT'] or 5432}/{db['NAME']}",
                    "PORTAL_VAR_DIR": str(tmp_path / "var"), "DB_CONN_MAX_AGE": "0",
                    "PORTAL_JOB_LEASE_SECONDS": "6", "PORTAL_JOB_BACKOFF_SECONDS": "1"}
        self.tmp = tmp_path
        self.proc = None
        self.logs = []

    def start(self):
        celery = str(Path(sys.executable).with_name("celery"))
        log = self.tmp / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        self.proc = subprocess.Popen(  # noqa: S603
            [celery, "-A", "portal", "worker", "-B", "--pool=solo", "--loglevel=INFO",
             "--schedule", str(self.tmp / "beat-schedule"), "-I", "tests.integration.outbox_kinds"],
            cwd=settings.BASE_DIR, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for log in self.logs:
            print(f"--- {log.name} ---\n" + log.read_text(errors="replace")[-2500:])


@pytest.fixture
def worker(redis, tmp_path):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from portal.notifications.schedules import TASK

    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="test: jobs sweep", task=TASK, interval=every,
                                kwargs=json.dumps({"name": "jobs_sweep"}))
    w = Worker(redis, tmp_path)
    w.start()
    yield w
    w.stop()


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


def test_a_job_that_keeps_failing_ends_failed_with_its_reason(redis, worker):
    import tests.integration.outbox_kinds  # noqa: F401
    from portal import outbox
    from portal.outbox.models import Job

    with transaction.atomic():
        job = outbox.enqueue("tests.always_fails", key="x")
    assert wait_for(lambda: Job.objects.get(pk=job.pk).state == "failed", timeout=120)
    job.refresh_from_db()
    assert (job.attempts, job.last_error) == (3, "OSError: the disk is full")


def _worker_backend_in(marker_sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                       " AND pid <> pg_backend_pid() AND query LIKE %s", [f"%{marker_sql}%"])
        row = cursor.fetchone()
    return row[0] if row else None


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
    pid = wait_for(lambda: _worker_backend_in("tests.blocks_once"), timeout=90, interval=0.2)
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
