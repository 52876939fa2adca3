"""Re-screening after a list import goes through the outbox; staff see its state and re-run it."""

import pytest
from django.db import OperationalError, transaction
from django.urls import reverse

from portal.outbox.models import Job
from riskmgmt import services
from riskmgmt.models import ScreeningRun
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db


def _registry_run():
    return ScreeningRun.objects.get(kind=ScreeningRun.Kind.REGISTRY)


def _import(django_capture_on_commit_callbacks):
    f.org("Harbin Institute of Technology", country="CN")
    with django_capture_on_commit_callbacks(execute=True):
        return f.import_list(rescreen=True)


def test_an_import_records_the_re_screening_with_the_release(django_capture_on_commit_callbacks):
    release = _import(django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="riskmgmt.rescreen_registry")
    assert (job.key, job.state, _registry_run().status) == (
        f"release:{release.pk}", "done", "done")


def test_an_import_rolled_back_leaves_no_re_screening():
    with pytest.raises(RuntimeError), transaction.atomic():
        f.import_list(rescreen=True)
        raise RuntimeError("the import failed")
    assert not Job.objects.exists()


def test_a_database_fault_during_re_screening_is_retried(django_capture_on_commit_callbacks,
                                                        monkeypatch):
    def lost(*a, **k):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_registry_names", lost)
    _import(django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="riskmgmt.rescreen_registry")
    assert (job.state, job.attempts, _registry_run().status) == ("pending", 1, "failed")


def test_the_page_shows_a_failed_re_screening_and_staff_run_it_again(
        client_as, staff, django_capture_on_commit_callbacks):
    release = _import(django_capture_on_commit_callbacks)
    Job.objects.filter(kind="riskmgmt.rescreen_registry").update(
        state="failed", last_error="OperationalError: connection lost")
    page = client_as(staff).get(reverse("riskmgmt:screening")).content.decode()
    rerun = reverse("riskmgmt:screening_rescreen", args=[release.public_id])
    assert ("connection lost" in page, f'action="{rerun}"' in page) == (True, True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(staff).post(reverse("riskmgmt:screening_rescreen",
                                                 args=[release.public_id]))
    runs = Job.objects.filter(kind="riskmgmt.rescreen_registry", state="done").count()
    assert (response.status_code, runs) == (302, 1)


def test_a_failed_re_screening_is_told_in_words_with_the_error_kept_as_a_detail(
        client_as, staff, django_capture_on_commit_callbacks):
    _import(django_capture_on_commit_callbacks)
    Job.objects.filter(kind="riskmgmt.rescreen_registry").update(
        state="failed", attempts=3, last_error="OperationalError: connection lost")
    page = client_as(staff).get(reverse("riskmgmt:screening")).content.decode()
    told = page.index("3回試みて失敗しました。もう一度実行できます。")
    detail = page.index("<summary>技術的な詳細</summary><code>OperationalError")
    assert told < detail


def test_a_researcher_cannot_start_a_re_screening(client_as, researcher,
                                                  django_capture_on_commit_callbacks):
    release = _import(django_capture_on_commit_callbacks)
    response = client_as(researcher).post(reverse("riskmgmt:screening_rescreen",
                                                  args=[release.public_id]))
    assert response.status_code == 403


def test_the_screening_page_reads_the_jobs_in_one_query(client_as, staff,
                                                        django_capture_on_commit_callbacks,
                                                        django_assert_max_num_queries):
    _import(django_capture_on_commit_callbacks)
    client = client_as(staff)
    client.get(reverse("riskmgmt:screening"))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("riskmgmt:screening")).status_code == 200
