"""Request id, audit context and the MFA requirement for staff roles."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from portal import context
from portal.sso import mfa as sso_mfa

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a safe incoming X-Request-ID) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = context.request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class AuditContextMiddleware:
    """Make the signed-in user the default actor of audit entries written in this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        token = context.actor.set(user)
        try:
            return self.get_response(request)
        finally:
            context.actor.reset(token)


class MFARequiredMiddleware:
    """Users holding a role in PORTAL_MFA_REQUIRED_ROLES must set up TOTP before going on.

    Until they have an authenticator they reach only the account and MFA pages, the language
    switch, static files and logout. A session signed in through the university's IdP with
    multi-factor authentication counts instead when PORTAL_SSO_TRUST_IDP_MFA is on.
    """

    ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and self._needs_mfa(user)
            and not sso_mfa.satisfied(request)
        ):
            from django.contrib import messages
            from django.utils.translation import gettext as _

            messages.warning(
                request,
                _("Your role requires two-factor authentication. Set up an authenticator app to continue."),
            )
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(user) -> bool:
        from allauth.mfa.models import Authenticator

        from portal.permissions import roles_of

        required = set(settings.PORTAL_MFA_REQUIRED_ROLES)
        # A superuser or staff account opens the admin: held to MFA like the admin role.
        if not (user.is_superuser or user.is_staff or roles_of(user) & required):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RejectNulMiddleware:
    """Answer 400 to a request with a NUL byte in its path, query string or form values.

    No text column can hold U+0000 (PostgreSQL refuses it with a server error) and no
    legitimate form sends one, so it is refused at the edge for every view at once rather than
    in each search box. Uploaded files are not looked at: binary content is theirs to have.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.core.exceptions import BadRequest

            raise BadRequest("NUL byte in the request")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            return True
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ):
            try:
                data = request.POST
            except Exception:  # noqa: BLE001 - a malformed body is the view's 400 to give
                return False
            return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in data.lists())
        return False


class OwnNotFoundPageMiddleware:
    """The portal's own 404 page in DEBUG too (the demo of ``make run``, development).

    With DEBUG on, Django answers a missing page with its technical page, which lists every URL
    of the portal; the demo is shown to people, so it gets the same page as production.
    ``PORTAL_TECHNICAL_404 = True`` brings Django's page back for a developer who wants it.
    Does nothing when DEBUG is off (handler404 serves the page then).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        if (response.status_code == 404 and settings.DEBUG
                and not getattr(settings, "PORTAL_TECHNICAL_404", False)
                and not getattr(response, "portal_page", False)
                and not getattr(response, "streaming", False)):
            from portal.errorviews import page_not_found

            return page_not_found(request)
        return response
