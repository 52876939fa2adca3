from django.conf import settings

from portal.permissions import assignments_of, roles_of


def portal(request):
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    return {
        "portal_name": settings.PORTAL_NAME,
        "user_roles": roles,
        "role_assignments": assignments_of(user) if user is not None else [],
        "is_staff_role": bool(roles & {"dept_reviewer", "office_staff", "admin"}),
        "is_office": bool(roles & {"office_staff", "admin"}),
        "is_admin_role": "admin" in roles,
        "is_researcher": "researcher" in roles,
    }
