"""bin/portal, the production entry point: init is safe to run concurrently and leaves the
schedules installed; collectstatic writes the manifest production mode needs, outside the
data folder. Run as subprocesses with their own environment, on SQLite in a temporary folder."""

import os
import sqlite3
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "bin" / "portal"


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "STATIC_ROOT",
                        "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    import sys

    env.update({"PORTAL_VAR_DIR": str(tmp_path / "var"), "PORTAL_PYTHON": sys.executable})
    env.update(extra)
    return env


def test_init_twice_at_once_migrates_and_installs_the_schedules(tmp_path):
    env = _env(tmp_path)
    runs = [subprocess.Popen([str(PORTAL), "init"], cwd=ROOT, env=env, stdout=subprocess.PIPE,  # noqa: S603
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("portal init: done" in out for out in outputs)
    db = sqlite3.connect(tmp_path / "var" / "portal.sqlite3")
    names = {row[0] for row in db.execute("SELECT name FROM django_celery_beat_periodictask")}
    assert "portal:send_due" in names and "portal:campaign_reminders" in names
    again = subprocess.run([str(PORTAL), "init"], cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                           text=True, timeout=300)
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_collectstatic_writes_the_manifest_outside_the_data_folder(tmp_path):
    static_root = tmp_path / "static-collected"
    result = subprocess.run([str(PORTAL), "collectstatic"], cwd=ROOT, capture_output=True,  # noqa: S603
                            text=True, timeout=300, env=_env(tmp_path, STATIC_ROOT=str(static_root)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (static_root / "staticfiles.json").is_file()
    assert not (tmp_path / "var" / "staticfiles").exists()


def test_unknown_command_prints_the_usage():
    result = subprocess.run([str(PORTAL), "nonsense"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 2 and "bin/portal init" in result.stderr
