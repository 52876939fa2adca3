"""Backup and restore of the database and the private files (``portal_backup`` /
``portal_restore``; README "Deploying" > "Backups").

A backup is a directory:

- ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``, one consistent snapshot) or
  ``database.sqlite3`` (SQLite: a consistent copy through SQLite's online backup API);
- ``private-files.tar.gz``: everything under ``PRIVATE_MEDIA_ROOT`` (attachments, imports,
  exports), archived after the database so every file the dump refers to is in it;
- ``manifest.json``: format, engine, creation time, the latest migration of each app, the number
  of files, and the SHA-256 of both pieces (checked before anything is restored).

A restore goes only into an empty database and an empty private-files directory, so it never
mixes two states; afterwards run ``migrate`` if the code is newer than the backup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
FILES_ARCHIVE = "private-files.tar.gz"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def private_root() -> Path:
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(tool: str, alias: str) -> tuple[list[str], dict]:
    """``tool`` with the connection options of database ``alias``; the password goes in the
    environment (PGPASSWORD), never on the command line."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} not found: install the PostgreSQL client (Debian postgresql-client)")
    db = connections[alias].settings_dict
    args = [path, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.returncode}")


def _migrations(alias: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup(directory: Path, *, alias: str = "default") -> dict:
    """Write a backup into ``directory`` (created; it must not exist or be empty)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new directory for each backup")
    engine = _engine(alias)
    directory.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    if engine == "postgresql":
        database = directory / PG_DUMP
        args, env = _pg_command("pg_dump", alias)
        _run([*args, "--format=custom", "--no-owner", "--no-privileges",
              f"--file={database}", connection.settings_dict["NAME"]], env)
    else:
        database = directory / SQLITE_COPY
        connection.ensure_connection()
        target = sqlite3.connect(database)
        try:
            connection.connection.backup(target)  # consistent even while others write
        finally:
            target.close()
    archive = directory / FILES_ARCHIVE
    root = private_root()
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                count += 1
    manifest = {
        "format": FORMAT,
        "engine": engine,
        "created_at": timezone.now().isoformat(),
        "database": database.name,
        "files": archive.name,
        "file_count": count,
        "migrations": _migrations(alias),
        "sha256": {database.name: _sha256(database), archive.name: _sha256(archive)},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return manifest


def read_manifest(directory: Path) -> dict:
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} holds no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["sha256"].items():
        path = directory / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{path} is missing or damaged (checksum differs from the manifest)")
    return manifest


def _database_is_empty(alias: str) -> bool:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(directory: Path, *, alias: str = "default") -> dict:
    """Restore the backup in ``directory`` into the (empty) database and private-files root."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise BackupError(f"this is a {manifest['engine']} backup; the portal is configured for {engine}")
    if not _database_is_empty(alias):
        raise BackupError("the database is not empty: restore into a newly created, empty database")
    root = private_root()
    if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
        raise BackupError(f"{root} (PRIVATE_MEDIA_ROOT) already holds files: restore into an empty directory")
    connection = connections[alias]
    database = directory / manifest["database"]
    if engine == "postgresql":
        args, env = _pg_command("pg_restore", alias)
        connection.close()
        _run([*args, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={connection.settings_dict['NAME']}", str(database)], env)
    else:
        connection.ensure_connection()
        source = sqlite3.connect(database)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / manifest["files"], "r:gz") as tar:
        tar.extractall(root, filter="data")  # refuses absolute paths, "..", links out of root
    return manifest


def describe(manifest: dict) -> str:
    created = dt.datetime.fromisoformat(manifest["created_at"])
    return (f"{manifest['engine']} database, {manifest['file_count']} private file(s), "
            f"taken {created:%Y-%m-%d %H:%M %Z}")
