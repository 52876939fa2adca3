"""Browser journeys: background work that failed tells the truth and can be run again.

* A researcher's export failed for good (its job ran out of attempts): the progress page says
  "failed" with the reason and a retry button; the researcher retries, the page polls while
  the job waits, stops polling when the worker (here: the outbox job run in-process) has built
  the file, and offers the download.
* The registry's re-screening against a list release failed: the research office sees it
  failed on the screening page, clicks "re-screen now", and sees it done with its hit count.
"""

import re

import pytest
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal import exports
from portal.outbox import services as outbox
from portal.outbox.models import Job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DISK_FULL = {"on": True}


class FlakyExporter(exports.ListExporter):
    """An export whose disk is full while ``DISK_FULL["on"]``."""

    identifier = "tests.e2e_flaky"
    verbose_name = "Test export"
    permission = "portal.files.view_own"
    filename_stem = "flaky"

    def headers(self, params):
        return ["n"]

    def rows(self, params, *, user, progress):
        if DISK_FULL["on"]:
            raise OSError("the disk is full")
        yield [1]


@pytest.fixture
def flaky_exporter():
    exports.register(FlakyExporter)
    DISK_FULL["on"] = True
    yield FlakyExporter
    exports._EXPORTERS.pop(FlakyExporter.identifier, None)


def _run_out_of_attempts(job_filter) -> Job:
    """Run the job (in-process, as a worker would) until its attempts are used up."""
    job = Job.objects.get(**job_filter)
    while job.is_open:
        Job.objects.filter(pk=job.pk).update(run_after=timezone.now())  # its back-off is over
        outbox.job_run(job.pk)
        job.refresh_from_db()
    return job


def _htmx_bound(page, selector: str) -> None:
    page.wait_for_function("el => el['htmx-internal-data'] !== undefined",
                           arg=page.locator(selector).element_handle())


def test_a_failed_export_offers_a_retry_and_the_page_stops_polling_when_the_file_is_built(
        page, login, researcher, flaky_exporter, monkeypatch):
    from portal import services
    from portal.models import GeneratedFile

    with transaction.atomic():  # the bell rings after the commit; the job runs in-process
        gf = services.generated_file_request(user=researcher, exporter=FlakyExporter.identifier,
                                             params={"format": "csv"})
    job = _run_out_of_attempts({"kind": "portal.build_file", "key": f"file:{gf.pk}"})
    gf.refresh_from_db()
    assert (job.state, gf.status) == ("failed", "failed")

    login(page, researcher)
    page.goto(reverse("portal:file_detail", args=[gf.public_id]))
    status = page.locator("#file-status")
    expect(page.get_by_test_id("file-status")).to_have_class(re.compile(r"\bstatus-failed\b"))
    expect(status).to_contain_text(gf.message)
    expect(status).not_to_have_attribute("hx-trigger", re.compile(".*"))  # not polling

    DISK_FULL["on"] = False  # the disk has room again
    # The bell does not ring (as if the broker were busy): the page polls while the job waits.
    monkeypatch.setattr(outbox, "ring", lambda *args, **kwargs: False)
    page.get_by_test_id("file-retry").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("file-status")).not_to_have_class(re.compile(r"\bstatus-failed\b"))
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    _htmx_bound(page, "#file-status")
    retried = Job.objects.get(kind="portal.build_file", key=f"file:{gf.pk}", state="pending")
    assert outbox.job_run(retried.pk) == "done"  # the worker builds it

    download = page.get_by_test_id("file-download")
    expect(download).to_be_visible()  # swapped in by the polling
    expect(page.locator("#file-status")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    with page.expect_download() as got:
        download.click()
    assert got.value.suggested_filename == GeneratedFile.objects.get(pk=gf.pk).filename


def test_staff_re_screen_a_failed_re_screening_from_the_screening_page_and_see_its_hits(
        page, login, staff, researcher, monkeypatch):
    from riskmgmt import services as riskmgmt
    from riskmgmt.models import ScreeningHit, ScreeningRun
    from tests.riskmgmt import factories as f

    harbin = f.org("Harbin Institute of Technology", country="CN")
    f.position(f.version(researcher), harbin)
    real = riskmgmt._registry_names

    def lost():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(riskmgmt, "_registry_names", lost)
    with transaction.atomic():  # the release and its re-screening commit together
        release = f.import_list(rescreen=True)
    job = _run_out_of_attempts({"kind": "riskmgmt.rescreen_registry",
                                "key": f"release:{release.pk}"})
    assert job.state == "failed"
    monkeypatch.setattr(riskmgmt, "_registry_names", real)  # the database is back

    login(page, staff)
    page.goto(reverse("riskmgmt:screening"))
    rescreen = page.get_by_test_id(f"rescreen-{release.screening_list_id}")
    expect(rescreen.locator(".status")).to_have_class(re.compile(r"\bstatus-failed\b"))
    expect(rescreen).to_contain_text("server closed the connection unexpectedly")
    # 今すぐ再スクリーニング (its form follows the status: a <form> cannot sit inside the <p>)
    rerun = reverse("riskmgmt:screening_rescreen", args=[release.public_id])
    page.locator(f"form[action='{rerun}']").get_by_role("button").click()
    page.wait_for_load_state()

    rescreen = page.get_by_test_id(f"rescreen-{release.screening_list_id}")
    expect(rescreen.locator(".status")).to_have_class(re.compile(r"\bstatus-done\b"))
    run = ScreeningRun.objects.get(kind=ScreeningRun.Kind.REGISTRY, release=release,
                                   status=ScreeningRun.Status.DONE)
    hits = ScreeningHit.objects.filter(run=run).count()
    assert hits >= 1
    row = page.locator("#runs-h + table tbody tr", has=page.locator(".status-done")).first
    expect(row.locator("td").last).to_have_text(str(hits))
