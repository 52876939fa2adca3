"""Browser journey: an administrator answers the 令和6年度 survey, approves it, imports other
institutions' answers and exports Excel and PDF, downloading both from the progress page."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests import files

pytestmark = pytest.mark.e2e


PDF = files.PDF


@pytest.fixture
def reference_data(transactional_db):
    call_command("loaddata", "fixtures/institution_categories.json",
                 "fixtures/followup_question_sets.json", verbosity=0)


@pytest.fixture
def survey_data(reference_data, admin_user, home_institution):
    from followup import services

    services.regulation_upload(
        title="利益相反マネジメント規程", kind="coi", enacted_on="2022-04-01", revised_on=None,
        upload=SimpleUploadedFile("coi.pdf", PDF, "application/pdf"), actor=admin_user)
    return admin_user


def sign_in(page, user):
    """Like the shared ``login`` fixture, but submits the TOTP form with its primary button
    (the shared fixture clicks the last submit button, which on the 2FA page is "Cancel")."""
    from tests.factories import PASSWORD, totp_code_for

    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate" in page.url:
        page.fill("input[name=code]", totp_code_for(user))
        page.locator("[data-testid=mfa-authenticate-form] button.btn-primary").click()
        page.wait_for_load_state()


def test_admin_answers_approves_imports_and_exports(page, survey_data, tmp_path, settings):
    settings.PORTAL_FOUR_EYES_APPROVAL = False  # one administrator drafts and approves here
    from followup.models import SurveyResponse
    from followup.resources import csv_bytes

    admin = survey_data
    sign_in(page, admin)
    page.goto("/followup/")
    page.fill("input[name=fiscal_year]", "2024")
    page.locator("form[action$='/cycles/open/'] button[type=submit]").click()
    page.wait_for_url("**/followup/2024/")
    assert "令和6年度" in page.locator("h1").inner_text()

    page.get_by_test_id("edit-answers").click()
    page.wait_for_url("**/followup/2024/answers/")
    # The suggested evidence from the portal's own records is shown (Q2: the regulation).
    assert "利益相反マネジメント規程" in page.get_by_test_id("suggestions-q2").inner_text()
    for n, code in {1: 1, 2: 1, 3: 1, 4: 2, 5: 3, 6: 4, 7: 2}.items():
        page.check(f"input[name=q{n}-option][value='{code}']")
    page.check("input[name=q2-use_suggestions]")
    page.fill("textarea[name=q1-evidence]", "令和6年度 研究インテグリティ研修（120名参加）")
    page.get_by_test_id("save-answers").click()
    page.wait_for_url("**/followup/2024/")
    # Q3 is 実施している without evidence: the page warns.
    assert page.get_by_test_id("warning-q3").is_visible()
    assert page.get_by_test_id("warning-q1").count() == 0
    page.get_by_test_id("approve-confirm").check()
    page.get_by_test_id("approve").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("lock").is_visible()
    assert SurveyResponse.objects.get(institution__is_home=True).status == "approved"

    # Import other institutions' answers from a file: check first, then confirm.
    path = tmp_path / "others.csv"
    path.write_bytes(csv_bytes([
        ["F101110100010", "北海道大学", "国立大学", 2024, 1, 1, 1, 1, 2, 2, 1],
        ["F201110100019", "札幌医科大学", "公立大学", 2024, 1, 2, 3, 4, 5, 1, 2],
    ]))
    page.goto("/followup/import/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_test_id("import-check").click()
    page.wait_for_load_state()
    assert "2" in page.get_by_test_id("import-summary").inner_text()
    page.get_by_test_id("import-confirm").click()
    page.wait_for_load_state()
    assert SurveyResponse.objects.filter(source="imported").count() == 2

    # Results with charts, then the exports with their progress pages.
    page.goto("/followup/2024/results/")
    assert page.locator("svg.followup-chart").count() >= 3
    page.get_by_test_id("export-xlsx").click()
    page.wait_for_url("**/files/**")
    page.get_by_test_id("file-download").wait_for()
    with page.expect_download() as info:
        page.get_by_test_id("file-download").click()
    xlsx = tmp_path / "results.xlsx"
    info.value.save_as(xlsx)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    rows = list(wb["機関別データ"].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} >= {"F101110100010", "F201110100019"}
    assert len(wb["Q1"]._charts) == 1

    page.goto("/followup/2024/results/")
    page.get_by_test_id("export-pdf").click()
    page.wait_for_url("**/files/**")
    page.get_by_test_id("file-download").wait_for()
    with page.expect_download() as info:
        page.get_by_test_id("file-download").click()
    pdf = tmp_path / "results.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
