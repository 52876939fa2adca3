"""Browser journey of issue 3: file, submit, return, edit, resubmit, compare, accept."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import Organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pick_organisation(page, section, query):
    search = page.locator(f"[data-testid=org-search-{section}]")
    # The form arrives by htmx: type only once htmx has bound the search box's triggers.
    page.wait_for_function("el => el['htmx-internal-data'] !== undefined", arg=search.element_handle())
    search.fill(query)
    option = page.locator(f"#id_{section}-organisation option", has_text=query)
    expect(option).to_have_count(1)
    page.select_option(f"#id_{section}-organisation", value=option.get_attribute("value"))


def _new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    context.set_default_timeout(15000)
    return context.new_page()


def test_researcher_files_gets_returned_resubmits_compares_and_is_accepted(
        page, login, browser, live_server, researcher, reviewer):
    Organisation.objects.create(name_en="Acme Robotics Inc.", country="US", kind="company")
    Organisation.objects.create(name_en="Pacific Science Foundation", country="US",
                                kind="funder")
    Organisation.objects.create(name_ja="株式会社デモ計測", name_en="Demo Instruments",
                                country="JP", kind="company")

    login(page, researcher)
    page.goto("/disclosures/mine/")
    page.click("[data-testid=start-disclosure]")
    expect(page).to_have_url(re.compile(r"/disclosures/edit/$"))

    # A side job at a foreign company.
    page.click("[data-testid=add-position]")
    _pick_organisation(page, "position", "Acme Robotics")
    page.fill("#id_position-role", "Technical adviser")
    page.check("#id_position-paid")
    page.select_option("#id_position-remuneration_band", "1m_5m")
    page.fill("#id_position-effort_percent", "10")
    page.check("#id_position-approved")
    page.fill("#id_position-approved_on", "2024-03-15")
    page.select_option("#id_position-country", "US")
    page.fill("#id_position-start_date", "2024-04-01")
    page.click("[data-testid=save-position]")
    expect(page.locator("#section-position [data-testid=item]")).to_have_count(1)
    expect(page.locator("#section-position")).to_contain_text("Acme Robotics Inc.")

    # A grant from a foreign funder: a validation error first keeps what was typed.
    page.click("[data-testid=add-funding]")
    _pick_organisation(page, "funding", "Pacific Science")
    page.fill("#id_funding-programme", "Frontier Research Grants")
    page.fill("#id_funding-project_title", "Soft actuators")
    page.fill("#id_funding-amount", "120000")
    page.select_option("#id_funding-currency", "USD")
    page.fill("#id_funding-effort_percent", "95")
    page.select_option("#id_funding-country", "US")
    page.click("[data-testid=save-funding]")
    expect(page.locator("#section-funding .errorlist")).to_contain_text("100")
    expect(page.locator("#id_funding-project_title")).to_have_value("Soft actuators")
    page.fill("#id_funding-effort_percent", "20")
    page.click("[data-testid=save-funding]")
    expect(page.locator("#section-funding [data-testid=item]")).to_have_count(1)

    # An equipment gift.
    page.click("[data-testid=add-support]")
    _pick_organisation(page, "support", "Demo Instruments")
    page.select_option("#id_support-kind", "equipment")
    page.fill("#id_support-description", "High-speed camera")
    page.fill("#id_support-estimated_value", "2500000")
    page.select_option("#id_support-currency", "JPY")
    page.click("[data-testid=save-support]")
    expect(page.locator("#section-support [data-testid=item]")).to_have_count(1)

    # Submit with the attestation.
    page.click("[data-testid=go-submit]")
    page.check("#id_attest")
    page.click("[data-testid=submit-disclosure]")
    expect(page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("提出済み|Submitted"))
    detail_url = page.url

    # The reviewer returns it with a comment.
    reviewer_page = _new_page(browser, live_server)
    login(reviewer_page, reviewer)
    reviewer_page.goto("/disclosures/review/")
    reviewer_page.locator("[data-testid=queue-row] a").first.click()
    # One next action at a time: take it up, then return or accept it.
    expect(reviewer_page.locator("[data-testid=review-accept]")).to_have_count(0)
    reviewer_page.click("[data-testid=review-start]")
    reviewer_page.fill("#return-comment", "Please give the end date of the grant.")
    reviewer_page.click("[data-testid=review-return]")
    expect(reviewer_page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("差戻し|Returned"))

    # The researcher sees the comment, edits and resubmits.
    page.goto(detail_url)
    expect(page.locator("[data-testid=review-comment]")).to_contain_text("end date of the grant")
    page.click("[data-testid=start-update]")
    expect(page.locator("[data-testid=return-comment]")).to_contain_text("end date")
    page.locator("#section-funding a", has_text=re.compile("編集|Edit")).first.click()
    page.fill("#id_funding-end_date", "2027-09-30")
    page.click("[data-testid=save-funding]")
    expect(page.locator("#section-funding")).to_contain_text("2027年9月30日")
    page.click("[data-testid=go-submit]")
    page.check("#id_attest")
    page.click("[data-testid=submit-disclosure]")
    expect(page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("提出済み|Submitted"))

    # The difference between the two versions, item by item.
    page.click("[data-testid=compare]")
    changed = page.locator("[data-testid=diff-changed]")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Soft actuators")
    expect(changed).to_contain_text("2027年9月30日")

    # The reviewer accepts version 2.
    reviewer_page.goto("/disclosures/review/")
    reviewer_page.locator("[data-testid=queue-row] a").first.click()
    expect(reviewer_page.locator("[data-testid=changes-since-accepted]")).to_be_visible()
    reviewer_page.click("[data-testid=review-start]")
    reviewer_page.click("[data-testid=review-accept]")
    expect(reviewer_page.locator("[data-testid=version-status]")).to_have_text(
        re.compile("受理|Accepted"))
    reviewer_page.context.close()

    page.goto(detail_url)
    expect(page.locator("[data-testid=version-status]")).to_have_text(re.compile("受理|Accepted"))
