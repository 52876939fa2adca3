"""Accounts: e-mail login (restyled allauth pages), closed sign-up, password reset, e-mail
verification, TOTP set-up and recovery codes, the MFA requirement for staff, axes lockout."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.factories import PASSWORD, UserFactory, totp_code_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_login_page_is_japanese_labelled_and_offers_no_sign_up(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "ログイン" in html
    assert '<label for="id_login">' in html and '<label for="id_password">' in html
    assert '<main id="main"' in html
    assert "/accounts/signup/" not in html
    assert "/accounts/password/reset/" in html  # the reset link is offered


def test_sign_up_is_closed(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "signup_closed" in [t.name.split("/")[-1].removesuffix(".html") for t in response.templates]
    response = client.post("/accounts/signup/", {"email": "new@example.com", "password1": "x" * 12,
                                                 "password2": "x" * 12})
    from portal.models import User

    assert not User.objects.filter(email="new@example.com").exists()


def test_researcher_logs_in_by_email_and_reaches_the_dashboard(client, researcher):
    response = client.post("/accounts/login/", {"login": "ALICE@example.ac.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_keeps_the_address_and_shows_an_error(client, researcher):
    response = client.post("/accounts/login/", {"login": researcher.email, "password": "wrong-one"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist nonfield"' in html
    assert f'value="{researcher.email}"' in html


def test_staff_login_asks_for_the_authenticator_code(client, staff):
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    page = client.get(response["Location"])
    assert '<label for="id_code">' in page.content.decode()
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code_for(staff)})
    assert response.status_code == 302
    assert client.get("/audit/").status_code == 200


def test_password_reset_by_email(client, researcher):
    response = client.get("/accounts/password/reset/")
    assert response.status_code == 200 and "パスワード" in response.content.decode()
    response = client.post("/accounts/password/reset/", {"email": researcher.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    assert response.status_code == 200 and 'name="password1"' in response.content.decode()
    response = client.post(form_url, {"password1": "a-new-long-passphrase-9", "password2": "a-new-long-passphrase-9"})
    assert response.status_code == 302
    researcher.refresh_from_db()
    assert researcher.check_password("a-new-long-passphrase-9")


def test_email_verification_link_marks_the_address_verified(client_as, researcher):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=researcher, email=researcher.email, verified=False, primary=True)
    client = client_as(researcher)
    page = client.get("/accounts/email/")
    assert page.status_code == 200
    client.post("/accounts/email/", {"email": researcher.email, "action_send": ""})
    assert len(mail.outbox) == 1
    key_path = re.search(r"/accounts/confirm-email/[^\s/]+/", mail.outbox[0].body).group(0)
    confirm = client.get(key_path)
    assert confirm.status_code == 200 and "<form" in confirm.content.decode()
    client.post(key_path)
    assert EmailAddress.objects.get(user=researcher).verified


@pytest.mark.parametrize("role", ["office_staff", "admin"])
def test_staff_without_totp_are_sent_to_setup_until_they_have_an_authenticator(client, departments, role):
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    user = UserFactory(roles=[role], department=departments["ro"])
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    for path in ("/", "/audit/", "/files/", "/roster/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/2fa/totp/activate"), path
    # Just signed in with the password: the set-up is shown directly, no second password prompt.
    page = client.get("/accounts/2fa/totp/activate/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    assert 'alt="' in html
    secret = page.context["form"].secret
    assert f'value="{secret}"' in html
    bad = client.post("/accounts/2fa/totp/activate/", {"code": "123456"})
    assert bad.status_code == 200 and 'class="errorlist"' in bad.content.decode()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    assert 'data-testid="recovery-codes"' in codes.content.decode()
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ["office_staff", "admin"])
def test_first_login_goes_from_the_password_straight_to_the_authenticator_setup(client, departments, role):
    user = UserFactory(roles=[role], department=departments["ro"])
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}, follow=True)
    assert [url for url, _status in response.redirect_chain] == ["/", "/accounts/2fa/totp/activate/?next=/"]
    assert response.status_code == 200
    assert response.templates[0].name == "mfa/totp/activate_form.html"


def test_an_old_sign_in_is_asked_for_the_password_again(client, departments, settings):
    import time

    user = UserFactory(roles=["admin"], department=departments["ro"])
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
    session["account_authentication_methods"] = records
    session.save()
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_researcher_is_not_forced_to_set_up_totp(client_as, researcher, reviewer):
    assert client_as(researcher).get("/").status_code == 200
    assert client_as(reviewer).get("/").status_code == 200


def test_mfa_pages_are_restyled_and_reachable(client_as, staff):
    client = client_as(staff)
    index = client.get("/accounts/2fa/")
    assert index.status_code == 200
    html = index.content.decode()
    assert 'class="manage-layout"' in html and 'aria-label=' in html
    assert client.get("/accounts/2fa/recovery-codes/generate/").status_code in (200, 302)
    assert client.get("/accounts/password/change/").status_code == 200


def test_reauthentication_page_asks_for_the_password(client_as, researcher):
    response = client_as(researcher).get("/accounts/reauthenticate/")
    assert response.status_code == 200
    assert '<label for="id_password">' in response.content.decode()


def test_login_is_locked_after_repeated_failures(client, researcher, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"login": researcher.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": researcher.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "account/lockout.html" in [t.name for t in response.templates]
    assert "ログイン" in response.content.decode() or "locked" in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_lockout_is_per_account_so_colleagues_behind_the_same_address_can_still_log_in(
        client, researcher, other_researcher, settings):
    """A university shares a few NAT addresses: failures against Alice's account must not lock
    Bob out (axes must see the e-mail address allauth authenticates with)."""
    from django.test import Client

    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"login": researcher.email, "password": "wrong-password"})
    assert client.post("/accounts/login/", {"login": researcher.email, "password": PASSWORD}).status_code == 429
    ok = Client().post("/accounts/login/", {"login": other_researcher.email, "password": PASSWORD})
    assert ok.status_code == 302


def test_the_admin_login_form_cannot_bypass_two_factor_authentication(client, admin_user):
    """Django's own admin login form checks only the password: it must hand over to allauth."""
    response = client.post("/admin/login/?next=/admin/",
                           {"username": admin_user.email, "password": PASSWORD})
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_recovery_code_signs_in_once_instead_of_the_authenticator(client, staff):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(staff).get_unused_codes()
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302
    assert client.get("/audit/").status_code == 200
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    reused = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert reused.status_code == 200  # refused: each code works once
    assert not reused.wsgi_request.user.is_authenticated
