"""Browser journeys: Playwright for Python driving Debian's Chromium (never a downloaded one).

Tests get ``page`` (a fresh context per test) and ``login(page, user)``, which signs in through
the real login form and answers the TOTP step for staff personas.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(live_server):
    from tests.factories import PASSWORD

    def do_login(page, user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", password)
        page.locator("form:has(input[name=password]) button[type=submit]").first.click()
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate" in page.url:
            from tests.factories import totp_code_for

            code = totp_code_for(user)
            page.fill("input[name=code]", code)
            page.locator("form:has(input[name=code]) button[type=submit]").first.click()
            page.wait_for_load_state()
        return page

    return do_login


@pytest.fixture
def age_sign_in(settings):
    """``age_sign_in(page)`` → the browser's sign-in is older than the reauthentication timeout,
    so the next sensitive action asks for the password again (a fresh sign-in counts as recent)."""
    import time
    from importlib import import_module

    def do_age(page):
        cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
        records = session["account_authentication_methods"]
        for record in records:
            record["at"] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
        session["account_authentication_methods"] = records
        session.save()

    return do_age
