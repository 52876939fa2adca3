"""Browser journey: a researcher and the research office switch to English and read no
Japanese on the pages they visit, except data people typed.

How "no Japanese" is checked: every text node and every title/aria-label/placeholder of the
page is scanned for kana and kanji (CJK). Allowed are text inside an element whose ``lang``
says Japanese (the language switcher's "日本語", an official Japanese name shown beside its
English one) and inside ``[data-user-data]`` (what a person typed). The personas have English
names and English department names, so everything else on these pages is the portal's own
words and must be English.
"""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCAN = r"""() => {
  const cjk = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]/;
  const allowed = (el) => !el || el.closest('script,style,template,noscript,[data-user-data]')
    || (el.closest('[lang]') && el.closest('[lang]').lang.startsWith('ja'));
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (cjk.test(node.textContent) && !allowed(node.parentElement)) {
      found.push(node.textContent.trim().slice(0, 80));
    }
  }
  for (const el of document.querySelectorAll('[title],[aria-label],[placeholder]')) {
    for (const name of ['title', 'aria-label', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value && cjk.test(value) && !allowed(el)) found.push(`${name}=${value.slice(0, 80)}`);
    }
  }
  if (cjk.test(document.title)) found.push(`<title> ${document.title}`);
  return found;
}"""


def japanese_on(page, path):
    page.goto(path)
    page.wait_for_load_state()
    return page.evaluate(SCAN)


def switch_to_english(page):
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_researcher_reads_english_everywhere_after_switching(page, login, researcher):
    login(page, researcher)
    switch_to_english(page)
    found = {path: japanese_on(page, path) for path in (
        "/", "/disclosures/mine/", "/disclosures/applications/", "/notifications/",
        "/notifications/preferences/", "/awareness/my-training/")}
    assert {path: text for path, text in found.items() if text} == {}


def test_the_research_office_reads_english_everywhere_after_switching(page, login, staff):
    login(page, staff)
    switch_to_english(page)
    found = {path: japanese_on(page, path) for path in (
        "/", "/disclosures/", "/risk/", "/followup/", "/notifications/")}
    assert {path: text for path, text in found.items() if text} == {}


def test_a_researcher_records_a_pledge_and_reads_it_in_english(page, login, researcher, staff):
    from disclosures.models import GrantPledge
    from tests.disclosures import factories as d

    # Submitted and accepted while the portal spoke Japanese (the attestation was given then).
    d.accepted_disclosure(researcher, staff, ("funding", d.foreign_grant(d.org("Acme Labs"))))
    login(page, researcher)
    switch_to_english(page)
    page.goto("/disclosures/applications/")
    form = page.locator("form:has([name=funder_name])")
    form.locator("[name=funder_name]").fill("Acme Labs")
    form.locator("[name=programme]").fill("Frontier Research")
    form.locator("[name=application_title]").fill("Quantum sensors")
    form.locator("[name=pledged_on]").fill("2026-11-20")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert GrantPledge.objects.filter(disclosure__owner=researcher).count() == 1
    disclosure = researcher.disclosure
    found = {path: japanese_on(page, path) for path in (
        "/disclosures/applications/", f"/disclosures/{disclosure.public_id}/")}
    assert {path: text for path, text in found.items() if text} == {}


def test_the_research_office_reads_the_survey_answers_history_in_english(page, login, staff,
                                                                        home_institution):
    from django.core.management import call_command

    from followup import services as followup

    # The survey's answers started and saved while the portal spoke Japanese.
    call_command("loaddata", "fixtures/institution_categories.json",
                 "fixtures/followup_question_sets.json", verbosity=0)
    cycle = followup.cycle_open(fiscal_year=2026, actor=staff)
    response = followup.home_response_start(cycle=cycle, actor=staff)
    followup.answers_save(response=response, actor=staff, answers={
        1: followup.AnswerInput(option_code=1, evidence="Training, 120 people"),
        2: followup.AnswerInput(option_code=2)})

    login(page, staff)
    switch_to_english(page)
    assert japanese_on(page, "/followup/2026/") == []


def test_the_research_office_reads_a_case_history_in_english(page, login, researcher, staff):
    from riskmgmt import services as risk
    from riskmgmt.models import Case
    from tests.disclosures import factories as d
    from tests.riskmgmt import factories as r

    # A case from a listed funder, opened and assessed while the portal spoke Japanese.
    r.import_list()
    d.submitted_disclosure(researcher, ("funding", d.foreign_grant(
        d.org("Harbin Institute of Technology", country="CN"), country="CN", currency="CNY")))
    case = Case.objects.get(researcher=researcher, concern="screening_match")
    risk.case_assess(case=case, likelihood=4, impact=4, rationale="Listed funder.", actor=staff)

    login(page, staff)
    switch_to_english(page)
    assert japanese_on(page, f"/risk/cases/{case.public_id}/") == []
