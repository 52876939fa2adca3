"""Single sign-on with GakuNin (SAML 2.0) against a real SAML IdP run inside the test (pysaml2,
see ``saml_idp``): the portal's SAML login → the IdP (HTTP-Redirect) → signed Response POSTed
back to the portal's ACS → the roster account is signed in. No part of allauth is mocked."""

import base64
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from portal.sso import conf
from tests.factories import PASSWORD, UserFactory
from tests.portal.saml_idp import ENTITY_ID, PASSWORD_PROTECTED, REFEDS_MFA, LocalIdP, xmlsec_binary

pytestmark = pytest.mark.django_db

ACS = "/accounts/saml/gakunin/acs/"
HOST = "portal.example.ac.jp"


@pytest.fixture
def client(settings):
    """The portal as the IdP knows it: on a real host name (SAML refuses "testserver")."""
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    return Client(HTTP_HOST=HOST)


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def idp(tmp_path, settings, client):
    """The portal configured from PORTAL_SSO_* variables for a local IdP that trusts it."""
    if not xmlsec_binary():
        pytest.fail("the xmlsec1 program is missing: install Debian's xmlsec1 (make os-deps)")
    local = LocalIdP(tmp_path)
    env = {"PORTAL_SSO_IDP_ENTITY_ID": ENTITY_ID, "PORTAL_SSO_IDP_METADATA_FILE": str(local.metadata_file)}
    settings.SOCIALACCOUNT_PROVIDERS = conf.saml_providers(env.get)
    settings.PORTAL_SSO_ENABLED = True
    metadata = client.get("/accounts/saml/gakunin/metadata/")
    assert metadata.status_code == 200
    local.trust_sp(metadata.content)
    return local


def start(client, idp, **person):
    """The portal's SAML login → the IdP signs the person in → (ACS URL, POST fields)."""
    response = client.post("/accounts/saml/gakunin/login/")
    assert response.status_code == 302
    return idp.answer(response["Location"], **person)


def sso_sign_in(client, idp, **person):
    """The whole round trip; returns the portal's answer once the ACS is done."""
    action, fields = start(client, idp, **person)
    assert action == f"http://{HOST}{ACS}"
    response = client.post(urlsplit(action).path, fields)  # ACS stashes the POST, then ...
    assert response.status_code == 302
    return client.get(response["Location"])  # ... finishes the login with the session cookie


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_roster_user_signs_in_through_the_idp_by_eppn(client, idp, researcher):
    from allauth.socialaccount.models import SocialAccount

    from portal.models import AuditEntry

    response = sso_sign_in(client, idp, eppn="Alice@example.ac.jp", mail="alice.other@example.ac.jp")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(researcher.pk)
    assert client.get("/").status_code == 200
    account = SocialAccount.objects.get(user=researcher)
    assert (account.provider, account.uid) == ("saml", "Alice@example.ac.jp")
    assert AuditEntry.objects.filter(action="sso.account_linked", object_id=str(researcher.pk)).count() == 1

    # The next sign-in finds the linked account: no second link, same person.
    client.logout()
    sso_sign_in(client, idp, eppn="Alice@example.ac.jp", mail="alice.other@example.ac.jp")
    assert signed_in_user_id(client) == str(researcher.pk)
    assert SocialAccount.objects.filter(user=researcher).count() == 1


def test_mail_attribute_finds_the_roster_account_when_the_eppn_is_not_an_address_there(client, idp, researcher):
    response = sso_sign_in(client, idp, eppn="a1b2c3@example.ac.jp", mail="ALICE@example.ac.jp")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(researcher.pk)


def test_unknown_person_is_refused_with_a_translated_message(client, idp, researcher):
    from allauth.socialaccount.models import SocialAccount

    from portal.models import User

    response = sso_sign_in(client, idp, eppn="stranger@example.ac.jp", mail="stranger@example.ac.jp")
    assert response.status_code == 403
    html = response.content.decode()
    assert "名簿" in html and "stranger@example.ac.jp" in html
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email="stranger@example.ac.jp").exists()
    assert not SocialAccount.objects.exists()


def test_unknown_person_gets_an_account_only_when_the_setting_allows_it(client, idp, settings, researcher):
    from portal.models import User

    settings.PORTAL_SSO_ALLOW_SIGNUP = True
    response = sso_sign_in(client, idp, eppn="newcomer@example.ac.jp", mail="newcomer@example.ac.jp")
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.ac.jp")
    assert signed_in_user_id(client) == str(user.pk)


def test_a_tampered_response_is_refused(client, idp, researcher, other_researcher):
    action, fields = start(client, idp, eppn="bob@example.ac.jp", mail="bob@example.ac.jp")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert xml.count("bob@example.ac.jp") >= 1
    fields["SAMLResponse"] = base64.b64encode(xml.replace("bob@example.ac.jp", "alice@example.ac.jp").encode()).decode()
    response = client.post(urlsplit(action).path, fields)
    response = client.get(response["Location"])
    assert response.status_code == 401
    assert 'data-testid="sso-error"' in response.content.decode()
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("trust, context, sent_to_setup", [
    (True, REFEDS_MFA, False),
    (False, REFEDS_MFA, True),
    (True, PASSWORD_PROTECTED, True),
])
def test_staff_without_totp_skip_the_setup_only_for_trusted_idp_mfa(client, idp, settings, departments,
                                                                     trust, context, sent_to_setup):
    settings.PORTAL_SSO_TRUST_IDP_MFA = trust
    officer = UserFactory(email="officer@example.ac.jp", roles=["office_staff"], department=departments["ro"])
    response = sso_sign_in(client, idp, eppn=officer.email, mail=officer.email, authn_context=context)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(officer.pk)
    page = client.get("/")
    if sent_to_setup:
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/2fa/totp/activate/")
    else:
        assert page.status_code == 200


@pytest.mark.parametrize("trust, asked_for_code", [(True, False), (False, True)])
def test_staff_with_totp_are_not_asked_for_the_code_after_trusted_idp_mfa(client, idp, settings, staff,
                                                                          trust, asked_for_code):
    settings.PORTAL_SSO_TRUST_IDP_MFA = trust
    response = sso_sign_in(client, idp, eppn=staff.email, mail=staff.email, authn_context=REFEDS_MFA)
    assert response.status_code == 302
    if asked_for_code:
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        assert signed_in_user_id(client) is None
    else:
        assert response["Location"] == "/"
        assert signed_in_user_id(client) == str(staff.pk)
        assert client.get("/").status_code == 200


def test_password_sign_in_is_kept_for_the_break_glass_administrator_only(client, idp, settings, researcher,
                                                                       admin_user):
    settings.PORTAL_SSO_PASSWORD_LOGIN_EMAILS = [admin_user.email]
    refused = client.post("/accounts/login/", {"login": researcher.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert "シングルサインオン" in refused.content.decode()
    assert signed_in_user_id(client) is None
    response = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")


def test_login_page_offers_the_university_sign_in_only_when_configured(client, settings, idp):
    assert 'data-testid="sso-login"' in client.get("/accounts/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = conf.saml_providers({}.get)
    assert 'data-testid="sso-login"' not in client.get("/accounts/login/").content.decode()


def test_configuration_needs_the_idp_metadata_or_its_endpoint(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    assert conf.saml_providers({}.get)["saml"]["APPS"] == []
    with pytest.raises(ImproperlyConfigured, match="PORTAL_SSO_IDP_METADATA_URL"):
        conf.saml_providers({"PORTAL_SSO_IDP_ENTITY_ID": ENTITY_ID}.get)
    local = LocalIdP(tmp_path)
    with pytest.raises(ImproperlyConfigured, match="has no IdP"):
        conf.saml_providers({"PORTAL_SSO_IDP_ENTITY_ID": "https://other.example/idp",
                             "PORTAL_SSO_IDP_METADATA_FILE": str(local.metadata_file)}.get)
    app = conf.saml_providers({"PORTAL_SSO_IDP_ENTITY_ID": ENTITY_ID,
                               "PORTAL_SSO_IDP_METADATA_URL": "https://metadata.gakunin.nii.ac.jp/gakunin-metadata.xml",
                               "PORTAL_SSO_SP_ENTITY_ID": "https://portal.example.ac.jp/shibboleth-sp"}.get)["saml"]["APPS"][0]
    assert app["settings"]["idp"] == {"entity_id": ENTITY_ID,
                                      "metadata_url": "https://metadata.gakunin.nii.ac.jp/gakunin-metadata.xml"}
    assert app["settings"]["sp"] == {"entity_id": "https://portal.example.ac.jp/shibboleth-sp"}
    assert app["settings"]["attribute_mapping"]["uid"] == [conf.EPPN]


def test_an_old_idp_sign_in_is_renewed_at_the_idp_before_a_sensitive_action(client, idp, researcher, settings):
    import time

    researcher.set_unusable_password()  # roster accounts have no password of their own
    researcher.save()
    sso_sign_in(client, idp, eppn=researcher.email, mail=researcher.email)
    session = client.session
    session["account_authentication_methods"] = [
        {**record, "at": time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1}
        for record in session["account_authentication_methods"]]
    session.save()

    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/saml/gakunin/login/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    response = client.post(response["Location"])
    action, fields = idp.answer(response["Location"], eppn=researcher.email, mail=researcher.email)
    response = client.post(urlsplit(action).path, fields)
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get(response["Location"]).status_code == 200
    assert signed_in_user_id(client) == str(researcher.pk)
