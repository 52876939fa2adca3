"""A real Celery worker (with beat) through Redis, against the test database.

Used by tests marked ``integration``: they need PostgreSQL (the worker is another process and
must see committed rows) and REDIS_URL. ``.ci/run`` runs them with ``--run-integration``.
"""

import os
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
