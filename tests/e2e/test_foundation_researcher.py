"""Browser journey: a researcher logs in, sees the researcher dashboard, switches the language
to English and back, and logs out."""

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_researcher_logs_in_switches_language_and_logs_out(page, login, researcher):
    page.goto("/")
    page.wait_for_url("**/accounts/login/**")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("link", name="サインアップ").count() == 0
    assert page.locator("a[href*='/accounts/signup/']").count() == 0

    login(page, researcher)
    assert urlparse(page.url).path == "/"
    assert page.locator("main h1").count() == 1
    assert "有栖" in page.locator("main h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("nav.main-nav").is_visible()
    # the researcher dashboard: the role badge and no administrator widgets
    assert page.locator("main .badge").count() >= 1
    assert page.get_by_test_id("active-users").count() == 0

    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome" in page.locator("main h1").inner_text()
    assert "Alice" in page.locator("main h1").inner_text()

    page.get_by_test_id("lang-ja").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ja"

    page.locator("header form[action='/accounts/logout/'] button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/logout/" in page.url:  # allauth asks to confirm on GET only; be tolerant
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
    page.goto("/")
    page.wait_for_url("**/accounts/login/**")
    assert page.locator("input[name=login]").is_visible()
