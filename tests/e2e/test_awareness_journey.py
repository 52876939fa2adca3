"""Browser journey: the office records a training and imports its attendance; a researcher fills
the researcher checklist (one answer opens a risk case) and finds a case study by a Japanese word."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests import files

pytestmark = pytest.mark.e2e


PDF = files.PDF


@pytest.fixture
def reference_data(transactional_db):
    call_command("loaddata", "fixtures/awareness_risk_types.json",
                 "fixtures/awareness_checklists.json", "fixtures/awareness_case_studies.json",
                 verbosity=0)


def sign_in(page, user):
    """Sign in through the real forms; staff answer the TOTP step with its primary button."""
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


def upload(page, name, content, mime="text/csv"):
    page.set_input_files("input[name=file]", files=[
        {"name": name, "mimeType": mime, "buffer": content}])


def test_training_attendance_checklist_case_and_case_library(page, reference_data, staff,
                                                              researcher, other_researcher):
    from followup.awareness.models import Attendance, AwarenessActivity
    from portal.fiscal import fiscal_year_of
    from riskmgmt.models import Case

    other_researcher.employee_number = "E2002"
    other_researcher.save()

    # --- the office records a training ---
    sign_in(page, staff)
    page.goto("/awareness/activities/new/")
    page.select_option("select[name=kind]", "training")
    page.fill("input[name=title]", "研究インテグリティ研修（工学系）")
    page.fill("input[name=date]", f"{fiscal_year_of()}-06-12")
    page.select_option("select[name=audience]", "researchers")
    page.check("input[name=is_required]")
    page.fill("textarea[name=description]", "外国機関との契約と兼業の届出について")
    page.locator("form.aw-form button[type=submit]").click()
    page.wait_for_url("**/awareness/activities/*/")
    assert "研究インテグリティ研修（工学系）" in page.locator("h1").inner_text()
    upload(page, "slides.pdf", PDF, "application/pdf")
    page.locator("form[action$='/materials/'] button[type=submit]").click()
    expect(page.get_by_role("link", name="slides.pdf")).to_be_visible()

    # --- attendance: a bad file is refused with the line, a good one is imported ---
    page.get_by_role("link", name="出席の取り込み").click()
    upload(page, "attendance.csv",
           "メールアドレス,職員番号,出席\nalice@example.ac.jp,,出席\nghost@example.ac.jp,,出席\n"
           .encode("utf-8-sig"))
    page.locator("button[name=confirm][value='0']").click()
    page.wait_for_url("**/imports/**")
    report = page.locator("#aw-import-report")
    expect(report).to_contain_text("ghost@example.ac.jp")
    assert page.get_by_test_id("attendance-confirm").count() == 0
    page.get_by_test_id("import-back").click()
    page.wait_for_url("**/attendance/import/")
    upload(page, "attendance.csv",
           "メールアドレス,職員番号,出席\nalice@example.ac.jp,,出席\n,E2002,○\n".encode("utf-8-sig"))
    page.locator("button[name=confirm][value='0']").click()
    page.wait_for_url("**/imports/**")
    expect(page.get_by_test_id("attendance-confirm")).to_be_visible()
    assert Attendance.objects.count() == 0
    page.get_by_test_id("attendance-confirm").click()
    page.wait_for_url("**/awareness/activities/*/")
    activity = AwarenessActivity.objects.get(title="研究インテグリティ研修（工学系）")
    assert set(Attendance.objects.filter(activity=activity).values_list("user__email", flat=True)) \
        == {"alice@example.ac.jp", "bob@example.ac.jp"}
    assert "alice@example.ac.jp" in page.locator("#aw-attendance ~ div table, section:has(#aw-attendance)").first.inner_text()
    page.context.clear_cookies()

    # --- a researcher fills the researcher checklist; one answer opens a case ---
    sign_in(page, researcher)
    page.goto("/awareness/")
    page.get_by_role("link", name="研究インテグリティ・セルフチェック（研究者用）").first.click()
    page.wait_for_url("**/fill/")
    for fieldset in page.locator("fieldset.aw-question").all():
        key = fieldset.get_attribute("data-key")
        if fieldset.locator("input[type=radio]").count() == 0:
            fieldset.locator("textarea").fill("特になし")
            continue
        # answer "no risk" everywhere except the talent programme question
        value = {"contract-results-terms": "no", "talent-programme": "yes"}.get(key, "yes")
        fieldset.locator(f"input[type=radio][value={value}]").check()
    page.fill("fieldset[data-key=talent-programme] textarea", "昨年度に打診を受けたが未回答")
    page.locator("button[name=submit]").click()
    page.wait_for_url("**/awareness/responses/*/")
    assert page.locator("tr.aw-risk").count() == 1
    assert "人材登用" in page.locator("tr.aw-risk").inner_text()
    case = Case.objects.get(researcher=researcher)
    assert case.concern == "talent_programme"

    # --- and finds a case study by searching a Japanese word ---
    page.goto("/awareness/cases/")
    page.fill("input[name=q]", "兼業")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    results = page.locator("#aw-case-results")
    # the results are swapped in by htmx: wait until the other cases are gone
    expect(results).not_to_contain_text("共同研究契約に")
    expect(results.get_by_role("link", name="海外の研究機関での「客員教授」就任が届け出られていなかった")).to_be_visible()
    results.get_by_role("link", name="海外の研究機関での「客員教授」就任が届け出られていなかった").click()
    page.wait_for_url("**/awareness/cases/*/")
    assert "客員教授" in page.locator("h1").inner_text()
