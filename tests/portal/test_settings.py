"""Settings read from the environment: production refuses to start without a secret key, and
`check --deploy` is clean with production settings. Run as subprocesses (fresh settings)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL",
                        "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)})
    env.update(extra)
    return env


def _run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_production_mode_without_secret_key_refuses_to_start(tmp_path):
    result = _run(["-c", "import django; django.setup()"], _env(tmp_path, DEBUG="0"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(60))
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    result = _run(["-c", code], _env(tmp_path, DEBUG="0", SECRET_KEY_FILE=str(key_file),
                                    ALLOWED_HOSTS="x"))
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 50


def test_bad_boolean_fails_loudly(tmp_path):
    result = _run(["-c", "import django; django.setup()"], _env(tmp_path, DEBUG="maybe"))
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db(transaction=False)
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = _env(tmp_path, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="x")
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_default_runs_without_any_variable(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)")
    result = _run(["-c", code], _env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "filesystem://" in result.stdout
