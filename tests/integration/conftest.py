"""A real Celery worker (with beat) through Redis, against the test database.

Used by tests marked ``integration``: they need PostgreSQL (the worker is another process and
must see committed rows) and REDIS_URL. ``.ci/run`` runs them with ``--run-integration``.
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


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql") or not os.environ.get("REDIS_URL"):
        pytest.fail("integration tests need DATABASE_URL (PostgreSQL) and REDIS_URL")
    from portal.celery import app

    app.conf.task_always_eager = False
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "CELERY_TASK_ALWAYS_EAGER": "0",
           "PORTAL_VAR_DIR": str(tmp_path / "var"), "DB_CONN_MAX_AGE": "0"}
    celery = str(Path(sys.executable).with_name("celery"))
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [celery, "-A", "portal", "worker", "-B", "--pool=solo", "--loglevel=INFO",
         "--schedule", str(tmp_path / "beat-schedule"), "-Q", "celery"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        app.conf.task_always_eager = True
        log.close()
        tail = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
        print("--- worker log tail ---\n" + tail)


def wait_for(predicate, timeout=60.0, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# --- A private Redis the tests stop and start, and a worker (with beat) they kill --------------


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
                    "PORTAL_JOB_LEASE_SECONDS": "6", "PORTAL_JOB_BACKOFF_SECONDS": "1",
                    # where tests.integration.outbox_kinds finds the points a test makes wait
                    "PORTAL_TEST_MARKERS": str(tmp_path / "markers")}
        self.tmp = tmp_path
        self.markers = tmp_path / "markers"
        self.markers.mkdir(exist_ok=True)
        self.proc = None
        self.logs = []

    def start(self, pool: str = "solo"):
        """``pool="prefork"`` runs one pool child (``--concurrency=1``) beside the main process,
        as production does; the default solo pool runs the job in the main process."""
        celery = str(Path(sys.executable).with_name("celery"))
        log = self.tmp / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        pool_args = ["--pool=prefork", "--concurrency=1"] if pool == "prefork" else ["--pool=solo"]
        self.proc = subprocess.Popen(  # noqa: S603
            [celery, "-A", "portal", "worker", "-B", *pool_args, "--loglevel=INFO",
             "--schedule", str(self.tmp / "beat-schedule"), "-I", "tests.integration.outbox_kinds"],
            cwd=settings.BASE_DIR, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def wait_once_at(self, point: str, times: int = 1) -> None:
        """The next ``times`` runs through ``point`` (see outbox_kinds.wait_in_database) wait
        inside the database, so the test can terminate the worker's connection there."""
        (self.markers / point).write_text(f"wait {times}")

    def fail_at(self, point: str, times: int = 1) -> None:
        """The next ``times`` runs through ``point`` lose their database connection there."""
        (self.markers / point).write_text(f"die {times}")

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


def worker_backend_in(marker_sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                       " AND pid <> pg_backend_pid() AND query LIKE %s", [f"%{marker_sql}%"])
        row = cursor.fetchone()
    return row[0] if row else None
