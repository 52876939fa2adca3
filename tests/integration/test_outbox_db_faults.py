"""Database faults with a real worker, beat, PostgreSQL and a private Redis (conftest.py).

The worker's connection is terminated (``pg_terminate_backend``) at a named point of the work
(see ``outbox_kinds.fault_point``): while the registry is re-screened, while an export is built,
while a roster import is checked or applied. What they show: the work is retried and ends done
with everything once, or ends failed with its reason and a way to run it again — never
"running" for ever — and an import tells the person to try again, not to fix their file.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from tests.integration.conftest import wait_for, worker_backend_in

pytestmark = [
    pytest.mark.integration, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                       reason="terminates PostgreSQL backends"),
]

LIST_CSV = (
    "name,aliases,country,source,note\n"
    "Harbin Institute of Technology,HIT;哈爾浜工業大学,CN,METI,\n"
    "Kim Il Sung University,金日成総合大学,KP,METI,\n"
    "Sharif University of Technology,SHFT,IR,METI,\n"
)


def _terminate_at(point: str) -> None:
    """Wait until the worker waits at ``point`` in the database, then terminate its backend."""
    pid = wait_for(lambda: worker_backend_in(f"tests.fault:{point}"), timeout=90, interval=0.2)
    assert pid, f"the worker never reached {point}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _finished_job(kind: str, key: str):
    """The newest job of ``kind`` and ``key`` once it has finished (done or failed)."""
    from portal.outbox.models import Job

    def newest():
        job = Job.objects.filter(kind=kind, key=key).order_by("-pk").first()
        return job if job is not None and job.is_finished else None

    job = wait_for(newest, timeout=120)
    assert job, list(Job.objects.values("kind", "key", "state", "last_error"))
    return job


# --- Re-screening the registry ----------------------------------------------------------------


def _registry_with_a_listed_organisation(researcher):
    from tests.riskmgmt import factories as f

    harbin = f.org("Harbin Institute of Technology", country="CN")
    f.position(f.version(researcher), harbin)
    f.org("Example Corp", country="US")
    return harbin


def _import_release():
    from tests.riskmgmt import factories as f

    with transaction.atomic():  # the release and its re-screening commit together
        return f.import_list(LIST_CSV, rescreen=True)


def _screening_outcome(release, harbin, researcher):
    from riskmgmt.models import Flag, ScreeningHit, ScreeningRun

    runs = ScreeningRun.objects.filter(kind=ScreeningRun.Kind.REGISTRY, release=release)
    pairs = list(ScreeningHit.objects.filter(organisation=harbin).values_list("entry_key",
                                                                               flat=True))
    flags = list(Flag.objects.filter(hit__organisation=harbin, case__researcher=researcher)
                 .values_list("hit__entry_key", flat=True))
    return runs, pairs, flags


@pytest.mark.parametrize("point", ["rescreen-read", "rescreen-write"])
def test_a_database_fault_during_re_screening_is_retried_and_records_every_hit_once(
        redis, worker, researcher, point):
    """``rescreen-read``: the connection is lost before the registry is read (the run's row is
    already stored, outside any transaction); ``rescreen-write``: inside the transaction, after
    the hits and flags are written."""
    harbin = _registry_with_a_listed_organisation(researcher)
    worker.wait_once_at(point)
    release = _import_release()
    _terminate_at(point)
    job = _finished_job("riskmgmt.rescreen_registry", f"release:{release.pk}")
    runs, pairs, flags = _screening_outcome(release, harbin, researcher)
    assert (job.state, job.attempts) == ("done", 2), job.last_error
    assert sorted(runs.values_list("status", flat=True)) == ["done", "failed"]  # none "running"
    assert len(pairs) == len(set(pairs)) == runs.get(status="done").new_hits >= 1
    assert sorted(flags) == sorted(pairs)  # one flag of the researcher per hit


def test_a_re_screening_that_keeps_losing_its_database_ends_failed_and_staff_run_it_again(
        redis, worker, researcher, staff, client_as):
    from riskmgmt.models import ScreeningRun

    harbin = _registry_with_a_listed_organisation(researcher)
    worker.fail_at("rescreen-read", times=3)  # every attempt (3) loses its connection
    release = _import_release()
    job = _finished_job("riskmgmt.rescreen_registry", f"release:{release.pk}")
    assert (job.state, job.attempts, job.last_error.split(":")[0]) == (
        "failed", 3, "OperationalError")
    assert not ScreeningRun.objects.filter(status=ScreeningRun.Status.RUNNING).exists()
    staff_client = client_as(staff)
    page = staff_client.get(reverse("riskmgmt:screening")).content.decode()
    rerun = reverse("riskmgmt:screening_rescreen", args=[release.public_id])
    assert f'action="{rerun}"' in page and "status-failed" in page
    assert staff_client.post(rerun).status_code == 302
    again = _finished_job("riskmgmt.rescreen_registry", f"release:{release.pk}")
    runs, pairs, _flags = _screening_outcome(release, harbin, researcher)
    assert (again.pk != job.pk, again.state) == (True, "done"), again.last_error
    assert runs.get(status="done").new_hits == len(pairs) >= 1


# --- Exports ------------------------------------------------------------------------------------


@pytest.fixture
def worker_storage(settings, tmp_path):
    """The test's private storage is the worker's (uploads it reads, files it builds)."""
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "var" / "private")}}}


def _request_export(user):
    import tests.integration.outbox_kinds  # noqa: F401  (the faulty exporter, here too)
    from portal import services

    with transaction.atomic():
        return services.generated_file_request(user=user, exporter="tests.faulty",
                                               params={"format": "csv", "steps": 10})


def _file_when_finished(gf):
    from portal.models import GeneratedFile

    assert wait_for(lambda: GeneratedFile.objects.get(pk=gf.pk).is_finished, timeout=120)
    return GeneratedFile.objects.get(pk=gf.pk)


def test_a_database_fault_during_an_export_is_retried_and_the_file_is_built_once(
        redis, worker, worker_storage, researcher):
    worker.wait_once_at("export-rows")
    gf = _request_export(researcher)
    _terminate_at("export-rows")
    gf = _file_when_finished(gf)
    job = _finished_job("portal.build_file", f"file:{gf.pk}")
    lines = gf.file.open("rb").read().decode("utf-8-sig").splitlines()
    assert (gf.status, job.attempts) == ("done", 2), gf.message
    assert [line.split(",")[0] for line in lines[1:]] == [str(i) for i in range(10)]


def test_an_export_that_keeps_losing_its_database_fails_with_a_retry_button_and_stops_polling(
        redis, worker, worker_storage, researcher, client_as):
    from django.utils import translation

    worker.fail_at("export-rows", times=3)  # all three attempts
    gf = _file_when_finished(_request_export(researcher))
    with translation.override("ja"):  # the worker writes in the portal's language
        told = translation.gettext(
            "The export failed. Please try again or contact the administrator.")
    assert (gf.status, gf.message) == ("failed", told)
    client = client_as(researcher)
    status = client.get(reverse("portal:file_detail", args=[gf.public_id]),
                        HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="file-retry"' in status and "hx-trigger" not in status
    assert client.post(reverse("portal:file_retry", args=[gf.public_id])).status_code == 302
    gf = _file_when_finished(gf)
    assert gf.status == "done", gf.message
    assert client.get(reverse("portal:file_download", args=[gf.public_id])).status_code == 200


# --- Roster imports -----------------------------------------------------------------------------

PEOPLE = ("email,family_name,given_name,family_name_en,given_name_en,employee_number,"
          "researcher_number,department_code,roles\n"
          + "".join(f"fault{i}@example.ac.jp,山田,{i}郎,,,,,ENG,researcher\n" for i in range(5)))
EMAILS = [f"fault{i}@example.ac.jp" for i in range(5)]


@pytest.fixture
def background_imports(worker_storage, monkeypatch):
    """Every step of an import run by the worker (not in the request, however small the
    file)."""
    from portal import imports

    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 0)
    return imports


def _upload_when(upload, *states):
    from portal.models import ImportUpload

    assert wait_for(lambda: ImportUpload.objects.get(pk=upload.pk).status in states, timeout=120)
    return ImportUpload.objects.get(pk=upload.pk)


def _page_of(client, upload) -> str:
    return client.get(reverse("portal:import_detail", args=[upload.public_id]),
                      HTTP_HX_REQUEST="true").content.decode()


def _start_roster(imports, admin_user):
    return imports.import_start(user=admin_user, kind="portal.roster", files={
        "people": SimpleUploadedFile("people.csv", PEOPLE.encode(), content_type="text/csv")})


def _told_to_try_again(page: str, imports) -> bool:
    return (str(imports.TRY_AGAIN) in page and 'data-testid="import-retry"' in page
            and "SELECT" not in page and "terminat" not in page)


def test_a_database_fault_while_a_roster_is_applied_imports_nothing_and_says_try_again(
        redis, worker, background_imports, admin_user, departments, client_as):
    from portal.models import AuditEntry, User

    imports = background_imports
    upload = _upload_when(_start_roster(imports, admin_user), "checked")
    worker.wait_once_at("roster-apply")
    imports.import_confirm(user=admin_user, upload=upload)
    _terminate_at("roster-apply")  # every row is written, inside the apply's transaction
    upload = _upload_when(upload, "failed", "invalid", "applied")
    client = client_as(admin_user)
    assert (upload.status, upload.message) == ("failed", str(imports.TRY_AGAIN))
    assert _told_to_try_again(_page_of(client, upload), imports)
    assert not User.objects.filter(email__in=EMAILS).exists()  # all or nothing
    assert client.post(reverse("portal:import_retry", args=[upload.public_id])).status_code == 302
    assert _upload_when(upload, "failed", "invalid", "applied").status == "applied"
    assert sorted(User.objects.filter(email__in=EMAILS).values_list("email", flat=True)) == EMAILS
    assert AuditEntry.objects.filter(action="portal.roster.imported").count() == 1


def test_a_database_fault_while_a_roster_is_checked_says_try_again_not_that_the_file_is_wrong(
        redis, worker, background_imports, admin_user, departments, client_as):
    imports = background_imports
    worker.wait_once_at("roster-check")
    upload = _start_roster(imports, admin_user)
    _terminate_at("roster-check")
    upload = _upload_when(upload, "failed", "invalid", "checked")
    client = client_as(admin_user)
    assert (upload.status, upload.message) == ("failed", str(imports.TRY_AGAIN))
    assert _told_to_try_again(_page_of(client, upload), imports)
    assert client.post(reverse("portal:import_retry", args=[upload.public_id])).status_code == 302
    assert _upload_when(upload, "failed", "invalid", "checked").status == "checked"
