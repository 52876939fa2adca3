"""Browser journeys: Playwright for Python driving Debian's Chromium (never a downloaded one).

Tests get ``page`` (a fresh context per test) and ``login(page, user)``, which signs in through
the real login form and answers the TOTP step for staff personas.
"""

import json
import os
import shutil
from pathlib import Path

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


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Run on every page a journey loads: axe-core (vendored, MPL-2.0) checks the page once it has
# loaded and reports back through a binding; the test fails at teardown on any serious or
# critical violation, and on the moderate rules of AXE_ALSO_FAILING (found on the portal once and
# fixed: a heading level skipped, two landmarks with the same name). The run is kept on
# window.__axeRun so the last page is awaited, not raced.
AXE_IMPACTS = ("serious", "critical")
AXE_ALSO_FAILING = ("heading-order", "landmark-unique")
AXE_ON_LOAD = """
window.addEventListener('load', () => {
  if (window.top !== window || typeof axe === 'undefined') return;
  window.__axeRun = axe.run(document, {resultTypes: ['violations'],
      rules: {'label-content-name-mismatch': {enabled: true}}}).then((r) => {
    const bad = r.violations.filter((v) => __IMPACTS__.includes(v.impact)
        || __RULES__.includes(v.id));
    return window.__axeReport(location.pathname, bad.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' '))})));
  });
});
""".replace("__IMPACTS__", json.dumps(AXE_IMPACTS)).replace("__RULES__", json.dumps(AXE_ALSO_FAILING))


def axe_failures(found: dict) -> list[str]:
    return [f"{path}: {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
            for path, violations in found.items() for v in violations]


@pytest.fixture
def axe_found():
    """{path: [failing violations (serious/critical, AXE_ALSO_FAILING)]} of the pages this test's browser loaded."""
    return {}


@pytest.fixture
def page(browser, live_server, axe_found):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    def report(source, path, violations):
        # Only the portal's pages: a journey's stand-ins (the test SAML IdP) are not checked.
        if violations and source["frame"].url.startswith(live_server.url):
            axe_found[path] = violations

    context.expose_binding("__axeReport", report)
    context.add_init_script(path=str(AXE))
    context.add_init_script(script=AXE_ON_LOAD)
    page = context.new_page()
    yield page
    for open_page in context.pages:
        try:
            open_page.evaluate("() => window.__axeRun || null")
        except Exception:  # noqa: BLE001 - a page closed or navigating: its run already reported
            pass
    context.close()
    if failures := axe_failures(axe_found):
        pytest.fail("axe-core found accessibility violations:\n"
                    + "\n".join(failures), pytrace=False)


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
