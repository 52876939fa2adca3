"""Dashboard widgets of the core (registered with :func:`portal.dashboard.provider`).

- administrators: people per role with a link to the roster import, and the latest audit entries;
- everyone: their own recent generated files.

Each provider checks its permission and costs one or two queries.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from portal import selectors
from portal.dashboard import Widget, provider
from portal.models import Role, RoleAssignment, User
from portal.permissions import has_perm


@provider
def roster_overview(request):
    user = request.user
    if not has_perm(user, "portal.roster.import"):
        return None
    counts = dict(
        RoleAssignment.objects.filter(user__is_active=True)
        .values_list("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    roles = [(label, counts.get(value, 0)) for value, label in Role.choices]
    return Widget(
        title=_("People and roles"),
        template="portal/partials/_dashboard_roles.html",
        context={"roles": roles, "active_users": User.objects.filter(is_active=True).count()},
        order=10,
    )


@provider
def latest_audit_entries(request):
    user = request.user
    if not has_perm(user, "portal.roster.import") or not has_perm(user, "portal.audit.view"):
        return None
    entries = list(selectors.audit_entry_list_for(user=user)[:5])
    return Widget(
        title=_("Latest changes"),
        template="portal/partials/_dashboard_audit.html",
        context={"entries": entries},
        order=90,
    )


@provider
def my_generated_files(request):
    user = request.user
    if not has_perm(user, "portal.files.view_own"):
        return None
    files = list(
        selectors.generated_file_list_for(user=user).filter(owner=user).order_by("-created_at")[:5]
    )
    if not files:
        return None
    return Widget(
        title=_("My recent files"),
        template="portal/partials/_dashboard_files.html",
        context={"files": files},
        order=95,
    )
