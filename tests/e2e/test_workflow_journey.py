"""Browser journey of issue 15: one disclosure, one story, everyone told what concerns them.

A researcher submits a disclosure with a grant from a funder on the screening list; the
department reviewer takes it up, comments on the grant item and returns it; the researcher sees
the comment next to the item in the editor, changes the item and resubmits; the reviewer accepts
and the researcher is told. The research office asks a question on the case the grant raised;
the researcher answers with a PDF attached and the office is told. After switching to English,
the researcher's notices read in English (no Japanese apart from what people typed).
"""

import re

import pytest
from playwright.sync_api import expect

from riskmgmt.models import Case
from tests.e2e.journeys import fill_listed_funding
from tests.e2e.test_english_pages import SCAN
from tests.files import pdf_bytes
from tests.riskmgmt import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _context_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    return context.new_page()


def _submit(page):
    page.click("[data-testid=go-submit]")
    page.check("#id_attest")
    page.click("[data-testid=submit-disclosure]")
    expect(page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("提出済み|Submitted"))


def _open_first_in_queue(reviewer_page):
    reviewer_page.goto("/disclosures/review/")
    reviewer_page.locator("[data-testid=queue-row] a").first.click()
    expect(reviewer_page.locator("[data-testid=review-start]")).to_be_visible()


def test_return_comment_resubmit_accept_question_answer_and_english_notices(
        page, login, browser, live_server, researcher, reviewer, staff, tmp_path):
    f.import_list()  # Harbin Institute of Technology is on the screening list

    # The researcher files a grant from the listed funder and submits.
    login(page, researcher)
    page.goto("/disclosures/mine/")
    page.click("[data-testid=start-disclosure]")
    expect(page).to_have_url(re.compile(r"/disclosures/edit/$"))
    page.click("[data-testid=add-funding]")
    form = page.get_by_test_id("item-form-funding")
    fill_listed_funding(form)
    page.click("[data-testid=save-funding]")
    expect(page.locator("#section-funding [data-testid=item]")).to_have_count(1)
    _submit(page)
    detail_url = page.url

    # The reviewer takes it up, comments on the grant item and returns it.
    reviewer_page = _context_page(browser, live_server)
    login(reviewer_page, reviewer)
    _open_first_in_queue(reviewer_page)
    expect(reviewer_page.locator("[data-testid=review-accept]")).to_have_count(0)
    reviewer_page.click("[data-testid=review-start]")
    expect(reviewer_page.locator("[data-testid=review-accept]")).to_be_visible()
    reviewer_page.locator("#comment-form summary").click()
    item_option = reviewer_page.locator("#c-item option", has_text="Harbin")
    expect(item_option).to_have_count(1)
    reviewer_page.select_option("#c-item", value=item_option.get_attribute("value"))
    reviewer_page.fill("#c-general", "Please give the end date of this grant.")
    reviewer_page.click("[data-testid=comment-add]")
    expect(reviewer_page.locator("#section-funding [data-testid=comment]")).to_contain_text(
        "end date of this grant")
    reviewer_page.fill("#return-comment", "See the comment on the grant.")
    reviewer_page.click("[data-testid=review-return]")
    expect(reviewer_page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("差戻し|Returned"))

    # The researcher is told, and sees the item comment next to the item in the editor.
    page.goto("/notifications/")
    expect(page.locator("[data-testid=notification-item]", has_text="差し戻されました")).to_have_count(1)
    page.goto(detail_url)
    page.click("[data-testid=start-update]")
    expect(page).to_have_url(re.compile(r"/disclosures/edit/$"))
    item = page.locator("#section-funding [data-testid=item]")
    expect(item.locator("[data-testid=comment]")).to_contain_text("end date of this grant")

    # ... changes the item and resubmits.
    page.locator("#section-funding a", has_text=re.compile("編集|Edit")).first.click()
    page.fill("#id_funding-end_date", "2027-09-30")
    page.click("[data-testid=save-funding]")
    expect(page.locator("#section-funding")).to_contain_text("2027年9月30日")
    _submit(page)

    # The reviewer sees what changed and accepts; the researcher is told.
    _open_first_in_queue(reviewer_page)
    expect(reviewer_page.locator("[data-testid=changes-since-accepted]")).to_be_visible()
    reviewer_page.click("[data-testid=review-start]")
    reviewer_page.click("[data-testid=review-accept]")
    expect(reviewer_page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("受理|Accepted"))
    reviewer_page.context.close()
    page.goto("/notifications/")
    expect(page.locator("[data-testid=notification-item]",
                        has_text="開示（第2版）が受理されました")).to_have_count(1)

    # The research office asks a question on the case the grant raised.
    case = Case.objects.get(researcher=researcher, concern="screening_match")
    office_page = _context_page(browser, live_server)
    login(office_page, staff)
    office_page.goto(f"/risk/?q={researcher.family_name_en}")
    office_page.get_by_test_id("case-queue").get_by_role("link", name=case.reference).click()
    ask = office_page.get_by_test_id("ask-form")
    expect(ask).to_be_visible()
    ask.locator("[name='question']").fill("Please send a copy of the grant agreement.")
    ask.locator("button[type=submit]").click()
    expect(office_page.get_by_test_id("rfi-waiting")).to_have_count(1)

    # The researcher answers it with the agreement attached.
    agreement = tmp_path / "grant-agreement.pdf"
    agreement.write_bytes(pdf_bytes())
    page.goto("/risk/my/questions/")
    page.get_by_test_id("my-questions").get_by_role("link").first.click()
    expect(page.get_by_test_id("question")).to_contain_text("copy of the grant agreement")
    page.locator("[name='answer']").fill("The agreement is attached.")
    page.locator("[data-testid=answer-form] input[type=file]").set_input_files(str(agreement))
    page.click("[data-testid=send-answer]")
    # The answered question stays readable, with its attachment.
    expect(page.get_by_test_id("my-answer")).to_contain_text("agreement is attached")
    expect(page.get_by_test_id("rfi-attachment")).to_have_text("grant-agreement.pdf")

    # The office is told, and reads the answer and its attachment on the case.
    office_page.goto("/notifications/")
    expect(office_page.locator("[data-testid=notification-item]",
                               has_text="照会に回答しました")).to_have_count(1)
    office_page.goto(f"/risk/cases/{case.public_id}/")
    expect(office_page.get_by_test_id("rfi-answer")).to_contain_text("agreement is attached")
    expect(office_page.get_by_test_id("rfi-attachment")).to_have_text("grant-agreement.pdf")
    office_page.context.close()

    # After switching to English, every notice of the researcher reads in English.
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/notifications/")
    notices = page.locator("[data-testid=notification-item]")
    expect(notices.filter(has_text="Your disclosure (version 2) was accepted")).to_have_count(1)
    expect(notices.filter(has_text="Your disclosure (version 1) was returned")).to_have_count(1)
    expect(notices.filter(has_text="request for information")).to_have_count(1)
    assert page.evaluate(SCAN) == []
