"""Browser journey: an administrator without an authenticator is taken to the TOTP set-up
before reaching staff pages, activates it with a code computed from the secret shown on the
page, and then reaches the dashboard and the roster import."""

import time

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_must_set_up_totp_before_reaching_staff_pages(page, login, departments):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.factories import UserFactory

    admin = UserFactory(email="new-admin@example.ac.jp", roles=["admin"], department=departments["ro"])
    login(page, admin)
    # The login itself lands on the set-up (no reauthentication page on the way).
    assert "/accounts/2fa/totp/activate/" in page.url
    page.goto("/roster/")
    page.wait_for_load_state()
    # Sent straight to the set-up: the password just typed counts, no second password prompt.
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    assert page.get_by_test_id("totp-activate-form").is_visible()
    assert page.get_by_test_id("totp-qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert page.get_by_test_id("totp-qr").get_attribute("alt")

    secret = page.get_by_test_id("totp-secret").input_value()
    assert len(secret) >= 16
    page.fill("input[name=code]", "000000")
    page.locator("[data-testid=totp-activate-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() >= 1
    assert not Authenticator.objects.filter(user=admin, type="totp").exists()

    secret = page.get_by_test_id("totp-secret").input_value()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.fill("input[name=code]", code)
    page.locator("[data-testid=totp-activate-form] button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/**")
    assert page.get_by_test_id("recovery-codes").input_value().strip()
    assert Authenticator.objects.filter(user=admin, type="totp").exists()

    page.get_by_test_id("mfa-continue").click()
    page.wait_for_load_state()
    assert page.locator("main h1").count() == 1
    assert "/accounts/" not in page.url
    page.goto("/roster/")
    assert page.get_by_test_id("roster-upload-form").is_visible()
