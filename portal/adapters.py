from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the roster: self sign-up is closed unless PORTAL_ALLOW_SIGNUP=1."""

    def is_open_for_signup(self, request):
        return settings.PORTAL_ALLOW_SIGNUP
