"""Who may sign in through the IdP: only people already on the roster (unless configured)."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import render

from portal.audit import audit_log
from portal.sso.conf import EPPN, MAIL

logger = logging.getLogger(__name__)


def _first(attributes: dict, names: list[str]) -> str:
    for name in names:
        values = attributes.get(name) or []
        if values and str(values[0]).strip():
            return str(values[0]).strip()
    return ""


def roster_user_for(sociallogin):
    """The active roster account for this SAML sign-in: the one whose e-mail address equals the
    eduPersonPrincipalName (GakuNin universities usually issue ePPN = mail address), else the one
    whose address equals the ``mail`` attribute. Compared case-insensitively; None if neither."""
    attributes = sociallogin.account.extra_data or {}
    mapping = sociallogin.provider.app.settings.get("attribute_mapping", {})
    candidates = [
        sociallogin.account.uid,
        _first(attributes, mapping.get("uid", [EPPN])),
        _first(attributes, mapping.get("email", [MAIL])),
    ]
    users = get_user_model().objects.filter(is_active=True)
    for value in candidates:
        if value and "@" in value:
            user = users.filter(email__iexact=value).first()
            if user is not None:
                return user
    return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return settings.PORTAL_SSO_ALLOW_SIGNUP

    def pre_social_login(self, request, sociallogin):
        """Link a first SAML sign-in to the roster account, or refuse it with a clear page."""
        if sociallogin.is_existing:
            return
        user = roster_user_for(sociallogin)
        if user is not None:
            with transaction.atomic():
                sociallogin.connect(request, user)
                audit_log(action="sso.account_linked", target=user, actor=user,
                          data={"provider": sociallogin.account.provider, "uid": sociallogin.account.uid})
            return
        if settings.PORTAL_SSO_ALLOW_SIGNUP:
            return
        logger.warning("SSO sign-in refused: %s is not on the roster", sociallogin.account.uid)
        raise ImmediateHttpResponse(render(
            request, "sso/not_on_roster.html", {"identifier": sociallogin.account.uid}, status=403,
        ))


def reauthentication_method(user) -> dict | None:
    """"Sign in again at the IdP" as a way to confirm a sensitive action, for a person whose
    account is linked to the configured IdP (roster accounts have no password; a sign-in through
    the IdP counts as recent authentication, see ``portal.adapters.signed_in_recently``). Only
    GET requests resume afterwards: a suspended form submission is not replayed."""
    from allauth.socialaccount.models import SocialAccount
    from django.urls import reverse
    from django.utils.translation import gettext as _

    apps = settings.SOCIALACCOUNT_PROVIDERS.get("saml", {}).get("APPS") or []
    if not apps or not SocialAccount.objects.filter(user=user, provider="saml").exists():
        return None
    return {
        "id": "sso_reauthenticate",
        "description": _("Sign in again with your university account"),
        "url": reverse("saml_login", kwargs={"organization_slug": apps[0]["client_id"]}),
    }
