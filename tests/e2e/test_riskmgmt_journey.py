"""Browser journey: a researcher discloses funding from a funder on the imported screening list;
the research office finds the case in the queue, assesses it, adds a mitigation measure with an
owner and a due date, asks the researcher a question; the researcher answers in the portal; the
office sees the answer and closes the case."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from riskmgmt.models import Case
from tests.e2e.journeys import fill_listed_funding
from tests.riskmgmt import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_flagged_funder_becomes_a_case_that_staff_assess_mitigate_ask_and_close(
        page, login, browser, live_server, researcher, staff):
    f.import_list()  # Harbin Institute of Technology is on the list

    # The researcher discloses a grant from the listed funder and submits.
    login(page, researcher)
    page.goto("/disclosures/mine/")
    page.get_by_test_id("start-disclosure").click()
    page.wait_for_load_state()
    page.goto("/disclosures/edit/funding/new/")
    form = page.get_by_test_id("item-form-funding")
    fill_listed_funding(form)
    page.get_by_test_id("save-funding").click()
    expect(page.locator("#section-funding [data-testid=item]")).to_have_count(1)  # saved
    page.goto("/disclosures/edit/submit/")
    page.locator("input[name='attest']").check()
    page.get_by_test_id("submit-disclosure").click()
    page.wait_for_load_state()
    case = Case.objects.get(researcher=researcher, concern="screening_match")

    # The office sees the case in the queue and opens it.
    office = browser.new_context(base_url=live_server.url, locale="ja-JP",
                                 viewport={"width": 1280, "height": 900})
    office.set_default_timeout(15000)
    spage = office.new_page()
    login(spage, staff)
    spage.goto("/risk/?q=alice")
    queue = spage.get_by_test_id("case-queue")
    queue.get_by_role("link", name=case.reference).click()
    spage.wait_for_load_state()
    assert "Harbin Institute of Technology" in spage.get_by_test_id("flag").first.inner_text()

    # Assess: likelihood 4 × impact 4 → critical.
    assess = spage.get_by_test_id("assess-form")
    assess.locator("[name='likelihood']").select_option("4")
    assess.locator("[name='impact']").select_option("4")
    assess.locator("[name='rationale']").fill("Funder on the METI End User List; missile concern.")
    assess.locator("button[type=submit]").click()
    spage.wait_for_load_state()
    assert "4 ×" in spage.get_by_test_id("case-level").inner_text()

    # A mitigation measure with an owner and a due date.
    due_day = dt.date.today() + dt.timedelta(days=30)
    due = due_day.isoformat()
    shown = f"{due_day.year}年{due_day.month}月{due_day.day}日"  # as a Japanese page writes it
    measure = spage.get_by_test_id("measure-form")
    measure.locator("[name='kind']").select_option("export_control")
    measure.locator("[name='description']").fill("該非判定と取引審査")
    measure.locator("[name='owner']").select_option(str(staff.pk))
    measure.locator("[name='due_date']").fill(due)
    measure.locator("button[type=submit]").click()
    spage.wait_for_load_state()
    measures = spage.get_by_test_id("measures").inner_text()
    assert "該非判定と取引審査" in measures and shown in measures

    # Ask the researcher a question.
    ask = spage.get_by_test_id("ask-form")
    ask.locator("[name='question']").fill("Please describe the deliverables of the grant.")
    ask.locator("button[type=submit]").click()
    spage.wait_for_load_state()
    assert spage.get_by_test_id("rfi-waiting").count() == 1

    # The researcher answers in the portal.
    page.goto("/risk/my/questions/")
    page.get_by_test_id("my-questions").get_by_role("link").first.click()
    page.wait_for_load_state()
    assert "deliverables" in page.get_by_test_id("question").inner_text()
    page.locator("[name='answer']").fill("Two papers and a prototype; no transfer of results.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # The office sees the answer and closes the case.
    spage.reload()
    assert "no transfer of results" in spage.get_by_test_id("rfi-answer").inner_text()
    close = spage.get_by_test_id("close-form")
    close.locator("[name='reason']").fill("Measures agreed; monitoring in the annual update.")
    close.locator("button[type=submit]").click()
    spage.wait_for_load_state()
    assert "status-closed" in spage.get_by_test_id("case-status").get_attribute("class")
    assert Case.objects.get(pk=case.pk).status == "closed"
    office.close()
