"""Browser journey: signing in with the university account (GakuNin, SAML 2.0). The login page's
button takes the browser to a real SAML IdP on 127.0.0.1 (pysaml2, ``tests/portal/saml_idp``),
the person signs in there, the IdP's page POSTs the signed answer back to the portal, and the
portal shows the dashboard of the roster account; no TOTP set-up for staff whose IdP sign-in
used a second factor when PORTAL_SSO_TRUST_IDP_MFA is on."""

import copy
import urllib.request

import pytest

from portal.sso import conf
from tests.portal.saml_idp import IdPServer, xmlsec_binary

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp_server(tmp_path, settings, live_server):
    if not xmlsec_binary():
        pytest.fail("the xmlsec1 program is missing: install Debian's xmlsec1 (make os-deps)")
    server = IdPServer(tmp_path)
    env = {"PORTAL_SSO_IDP_ENTITY_ID": server.idp.entity_id,
           "PORTAL_SSO_IDP_METADATA_FILE": str(server.idp.metadata_file)}
    providers = conf.saml_providers(env.get)
    # The live server is on "localhost", a single-label host python3-saml refuses by default.
    providers["saml"]["APPS"][0]["settings"]["advanced"]["allow_single_label_domains"] = True
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.PORTAL_SSO_ENABLED = True
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", *conf.form_action_origins(providers)]
    settings.CONTENT_SECURITY_POLICY = policy
    with urllib.request.urlopen(live_server.url + "/accounts/saml/gakunin/metadata/") as response:  # noqa: S310
        server.idp.trust_sp(response.read())
    yield server
    server.close()


def test_researcher_signs_in_with_the_university_account(page, live_server, idp_server, researcher):
    page.goto("/accounts/login/")
    page.get_by_test_id("sso-login").click()
    page.get_by_test_id("idp-eppn").wait_for()
    assert page.url.startswith(idp_server.idp.sso_url)
    page.get_by_test_id("idp-eppn").fill(researcher.email)
    page.get_by_test_id("idp-sign-in").click()
    page.wait_for_url(live_server.url + "/")  # IdP → ACS → finish → the dashboard
    assert page.locator("main h1").count() == 1


def test_staff_with_idp_mfa_go_straight_to_the_dashboard(page, live_server, idp_server, settings, departments):
    from tests.factories import UserFactory

    settings.PORTAL_SSO_TRUST_IDP_MFA = True
    officer = UserFactory(email="officer@example.ac.jp", roles=["office_staff"], department=departments["ro"])
    page.goto("/accounts/login/")
    page.get_by_test_id("sso-login").click()
    page.get_by_test_id("idp-eppn").fill(officer.email)
    page.get_by_test_id("idp-mfa").check()
    page.get_by_test_id("idp-sign-in").click()
    page.wait_for_url(live_server.url + "/")  # not the authenticator set-up
    assert page.locator("main h1").count() == 1
    page.goto("/audit/")
    assert "/accounts/" not in page.url
