"""Roles and permissions, declared as data, with one entry point: ``has_perm``.

Each app declares its permission codes in its own ``permissions.py`` with :func:`declare`;
the portal's app config imports those modules at start-up (Weblate's ``auth/data.py``).

Scope rules:

* An administrator, research-office staff member or researcher role is global.
* A department reviewer's role is scoped to one department and the departments below it: on an
  object, the grant holds when the object's department is in that subtree.
* A permission declared ``own=True`` (a researcher's rights on their own records) holds on an
  object only when the user is that object's owner.

Objects tell their scope by two attributes: ``scope_owner_id`` (the researcher a record belongs
to) and ``scope_department_id`` (the department it is reviewed in). Querysets are filtered by
:func:`scope_queryset` with the matching field paths, so pages, exports and tasks share one rule.

Outside the user's scope → 404 (existence is not revealed); in scope but not allowed → 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from portal.models import Department, Role

ALL_STAFF = frozenset({Role.DEPT_REVIEWER, Role.OFFICE_STAFF, Role.ADMIN})
OFFICE = frozenset({Role.OFFICE_STAFF, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
RESEARCHER = frozenset({Role.RESEARCHER})
EVERYONE = frozenset(Role.values)


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    roles: frozenset[str]
    own: bool = False


REGISTRY: dict[str, Permission] = {}


def declare(code: str, label, roles: Iterable[str], *, own: bool = False) -> Permission:
    """Declare a permission code once; re-declaring with other roles is an error."""
    perm = Permission(code=code, label=label, roles=frozenset(str(r) for r in roles), own=own)
    existing = REGISTRY.get(code)
    if existing is not None and (existing.roles != perm.roles or existing.own != perm.own):
        raise ImproperlyConfigured(f"Permission {code} declared twice with different roles")
    REGISTRY[code] = perm
    return perm


def get_permission(code: str) -> Permission:
    try:
        return REGISTRY[code]
    except KeyError:
        raise ImproperlyConfigured(f"Undeclared permission code: {code}") from None


def _assignments(user):
    cached = getattr(user, "_portal_assignments", None)
    if cached is None:
        cached = list(user.role_assignments.select_related("department")) if user.pk else []
        user._portal_assignments = cached
    return cached


def clear_cache(user) -> None:
    for attr in ("_portal_assignments", "_portal_subtrees", "_role_codes"):
        if hasattr(user, attr):
            delattr(user, attr)


def assignments_of(user) -> list:
    """The user's role assignments (cached on the user, departments loaded)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return _assignments(user)


def roles_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return {a.role for a in _assignments(user)}


def department_subtree_ids(root_ids: Iterable[int]) -> set[int]:
    """Ids of the given departments and every department below them (one query)."""
    roots = set(root_ids)
    if not roots:
        return set()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    result, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node in result:
            continue
        result.add(node)
        stack.extend(children.get(node, ()))
    return result


def _grants(user, perm: Permission):
    return [a for a in _assignments(user) if a.role in perm.roles]


def _scoped_department_ids(user, grants) -> set[int] | None:
    """None when a grant is global, else the set of department ids in scope."""
    if any(g.department_id is None for g in grants):
        return None
    key = tuple(sorted(g.department_id for g in grants))
    cache = getattr(user, "_portal_subtrees", None)
    if cache is None:
        cache = user._portal_subtrees = {}
    if key not in cache:
        cache[key] = department_subtree_ids(key)
    return cache[key]


def has_perm(user, code: str, obj: Model | None = None) -> bool:
    """The one permission check used by views, selectors, exports and tasks."""
    perm = get_permission(code)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    grants = _grants(user, perm)
    if not grants:
        return False
    if obj is None:
        return True
    if perm.own:
        return getattr(obj, "scope_owner_id", None) == user.pk
    scope = _scoped_department_ids(user, grants)
    if scope is None:
        return True
    return getattr(obj, "scope_department_id", None) in scope


def users_with_perm(code: str, obj: Model | None = None) -> QuerySet:
    """The active users who hold ``code`` (on ``obj``): the recipients of a notice.

    The mirror of :func:`has_perm`, as one queryset (no loop over users; at most one query to
    read the department's ancestors): a role holder qualifies when the role is global or, for a
    department-scoped grant, when ``obj``'s department is in the grant's subtree; for an
    ``own`` permission only ``obj``'s owner qualifies. ``users_with_perm(code, obj)`` holds
    exactly the users for whom ``has_perm(user, code, obj)`` is true (pretix
    ``Event.get_users_with_permission``).
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from portal.models import RoleAssignment

    perm = get_permission(code)
    grants = RoleAssignment.objects.filter(role__in=perm.roles)
    users = get_user_model().objects.filter(is_active=True)
    if obj is not None:
        if perm.own:
            owner_id = getattr(obj, "scope_owner_id", None)
            if owner_id is None:
                return users.none()
            users = users.filter(pk=owner_id)
        else:
            department_id = getattr(obj, "scope_department_id", None)
            covering = Q(department__isnull=True)
            if department_id is not None:
                chain = [department_id]
                parents = dict(Department.objects.values_list("pk", "parent_id"))
                node = parents.get(department_id)
                while node is not None and node not in chain:
                    chain.append(node)
                    node = parents.get(node)
                covering |= Q(department_id__in=chain)
            grants = grants.filter(covering)
    return users.filter(pk__in=grants.values("user_id"))


def scope_queryset(
    user,
    code: str,
    queryset: QuerySet,
    *,
    owner_field: str | None = None,
    department_field: str | None = None,
) -> QuerySet:
    """Filter ``queryset`` down to what ``code`` lets ``user`` reach."""
    perm = get_permission(code)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    grants = _grants(user, perm)
    if not grants:
        return queryset.none()
    if perm.own:
        if owner_field is None:
            raise ImproperlyConfigured(f"{code} is an own-permission: pass owner_field")
        return queryset.filter(**{owner_field: user.pk})
    scope = _scoped_department_ids(user, grants)
    if scope is None:
        return queryset
    if department_field is None:
        raise ImproperlyConfigured(f"{code} may be department-scoped: pass department_field")
    return queryset.filter(**{f"{department_field}__in": scope})


def get_object_in_scope(user, code: str, queryset: QuerySet, **lookup):
    """Fetch one object the user may reach with ``code``; 404 otherwise."""
    model = queryset.model
    scoped = scope_queryset(
        user,
        code,
        queryset,
        owner_field=getattr(model, "SCOPE_OWNER_FIELD", None),
        department_field=getattr(model, "SCOPE_DEPARTMENT_FIELD", None),
    )
    try:
        return scoped.get(**lookup)
    except model.DoesNotExist:
        raise Http404 from None


def require(user, code: str, obj: Model | None = None) -> None:
    """Raise PermissionDenied (403) unless ``user`` has ``code`` (on ``obj``)."""
    if not has_perm(user, code, obj):
        raise PermissionDenied


def permission_required(code: str):
    """View decorator: anonymous → login page; authenticated without ``code`` → 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, code)
            return view(request, *args, **kwargs)

        wrapper.permission_code = code
        return wrapper

    return decorator


def login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


# --- The core's own permissions ---------------------------------------------------------------
# (apps declare theirs in <app>/permissions.py the same way)
from django.utils.translation import gettext_lazy as _  # noqa: E402

declare("portal.dashboard.view", _("See the dashboard"), EVERYONE)
declare("portal.files.view_own", _("See and download one's own generated files"), EVERYONE)
declare("portal.files.view_all", _("See every generated file"), ADMIN)
declare("portal.audit.view", _("Read the audit log"), OFFICE)
declare("portal.roster.import", _("Import the roster of researchers and departments"), ADMIN)
declare("portal.organisation.view", _("Search the organisation registry"), EVERYONE)
declare("portal.organisation.add", _("Add organisations to the registry"), EVERYONE)
declare("portal.organisation.manage", _("Edit and merge organisations"), OFFICE)
declare("portal.institution.manage", _("Manage institutions and departments"), ADMIN)
declare("portal.users.view", _("See users and their roles"), OFFICE)
