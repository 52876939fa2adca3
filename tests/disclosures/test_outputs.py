import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from disclosures import services
from disclosures.models import Attachment, DisclosureVersion, GrantPledge, ProgrammeItem
from portal.errors import ApplicationError, ValidationFailed
from portal.models import GeneratedFile
from tests import files
from tests.disclosures.factories import (
    accepted_disclosure,
    add_item,
    draft_for,
    equipment_gift,
    foreign_grant,
    open_campaign,
    org,
    side_job,
    submitted_disclosure,
)

pytestmark = pytest.mark.django_db


PDF = files.PDF
PNG = files.PNG


@pytest.fixture
def accepted(researcher, reviewer):
    add_item(researcher, "programme", ProgrammeItem(
        organisation=org("Foreign Talent Agency", country="CN"), programme_kind="talent",
        programme_name="Visiting Scholars Plan", country="CN"))
    return accepted_disclosure(
        researcher, reviewer,
        ("position", side_job(org("Acme Robotics Inc."), role="Technical adviser")),
        ("position", side_job(org("Royal Society"), role="Honorary fellow", paid=False,
                              remuneration_band="", is_honorary=True, effort_percent=None,
                              approved=False, approved_on=None)),
        ("funding", foreign_grant(org("US Science Foundation"), project_title="Quantum sensors",
                                  effort_percent=Decimal("20"))),
        ("funding", foreign_grant(None, under_confidentiality=True, project_title="",
                                  amount=None, currency="", programme="",
                                  effort_percent=Decimal("5"))),
    )


def test_application_lists_in_excel(client_as, researcher, accepted):
    services.pledge_record(disclosure=accepted.disclosure, actor=researcher,
                           programme="Kakenhi Kiban B", funder_name="JSPS",
                           pledged_on=dt.date(2025, 10, 1))
    response = client_as(researcher).get(reverse("disclosures:applications_xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    funds, positions, pledges = wb.worksheets
    fund_rows = [list(row) for row in funds.iter_rows(min_row=5, values_only=True)]
    assert any(r[0] == "US Science Foundation" and r[2] == "Quantum sensors" and r[8] == 20
               for r in fund_rows)
    assert any(r[8] == 5 and r[2] in ("", None) for r in fund_rows)  # confidential: effort only
    position_rows = list(positions.iter_rows(min_row=5, values_only=True))
    roles = {r[3] for r in position_rows}
    assert {"Technical adviser", "Honorary fellow", "Visiting Scholars Plan"} <= roles
    pledge_rows = list(pledges.iter_rows(min_row=5, values_only=True))
    assert pledge_rows[0][:3] == (dt.datetime(2025, 10, 1), "JSPS", "Kakenhi Kiban B")


def test_application_lists_in_pdf_with_japanese_text(client_as, researcher, accepted):
    response = client_as(researcher).get(reverse("disclosures:applications_pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Quantum sensors" in text and "Honorary fellow" in text
    assert "有栖" in text  # the researcher's name in Japanese, rendered with a CJK font


def test_application_lists_need_an_accepted_disclosure(client_as, researcher, staff):
    submitted_disclosure(researcher)
    assert client_as(researcher).get(reverse("disclosures:applications_xlsx")).status_code == 404
    assert client_as(staff).get(reverse("disclosures:applications_xlsx")).status_code == 403


def test_pledge_form_records_the_pledge(client_as, researcher, accepted):
    response = client_as(researcher).post(reverse("disclosures:applications"), {
        "funder_name": "JST", "programme": "CREST", "application_title": "New sensors",
        "pledged_on": "2025-11-01"})
    assert response.status_code == 302
    pledge = GrantPledge.objects.get()
    assert pledge.version == accepted and pledge.programme == "CREST"


def test_admin_export_of_all_disclosures(researcher, other_researcher, admin_user, accepted,
                                         django_capture_on_commit_callbacks):
    from portal.services import generated_file_request

    submitted_disclosure(other_researcher, ("support", equipment_gift(org("Gift Co"))))
    with django_capture_on_commit_callbacks(execute=True):
        gf = generated_file_request(user=admin_user, exporter="disclosures.all",
                                    params={"format": "xlsx"})
    gf.refresh_from_db()
    assert gf.status == GeneratedFile.Status.DONE, gf.message
    wb = load_workbook(io.BytesIO(gf.file.read()))
    rows = list(wb.active.iter_rows(values_only=True))
    emails = {r[1] for r in rows[1:]}
    assert emails == {"alice@example.ac.jp", "bob@example.ac.jp"}
    assert any(r[10] == "Gift Co" for r in rows)
    assert any(r[10] == "US Science Foundation" for r in rows)


def test_export_view_is_for_administrators_only(client_as, personas):
    url = reverse("disclosures:export_all")
    statuses = {n: client_as(personas[n]).post(url).status_code
                for n in ("researcher", "reviewer", "staff", "admin")}
    assert statuses == {"researcher": 403, "reviewer": 403, "staff": 403, "admin": 302}


def test_attachments_are_sniffed_and_size_limited(researcher, settings):
    draft = draft_for(researcher)
    with pytest.raises(ValidationFailed):
        services.attachment_add(version=draft, actor=researcher, uploaded_file=SimpleUploadedFile(
            "evil.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf"))
    settings.PORTAL_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationFailed):
        services.attachment_add(version=draft, actor=researcher,
                                uploaded_file=SimpleUploadedFile("big.pdf", PDF))
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024 * 1024
    a = services.attachment_add(version=draft, actor=researcher,
                                uploaded_file=SimpleUploadedFile("contract.pdf", PDF))
    b = services.attachment_add(version=draft, actor=researcher,
                                uploaded_file=SimpleUploadedFile("approval.png", PNG))
    assert (a.mimetype, b.mimetype) == ("application/pdf", "image/png")
    assert "contract" not in a.file.name  # stored under a random name in private storage


def test_attachment_download_is_permission_checked(client_as, personas, researcher):
    draft = draft_for(researcher)
    attachment = services.attachment_add(version=draft, actor=researcher,
                                         uploaded_file=SimpleUploadedFile("contract.pdf", PDF))
    url = reverse("disclosures:attachment_download", args=[attachment.public_id])
    # While a draft, only the researcher downloads it.
    draft_statuses = {n: client_as(personas[n]).get(url).status_code
                      for n in ("researcher", "other_researcher", "reviewer", "staff")}
    assert draft_statuses == {"researcher": 200, "other_researcher": 404, "reviewer": 404,
                              "staff": 404}
    services.version_submit(version=draft, actor=researcher, attest=True)
    statuses = {n: client_as(personas[n]).get(url).status_code
                for n in ("researcher", "other_researcher", "reviewer", "staff", "admin",
                          "outsider")}
    assert statuses == {"researcher": 200, "other_researcher": 404, "reviewer": 200,
                        "staff": 200, "admin": 200, "outsider": 403}
    response = client_as(researcher).get(url)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"


def test_attachments_follow_the_items_into_the_next_version(researcher, reviewer):
    item = add_item(researcher, "contract", __import__("disclosures.models", fromlist=["x"])
                    .ContractItem(organisation=org(), contract_type="joint_research"))
    draft = draft_for(researcher)
    services.attachment_add(version=draft, actor=researcher, item_key=item.item_key,
                            section="contract",
                            uploaded_file=SimpleUploadedFile("contract.pdf", PDF))
    v1 = services.version_submit(version=draft, actor=researcher, attest=True)
    services.version_accept(version=v1, actor=reviewer)
    v2 = draft_for(researcher)
    copy = Attachment.objects.get(version=v2)
    assert copy.item_key == item.item_key and copy.file.read() == PDF


def test_no_change_confirmation_in_one_step(researcher, reviewer, admin_user,
                                            django_capture_on_commit_callbacks):
    v1 = accepted_disclosure(researcher, reviewer, ("position", side_job(org())))
    disclosure = v1.disclosure
    with pytest.raises(ApplicationError):  # no campaign open
        services.no_change_confirm(disclosure=disclosure, actor=researcher, attest=True)
    campaign = open_campaign(admin_user)
    with pytest.raises(ValidationFailed):
        services.no_change_confirm(disclosure=disclosure, actor=researcher, attest=False)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.no_change_confirm(disclosure=disclosure, actor=researcher,
                                             attest=True)
    assert version.kind == DisclosureVersion.Kind.NO_CHANGE and version.campaign == campaign
    assert version.status == "accepted" and version.number == 2
    strip = {k: [{**i, "id": None} for i in items] for k, items in v1.content["sections"].items()}
    same = {k: [{**i, "id": None} for i in items]
            for k, items in version.content["sections"].items()}
    assert strip == same
    with pytest.raises(ApplicationError):
        services.no_change_confirm(disclosure=disclosure, actor=researcher, attest=True)


def test_no_change_is_refused_without_an_accepted_disclosure(researcher, admin_user):
    open_campaign(admin_user)
    draft = draft_for(researcher)
    with pytest.raises(ApplicationError):
        services.no_change_confirm(disclosure=draft.disclosure, actor=researcher, attest=True)


def test_campaign_opening_sends_the_signal_and_progress_counts(
        admin_user, staff, researcher, other_researcher, reviewer,
        django_capture_on_commit_callbacks):
    from disclosures import signals
    from disclosures.selectors import campaign_progress

    opened = []

    def listener(sender, campaign, **kwargs):
        opened.append(campaign.fiscal_year)

    accepted_disclosure(researcher, reviewer, ("position", side_job(org())))
    signals.campaign_opened.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            campaign = open_campaign(admin_user)
    finally:
        signals.campaign_opened.disconnect(listener)
    assert opened == [2025]
    with pytest.raises(ValidationFailed):
        open_campaign(admin_user, fiscal_year=2025)
    disclosure = researcher.disclosure
    services.no_change_confirm(disclosure=disclosure, actor=researcher, attest=True)
    submitted_disclosure(other_researcher, ("position", side_job(org())))
    progress = campaign_progress(user=staff, campaign=campaign)
    totals = progress["totals"]
    # researcher: confirmed; other_researcher: updated; reviewer (also a researcher): not started
    assert (totals["confirmed"], totals["updated"], totals["not_started"]) == (1, 1, 1)
    by_dept = {str(r["department"].code): r for r in progress["rows"]}
    assert by_dept["ENG-MECH"]["confirmed"] == 1 and by_dept["SCI-CHEM"]["updated"] == 1


def test_campaign_progress_page_polls_with_htmx(client_as, admin_user, staff):
    campaign = open_campaign(admin_user)
    url = reverse("disclosures:campaign_detail", args=[campaign.public_id])
    page = client_as(staff).get(url).content.decode()
    assert 'hx-trigger="every 10s"' in page
    partial = client_as(staff).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "campaign-progress" in partial


def test_upload_page_attaches_files_and_refuses_other_types(client_as, researcher):
    draft = draft_for(researcher)
    item = add_item(researcher, "position", side_job(org()))
    client = client_as(researcher)
    url = reverse("disclosures:attachment_upload")
    client.post(url, {"file": SimpleUploadedFile("approval.pdf", PDF),
                      "item_key": str(item.item_key), "description": "兼業許可書"})
    client.post(url, {"file": SimpleUploadedFile("notes.txt", b"plain text")})
    [attachment] = Attachment.objects.filter(version=draft)
    assert attachment.item_key == item.item_key and attachment.description == "兼業許可書"
    page = client.get(reverse("disclosures:edit")).content.decode()
    assert "approval.pdf" in page


def test_staff_reading_the_diff_is_logged(client_as, researcher, reviewer, staff):
    from portal.models import AuditEntry

    v1 = accepted_disclosure(researcher, reviewer, ("position", side_job(org())))
    add_item(researcher, "position", side_job(org("Another Co"), effort_percent=None))
    submitted_disclosure(researcher)
    response = client_as(staff).get(reverse("disclosures:diff", args=[v1.disclosure.public_id]))
    assert response.status_code == 200 and "Another Co" in response.content.decode()
    assert AuditEntry.objects.filter(action="disclosures.disclosure.viewed", actor=staff).exists()


def test_export_of_all_disclosures_takes_each_latest_submitted_version_chunk_by_chunk(
        researcher, other_researcher, reviewer, admin_user, accepted, monkeypatch):
    from disclosures.exports import AllDisclosuresExporter

    # Version 2 of the researcher's disclosure adds a gift; a later draft adds another that is
    # not submitted. The other researcher has a disclosure but never submitted it.
    services.version_accept(actor=reviewer, version=submitted_disclosure(
        researcher, ("support", equipment_gift(org("Submitted Gift Co")))))
    add_item(researcher, "support", equipment_gift(org("Draft Only Co")))
    draft_for(other_researcher)
    monkeypatch.setattr(AllDisclosuresExporter, "chunk_size", 1)
    progress = []
    rows = list(AllDisclosuresExporter().rows({}, user=admin_user,
                                              progress=lambda *a: progress.append(a)))
    mine = [r for r in rows if r[1] == researcher.email]
    assert {r[4] for r in mine} == {2}
    orgs = {r[10] for r in mine}
    assert {"Submitted Gift Co", "US Science Foundation"} <= orgs and "Draft Only Co" not in orgs
    theirs = [r for r in rows if r[1] == other_researcher.email]
    assert len(theirs) == 1 and theirs[0][5] == "未提出"
