"""The purge_files schedule: expired exports and abandoned uploads leave the disk."""

import datetime as dt
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from portal import imports, purge
from portal.models import AuditEntry, GeneratedFile, ImportUpload
from portal.notifications.tasks import run_schedule
from portal.storage import private_storage


def _export(owner, *, expires_in: dt.timedelta) -> GeneratedFile:
    gf = GeneratedFile.objects.create(owner=owner, exporter="tests.tiny", title="t",
                                      status=GeneratedFile.Status.DONE,
                                      expires_at=timezone.now() + expires_in)
    gf.file.save("export.csv", ContentFile(b"a,b\n"))
    return gf


@pytest.mark.django_db
def test_sync_schedules_installs_the_hourly_purge():
    call_command("sync_schedules", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name="portal:purge_files")
    assert (task.crontab.minute, task.crontab.hour) == ("30", "*")


def test_the_purge_deletes_an_expired_export_and_its_file(researcher):
    gf = _export(researcher, expires_in=-dt.timedelta(minutes=1))
    path = gf.file.path
    run_schedule("purge_files")
    assert not GeneratedFile.objects.filter(pk=gf.pk).exists()
    assert not os.path.exists(path)


def test_the_purge_keeps_an_export_still_downloadable(researcher):
    gf = _export(researcher, expires_in=dt.timedelta(days=1))
    run_schedule("purge_files")
    assert os.path.exists(GeneratedFile.objects.get(pk=gf.pk).file.path)


def _upload(owner, *, age: dt.timedelta) -> ImportUpload:
    """An import upload made ``age`` ago and never confirmed (its file in the private storage)."""
    path = private_storage().save("imports/test/people", ContentFile(b"name,email\n"))
    made = timezone.now() - age
    return ImportUpload.objects.create(
        owner=owner, kind="roster", params={}, status=ImportUpload.Status.CHECKED, step="check",
        expires_at=made + imports.MAX_AGE, files=[{"role": "people", "name": "people.csv",
                                                  "path": path, "sha256": "", "size": 11}])


def test_the_purge_deletes_the_files_of_an_import_never_confirmed(admin_user):
    upload = _upload(admin_user, age=imports.MAX_AGE + dt.timedelta(minutes=1))
    path = upload.files[0]["path"]
    run_schedule("purge_files")
    assert not private_storage().exists(path)
    assert ImportUpload.objects.get(pk=upload.pk).files == []


def test_the_purge_keeps_an_upload_waiting_for_confirmation(admin_user):
    upload = _upload(admin_user, age=dt.timedelta(minutes=10))
    run_schedule("purge_files")
    assert private_storage().exists(upload.files[0]["path"])


def test_the_purge_is_audited_with_what_it_deleted(admin_user):
    _upload(admin_user, age=dt.timedelta(days=3))
    run_schedule("purge_files")
    entry = AuditEntry.objects.get(action="portal.files.purged")
    assert entry.data["deleted"]["imports"] == 1


def test_the_preview_lists_an_abandoned_upload_without_deleting_it(admin_user):
    upload = _upload(admin_user, age=dt.timedelta(days=2))
    preview = purge._schedule_preview(timezone.now(), {})
    assert f"roster {upload.public_id}" in [row.object_repr for row in preview.rows]
    assert private_storage().exists(upload.files[0]["path"])


def test_a_failing_purger_does_not_stop_the_others(monkeypatch, admin_user):
    upload = _upload(admin_user, age=dt.timedelta(days=2))

    def broken(now):
        raise OSError("disk on fire")

    monkeypatch.setitem(purge.PURGERS, "aaa_broken", purge.Purger("aaa_broken", "x", broken))
    with pytest.raises(RuntimeError, match="aaa_broken"):
        purge.run()
    assert not private_storage().exists(upload.files[0]["path"])


def test_the_purge_deletes_jobs_finished_long_ago_and_keeps_failed_ones(db):
    from portal.outbox.models import Job

    now = timezone.now()
    old = Job.objects.create(kind="tests.old", state=Job.State.DONE,
                             finished_at=now - purge.JOBS_KEEP - dt.timedelta(days=1))
    recent = Job.objects.create(kind="tests.recent", state=Job.State.DONE,
                                finished_at=now - dt.timedelta(days=1))
    failed = Job.objects.create(kind="tests.failed", state=Job.State.FAILED,
                                finished_at=now - purge.JOBS_KEEP - dt.timedelta(days=1))
    run_schedule("purge_files")
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert not Job.objects.filter(pk=old.pk).exists()
