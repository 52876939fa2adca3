from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the roster: self sign-up is closed unless PORTAL_ALLOW_SIGNUP=1."""

    def is_open_for_signup(self, request):
        return settings.PORTAL_ALLOW_SIGNUP


def axes_username(request, credentials=None):
    """The e-mail address axes locks out: allauth authenticates with ``email=``, not ``login``."""
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value:
        value = getattr(request, "data", request.POST).get("login")
    return (value or "").strip().lower() or None
