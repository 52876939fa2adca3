"""Point Django at the benchmark's own database before ``django.setup()``.

The benchmark never touches the developers' database (``var/portal.sqlite3``) nor a test
database:

* SQLite (no ``DATABASE_URL``): ``PORTAL_VAR_DIR`` is set to ``var/bench/<scale>/``, so the
  database is ``var/bench/<scale>/portal.sqlite3`` and generated files and the Celery
  filesystem queue land there too.
* PostgreSQL (``DATABASE_URL=postgres://...``): the same server, but the database name is
  replaced by ``portal_bench`` (full scale) or ``portal_bench_<scale>`` (``--quick`` and other
  scales), created when missing. ``BENCH_DATABASE_NAME`` overrides the name; it must start with
  ``portal_bench``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR = BASE_DIR / "var" / "bench"


def _ensure_path() -> None:
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in {"postgres", "postgresql", "pgsql", "postgis"}


def bench_database_name(scale: str) -> str:
    name = os.environ.get("BENCH_DATABASE_NAME") or (
        "portal_bench" if scale == "full" else f"portal_bench_{scale}"
    )
    if not name.startswith("portal_bench"):
        raise SystemExit(f"BENCH_DATABASE_NAME must start with 'portal_bench', got {name!r}")
    return name


def configure(scale: str) -> dict:
    """Set the environment for ``scale``; returns a description of the target database.

    Idempotent, and inherited by child processes (exports, gunicorn) through ``os.environ``.
    """
    _ensure_path()
    var_dir = BENCH_VAR / scale
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PORTAL_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # The benchmark measures the request path, not e-mail delivery or a broker.
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL")
    if is_postgres_url(url):
        parts = urlsplit(url)
        name = bench_database_name(scale)
        if parts.path.lstrip("/") != name:
            os.environ["BENCH_SERVER_URL"] = url
            url = urlunsplit(parts._replace(path="/" + name))
            os.environ["DATABASE_URL"] = url
        return {"vendor": "postgresql", "name": name, "url": url, "var_dir": str(var_dir)}
    os.environ.pop("DATABASE_URL", None)
    return {"vendor": "sqlite", "name": str(var_dir / "portal.sqlite3"), "url": "",
            "var_dir": str(var_dir)}


def _admin_connection(target_url: str):
    import psycopg

    parts = urlsplit(os.environ.get("BENCH_SERVER_URL") or target_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True)


def reset_database(target: dict) -> None:
    """Drop and recreate the benchmark database (never another one)."""
    if target["vendor"] == "postgresql":
        name = target["name"]
        assert name.startswith("portal_bench"), name
        with _admin_connection(target["url"]) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return
    path = Path(target["name"])
    assert BENCH_VAR in path.parents, path
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


def ensure_database(target: dict) -> None:
    """Create the PostgreSQL benchmark database when it does not exist yet."""
    if target["vendor"] != "postgresql":
        return
    name = target["name"]
    with _admin_connection(target["url"]) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()
