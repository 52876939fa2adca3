"""The deployment files agree with each other and with the code (no container engine needed).

- ``.env.example`` can be sourced by a shell as written, every variable in it (set or commented
  out) is read by the settings, bin/portal or docker-compose.yml, its host names agree with
  each other, and production settings start from it with ``check --deploy`` clean;
- ``docker-compose.yml`` runs every portal service through ``bin/portal`` with one of its
  commands, starts web/worker/beat after ``init`` succeeded, and sets only variables the
  settings read;
- the Dockerfile collects static files at build time outside the data volume, runs as a
  non-root user, and ``.dockerignore`` keeps the secrets and local data out of the image.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
PORTAL = ROOT / "bin" / "portal"
PORTAL_SERVICES = {"init", "web", "worker", "beat"}


def _sourced_env() -> dict[str, str]:
    """The variables a shell gets from ``set -a; . ./.env.example``."""
    script = 'set -a; . "$1"; set +a; exec "$2" -c "import json, os; print(json.dumps(dict(os.environ)))"'
    result = subprocess.run(["bash", "-c", script, "bash", str(ENV_EXAMPLE), sys.executable],  # noqa: S607
                            capture_output=True, text=True, env={"PATH": os.environ["PATH"]},
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    sourced = json.loads(result.stdout)
    return {name: sourced[name] for name in _assigned_names(commented=False)}


def _assigned_names(*, commented: bool) -> list[str]:
    pattern = r"^#?([A-Z][A-Z0-9_]*)=" if commented else r"^([A-Z][A-Z0-9_]*)="
    return re.findall(pattern, ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE)


def _names_read_by_the_code() -> set[str]:
    names = set()
    for path in (ROOT / "portal").rglob("*.py"):
        names |= set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', path.read_text(encoding="utf-8")))
    names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", PORTAL.read_text(encoding="utf-8")))
    return names


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _portal_commands() -> set[str]:
    """The commands bin/portal's case statement accepts."""
    text = PORTAL.read_text(encoding="utf-8")
    return set(re.findall(r"^  ([a-z]+)\)", text, flags=re.MULTILINE))


def test_env_example_can_be_sourced_and_keeps_values_with_spaces():
    env = _sourced_env()
    assert env["MFA_TOTP_ISSUER"] == "Integrity Portal"
    assert env["DEBUG"] == "0"


def test_every_variable_in_env_example_is_read_somewhere():
    read = _names_read_by_the_code()
    compose_text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_text))
    unread = [name for name in _assigned_names(commented=True) if name not in read]
    assert unread == []


def test_env_example_host_names_agree_with_the_proxy():
    env = _sourced_env()
    site = urlsplit(env["SITE_URL"])
    assert site.scheme == "https"
    assert site.hostname == env["PORTAL_HOST"]
    assert env["PORTAL_HOST"] in env["ALLOWED_HOSTS"].split(",")
    assert f"https://{env['PORTAL_HOST']}" in env["CSRF_TRUSTED_ORIGINS"].split(",")
    # Caddy (deploy/Caddyfile) sets X-Forwarded-Proto and drops the client's own.
    assert env["SECURE_PROXY_SSL_HEADER"] == "X-Forwarded-Proto"
    assert "{$PORTAL_HOST}" in (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")


def test_production_settings_start_from_env_example_with_check_deploy_clean(tmp_path):
    env = {"PATH": os.environ["PATH"], **_sourced_env(), "PORTAL_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_every_portal_service_through_bin_portal():
    services = _compose()["services"]
    assert PORTAL_SERVICES <= set(services)
    commands = _portal_commands()
    for name in PORTAL_SERVICES:
        command = services[name]["command"]
        assert command[0] == "bin/portal", name
        assert command[1] in commands, name
        assert command[1] == name, name  # the service is named after what it runs


def test_web_worker_and_beat_start_after_init_succeeded():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["init"] == {
            "condition": "service_completed_successfully"}, name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["init"]["restart"] == "no"


def test_compose_checks_health_of_web_postgres_and_redis():
    services = _compose()["services"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "bin/portal", "healthcheck"]
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}
    assert "ports" not in services["web"]  # reachable only through the TLS proxy


def test_compose_sets_only_variables_the_settings_read():
    read = _names_read_by_the_code()
    services = _compose()["services"]
    for name in PORTAL_SERVICES:
        assert set(services[name]["environment"]) <= read, name
    assert "PORTAL_HOST" in _assigned_names(commented=False)


def test_dockerfile_collects_static_at_build_outside_the_data_volume_as_non_root():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm", text, flags=re.MULTILINE)
    assert "PORTAL_VAR_DIR=/data" in text
    static_root = re.search(r"STATIC_ROOT=(\S+)", text).group(1)
    assert not static_root.startswith("/data")
    run_lines = re.findall(r"^(USER|RUN|CMD) (.*)$", text, flags=re.MULTILINE)
    user_at = next(i for i, (kind, _v) in enumerate(run_lines) if kind == "USER")
    assert run_lines[user_at][1] != "root"
    assert ("RUN", "bin/portal collectstatic") in run_lines[user_at:]
    assert run_lines[-1] == ("CMD", '["bin/portal", "web"]')


@pytest.mark.parametrize("kept_out", [".env", ".git", ".venv", "var", "**/__pycache__",
                                      "node_modules", "static-collected"])
def test_dockerignore_keeps_secrets_and_local_data_out_of_the_image(kept_out):
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert kept_out in lines
