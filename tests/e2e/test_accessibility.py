"""The axe-core check of the journeys itself: it runs on every page a browser loads."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_axe_runs_on_every_loaded_page_and_reports_serious_violations(page, axe_found):
    page.goto("/accounts/login/")
    assert page.evaluate("() => typeof axe") == "object"
    page.evaluate("() => window.__axeRun")
    assert "/accounts/login/" not in axe_found  # the login page itself is clean
    page.route("**/broken/", lambda route: route.fulfill(
        content_type="text/html",
        body="<html lang='ja'><head><title>x</title></head><body><main><h1>x</h1>"
             "<img src='x.png'></main></body></html>"))
    page.goto("/broken/")
    page.evaluate("() => window.__axeRun")
    found = {v["id"] for violations in axe_found.values() for v in violations}
    axe_found.clear()  # the broken page was made here on purpose
    assert "image-alt" in found
