"""Backup and restore: a disclosure with an attachment and its audit trail, backed up with
``portal_backup`` and restored with ``portal_restore`` into an EMPTY database (on PostgreSQL a
database this test creates; on SQLite a new file) and an empty private-files directory, both in
a separate process configured only through the environment, as an operator would run them."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from disclosures import services
from tests import files
from tests.disclosures.factories import draft_for

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed data only

BASE_DIR = Path(settings.BASE_DIR)

PDF = files.PDF
on_postgresql = connection.vendor == "postgresql"

CHECK = """
import json
from disclosures.models import Attachment
from portal.models import AuditEntry
a = Attachment.objects.select_related("version__disclosure__owner").get(public_id="{public_id}")
disclosure = a.version.disclosure
print(json.dumps({{
    "owner": disclosure.owner.email,
    "status": disclosure.versions.get(pk=a.version_id).status,
    "name": a.original_name,
    "content": a.file.read().decode("latin-1"),
    "audit": sorted(AuditEntry.objects.filter(object_id=str(disclosure.pk)).values_list("action", flat=True)),
}}))
"""


def manage(*args, env):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def disclosure_with_attachment(researcher):
    draft = draft_for(researcher)
    attachment = services.attachment_add(version=draft, actor=researcher,
                                         uploaded_file=SimpleUploadedFile("contract.pdf", PDF))
    from portal.models import AuditEntry

    audit = sorted(AuditEntry.objects.filter(object_id=str(draft.disclosure.pk)).values_list("action", flat=True))
    assert "disclosures.attachment.added" in audit
    return attachment, audit


@pytest.fixture
def empty_postgres_database():
    """A newly created, empty PostgreSQL database on the same server; dropped afterwards."""
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None,
              "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_elsewhere_and_read(tmp_path, backup_dir, attachment, database_env):
    """Restore in a fresh process (empty database, empty PRIVATE_MEDIA_ROOT) and read it back."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PRIVATE_MEDIA_ROOT", "PORTAL_VAR_DIR"}}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path / "restored-var"),
                "PRIVATE_MEDIA_ROOT": str(tmp_path / "restored-private"), **database_env})
    out = manage("portal_restore", str(backup_dir), env=env)
    assert "Restored" in out
    assert (tmp_path / "restored-private" / attachment.file.name).read_bytes() == PDF
    return json.loads(manage("shell", "-c", CHECK.format(public_id=attachment.public_id), env=env).strip().splitlines()[-1])


@pytest.mark.skipif(not on_postgresql, reason="needs PostgreSQL (DATABASE_URL=postgres://...): pg_dump/pg_restore path")
def test_postgresql_backup_restores_into_an_empty_database(tmp_path, disclosure_with_attachment, empty_postgres_database):
    attachment, audit = disclosure_with_attachment
    backup_dir = tmp_path / "backup"
    call_command("portal_backup", str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert (manifest["engine"], manifest["database"], manifest["file_count"]) == ("postgresql", "database.pgdump", 1)
    restored = restore_elsewhere_and_read(tmp_path, backup_dir, attachment,
                                          {"DATABASE_URL": empty_postgres_database})
    assert restored == {"owner": "alice@example.ac.jp", "status": "draft", "name": "contract.pdf",
                        "content": PDF.decode("latin-1"), "audit": audit}


@pytest.mark.skipif(on_postgresql, reason="the SQLite path runs when the tests run on SQLite (no DATABASE_URL)")
def test_sqlite_backup_restores_into_a_new_database_file(tmp_path, disclosure_with_attachment):
    attachment, audit = disclosure_with_attachment
    backup_dir = tmp_path / "backup"
    call_command("portal_backup", str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert (manifest["engine"], manifest["database"], manifest["file_count"]) == ("sqlite", "database.sqlite3", 1)
    restored = restore_elsewhere_and_read(tmp_path, backup_dir, attachment, {})
    assert restored == {"owner": "alice@example.ac.jp", "status": "draft", "name": "contract.pdf",
                        "content": PDF.decode("latin-1"), "audit": audit}


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, disclosure_with_attachment):
    call_command("portal_backup", str(tmp_path / "backup"))
    with pytest.raises(CommandError, match="database is not empty"):
        call_command("portal_restore", str(tmp_path / "backup"))


def test_restore_refuses_a_damaged_backup(tmp_path, disclosure_with_attachment):
    backup_dir = tmp_path / "backup"
    call_command("portal_backup", str(backup_dir))
    archive = backup_dir / "private-files.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10])
    with pytest.raises(CommandError, match="damaged"):
        call_command("portal_restore", str(backup_dir))


def test_backup_wants_a_new_directory(tmp_path, researcher):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("portal_backup", str(tmp_path / "backup"))
