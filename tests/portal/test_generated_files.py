"""Generated files: request an export → background build → progress page → owner download;
expired files are refused; spreadsheet cells are guarded against formula injection."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import exports, services
from portal.errors import NotAllowed
from portal.models import AuditEntry, GeneratedFile

pytestmark = pytest.mark.django_db

DANGEROUS = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "plain"]


@exports.register
class TinyExporter(exports.ListExporter):
    """A test exporter: three rows, one of them with formula-like text."""

    identifier = "tests.tiny"
    verbose_name = "Tiny export"
    permission = "portal.files.view_own"
    filename_stem = "tiny"

    def headers(self, params):
        return ["name", "value"]

    def rows(self, params, *, user, progress):
        for i, text in enumerate(DANGEROUS):
            progress(int(100 * i / len(DANGEROUS)), f"row {i}")
            yield [text, i]


@exports.register
class AdminOnlyExporter(TinyExporter):
    identifier = "tests.admin_only"
    permission = "portal.roster.import"


@exports.register
class BrokenExporter(TinyExporter):
    identifier = "tests.broken"

    def rows(self, params, *, user, progress):
        raise RuntimeError("boom")


@pytest.fixture
def request_file(django_capture_on_commit_callbacks):
    """Request an export and run the build task queued on commit (eager Celery)."""

    def do(user, exporter="tests.tiny", **params):
        with django_capture_on_commit_callbacks(execute=True):
            gf = services.generated_file_request(user=user, exporter=exporter, params=params)
        gf.refresh_from_db()
        return gf

    return do


def _download(client, gf):
    response = client.get(reverse("portal:file_download", args=[gf.public_id]))
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


def test_request_build_progress_and_download_by_the_owner(client_as, researcher, other_researcher, request_file):
    gf = request_file(researcher, "tests.tiny", format="csv")
    gf.refresh_from_db()
    assert gf.status == GeneratedFile.Status.DONE and gf.progress == 100
    assert gf.filename.startswith("tiny-") and gf.filename.endswith(".csv")
    client = client_as(researcher)
    page = client.get(reverse("portal:file_detail", args=[gf.public_id]))
    assert page.status_code == 200 and 'data-testid="file-download"' in page.content.decode()
    partial = client.get(reverse("portal:file_detail", args=[gf.public_id]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and 'id="file-status"' in partial.content.decode()
    response, body = _download(client, gf)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["name", "value"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2+3", "'@SUM(A1)", "plain"]
    assert _download(client_as(other_researcher), gf)[0].status_code == 404
    actions = set(AuditEntry.objects.filter(object_id=str(gf.pk)).values_list("action", flat=True))
    assert {"portal.generated_file.requested", "portal.generated_file.built",
            "portal.generated_file.downloaded"} <= actions


def test_xlsx_cells_are_guarded_against_formulas(client_as, researcher, request_file):
    from openpyxl import load_workbook

    gf = request_file(researcher, "tests.tiny", format="xlsx")
    _response, body = _download(client_as(researcher), GeneratedFile.objects.get(pk=gf.pk))
    ws = load_workbook(io.BytesIO(body)).active
    values = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert values == ["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2+3", "'@SUM(A1)", "plain"]
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def test_a_pending_file_shows_progress_and_polls(client_as, researcher):
    gf = GeneratedFile.objects.create(owner=researcher, exporter="tests.tiny", title="Tiny export",
                                      status=GeneratedFile.Status.RUNNING, progress=40)
    html = client_as(researcher).get(reverse("portal:file_detail", args=[gf.public_id])).content.decode()
    assert 'value="40"' in html and "hx-get" in html and 'hx-trigger="every 1s"' in html
    assert client_as(researcher).get(reverse("portal:file_download", args=[gf.public_id])).status_code == 404


def test_expired_file_cannot_be_downloaded(client_as, researcher, request_file):
    gf = request_file(researcher, "tests.tiny", format="csv")
    GeneratedFile.objects.filter(pk=gf.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client_as(researcher).get(reverse("portal:file_download", args=[gf.public_id])).status_code == 404
    assert services.generated_files_purge_expired() == 1
    assert not GeneratedFile.objects.filter(pk=gf.pk).exists()


def test_an_export_the_user_may_not_run_is_refused(researcher):
    with pytest.raises(NotAllowed):
        services.generated_file_request(user=researcher, exporter="tests.admin_only")


def _run_out_the_attempts(gf):
    """Run the file's build job again until it has no attempt left (as the sweep would)."""
    from portal.outbox import services as outbox
    from portal.outbox.models import Job

    job = Job.objects.get(kind="portal.build_file", key=f"file:{gf.pk}", state__in=Job.OPEN)
    while job.state == Job.State.PENDING:
        Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
        outbox.job_run(job.pk)
        job.refresh_from_db()
    gf.refresh_from_db()
    return job


def test_a_crashing_export_is_tried_again_before_it_is_shown_failed(researcher, request_file):
    from portal.outbox.models import Job

    gf = request_file(researcher, "tests.broken", format="csv")
    job = Job.objects.get(kind="portal.build_file")
    assert (gf.is_finished, job.state, job.attempts) == (False, "pending", 1)


def test_a_failing_export_ends_failed_with_a_message(client_as, researcher, request_file):
    gf = request_file(researcher, "tests.broken", format="csv")
    job = _run_out_the_attempts(gf)
    assert (gf.status, job.state, job.attempts) == (GeneratedFile.Status.FAILED, "failed", 3)
    assert gf.message and "boom" not in gf.message


def test_a_failed_file_shows_a_retry_button_and_stops_polling(client_as, researcher, request_file):
    gf = request_file(researcher, "tests.broken", format="csv")
    _run_out_the_attempts(gf)
    html = client_as(researcher).get(reverse("portal:file_detail", args=[gf.public_id]),
                                     HTTP_HX_REQUEST="true").content.decode()
    assert ('data-testid="file-retry"' in html, "hx-trigger" in html) == (True, False)


def test_the_retry_button_builds_the_file_again(client_as, researcher, request_file,
                                                django_capture_on_commit_callbacks, monkeypatch):
    gf = request_file(researcher, "tests.broken", format="csv")
    _run_out_the_attempts(gf)
    monkeypatch.setattr(BrokenExporter, "rows", TinyExporter.rows)  # the fault has passed
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(researcher).post(reverse("portal:file_retry", args=[gf.public_id]))
    gf.refresh_from_db()
    assert (response.status_code, gf.status) == (302, GeneratedFile.Status.DONE)


def test_only_the_owner_can_retry_a_file(client_as, researcher, other_researcher, request_file):
    gf = request_file(researcher, "tests.broken", format="csv")
    _run_out_the_attempts(gf)
    response = client_as(other_researcher).post(reverse("portal:file_retry", args=[gf.public_id]))
    assert response.status_code == 404


def test_a_file_requested_while_the_broker_is_down_is_built_by_the_sweep(researcher, request_file):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from portal.outbox import services as outbox

    with mock.patch("celery.app.task.Task.apply_async", side_effect=OperationalError("down")):
        gf = request_file(researcher, "tests.tiny", format="csv")
    assert gf.status == GeneratedFile.Status.PENDING
    outbox.sweep()
    gf.refresh_from_db()
    assert gf.status == GeneratedFile.Status.DONE


def test_permission_is_checked_again_when_the_task_runs(researcher, admin_user):
    gf = GeneratedFile.objects.create(owner=researcher, exporter="tests.admin_only", title="x")
    services.generated_file_build(file_id=gf.pk)
    gf.refresh_from_db()
    assert gf.status == GeneratedFile.Status.FAILED
    assert AuditEntry.objects.filter(action="portal.generated_file.refused", object_id=str(gf.pk)).exists()


def test_file_list_shows_only_own_files_except_for_administrators(client_as, researcher, other_researcher, admin_user, request_file):
    mine = request_file(researcher, "tests.tiny", format="csv")
    theirs = request_file(other_researcher, "tests.tiny", format="csv")
    html = client_as(researcher).get(reverse("portal:file_list")).content.decode()
    assert str(mine.public_id) in html and str(theirs.public_id) not in html
    html = client_as(admin_user).get(reverse("portal:file_list")).content.decode()
    assert str(mine.public_id) in html and str(theirs.public_id) in html


@exports.register
class LanguageExporter(TinyExporter):
    """Writes the active language into its file name and a translated word into its rows."""

    identifier = "tests.language"

    def rows(self, params, *, user, progress):
        from django.utils.translation import get_language, gettext

        yield [get_language(), gettext("Ready")]


def test_a_file_is_built_in_the_language_its_requester_was_reading(researcher, request_file):
    from django.utils import translation

    researcher.language = "ja"  # the profile says Japanese; the page was read in English
    researcher.save(update_fields=["language"])
    with translation.override("en"):
        gf = request_file(researcher, "tests.language", format="csv")
    assert gf.language == "en"
    rows = list(csv.reader(io.StringIO(gf.file.read().decode("utf-8-sig"))))
    assert rows[1] == ["en", "Ready"]


def test_a_file_requested_in_japanese_is_built_in_japanese_even_by_an_english_worker(
        researcher, request_file):
    from django.utils import translation

    with translation.override("ja"):
        gf = services.generated_file_request(user=researcher, exporter="tests.language",
                                             params={"format": "csv"})
    with translation.override("en"):  # the worker's own default
        services.generated_file_build(file_id=gf.pk)
    gf.refresh_from_db()
    rows = list(csv.reader(io.StringIO(gf.file.read().decode("utf-8-sig"))))
    assert rows[1] == ["ja", "完了"]
