import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings

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
