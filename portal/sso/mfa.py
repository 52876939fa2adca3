"""Multi-factor authentication asserted by the IdP (REFEDS MFA / GakuNin AAL2).

With ``PORTAL_SSO_TRUST_IDP_MFA`` on, a sign-in through the IdP whose assertion carries one of
``PORTAL_SSO_MFA_CONTEXTS`` counts as the portal's second factor for that session: the TOTP code
is not asked at login and staff are not sent to the authenticator set-up.
"""

from __future__ import annotations

from django.conf import settings

from portal.sso.provider import AUTHN_CONTEXTS_KEY

SESSION_KEY = "portal_sso_idp_mfa"


def asserted_mfa(sociallogin) -> bool:
    """Whether this SAML sign-in's assertion carried a multi-factor AuthnContextClassRef."""
    if sociallogin is None or sociallogin.account.provider != "saml":
        return False
    contexts = (sociallogin.account.extra_data or {}).get(AUTHN_CONTEXTS_KEY) or []
    return bool(set(contexts) & set(settings.PORTAL_SSO_MFA_CONTEXTS))


def trusted(sociallogin) -> bool:
    return settings.PORTAL_SSO_TRUST_IDP_MFA and asserted_mfa(sociallogin)


def remember(request, sociallogin) -> None:
    """After a sign-in: note in the session whether the IdP's MFA stands for the portal's."""
    if trusted(sociallogin):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


def satisfied(request) -> bool:
    """Whether this session's sign-in was multi-factor at a trusted IdP."""
    return bool(settings.PORTAL_SSO_TRUST_IDP_MFA and request.session.get(SESSION_KEY))
