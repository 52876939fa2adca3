import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Ways of signing in that prove the person is at the keyboard now: a password, an e-mailed code,
# an authenticator code, or a sign-in at the university's identity provider (SSO).
FRESH_SIGN_IN_METHODS = frozenset({"password", "code", "mfa", "socialaccount"})


def signed_in_recently(request) -> bool:
    """Whether the signed-in user authenticated in this session within the reauthentication
    timeout (``ACCOUNT_REAUTHENTICATION_TIMEOUT``).

    allauth (65.x) counts only records written by its reauthentication prompt, so a person who
    has just logged in with a password was asked for it again before setting up an
    authenticator or confirming a roster import. The portal treats the sign-in itself as recent
    authentication: the record allauth writes at login is as strong as the one its prompt writes.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    times = [
        record.get("at", 0)
        for record in get_authentication_records(request, user)
        if record.get("method") in FRESH_SIGN_IN_METHODS
    ]
    return bool(times) and time.time() - max(times) < account_settings.REAUTHENTICATION_TIMEOUT


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the roster: self sign-up is closed unless PORTAL_ALLOW_SIGNUP=1."""

    def is_open_for_signup(self, request):
        return settings.PORTAL_ALLOW_SIGNUP

    def authenticate(self, request, **credentials):
        """With single sign-on on and ``PORTAL_SSO_PASSWORD_LOGIN_EMAILS`` set, only those
        (break-glass) accounts may sign in with a password; everyone else is told to use SSO."""
        user = super().authenticate(request, **credentials)
        allowed = settings.PORTAL_SSO_PASSWORD_LOGIN_EMAILS
        if user is not None and settings.PORTAL_SSO_ENABLED and allowed and user.email.lower() not in allowed:
            raise ValidationError(
                _("Sign in with your university account (single sign-on); password sign-in is "
                  "kept for the emergency administrator account."),
                code="sso_required",
            )
        return user

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with its TOTP stage replaced by one that trusts an IdP's asserted
        MFA when PORTAL_SSO_TRUST_IDP_MFA is on (``portal.sso.stages``)."""
        return [
            "portal.sso.stages.AuthenticateStage" if path == "allauth.mfa.stages.AuthenticateStage" else path
            for path in super().get_login_stages()
        ]

    def post_login(self, request, user, **kwargs):
        from portal.sso import mfa

        mfa.remember(request, (kwargs.get("signal_kwargs") or {}).get("sociallogin"))
        return super().post_login(request, user, **kwargs)

    def get_reauthentication_methods(self, user):
        """allauth's (password, authenticator), then signing in again through the IdP."""
        from portal.sso.adapter import reauthentication_method

        methods = super().get_reauthentication_methods(user)
        sso = reauthentication_method(user) if user.is_authenticated else None
        return [*methods, sso] if sso else methods

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """No second password prompt right after signing in (see ``signed_in_recently``)."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not (self.request is not None and signed_in_recently(self.request))


def axes_username(request, credentials=None):
    """The e-mail address axes locks out: allauth authenticates with ``email=``, not ``login``."""
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value:
        value = getattr(request, "data", request.POST).get("login")
    return (value or "").strip().lower() or None
