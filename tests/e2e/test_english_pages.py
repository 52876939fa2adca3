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
