"""Reads of the shared core; visibility is decided here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.models import AuditEntry, GeneratedFile, Organisation, User
from portal.names import normalize_name
from portal.permissions import has_perm


def generated_file_list_for(*, user: User) -> QuerySet[GeneratedFile]:
    qs = GeneratedFile.objects.select_related("owner")
    if has_perm(user, "portal.files.view_all"):
        return qs
    if has_perm(user, "portal.files.view_own"):
        return qs.filter(owner=user)
    return qs.none()


def audit_entry_list_for(*, user: User) -> QuerySet[AuditEntry]:
    if not has_perm(user, "portal.audit.view"):
        return AuditEntry.objects.none()
    return AuditEntry.objects.select_related("actor", "content_type")


def organisation_search(*, user: User, query: str = "", limit: int = 20) -> QuerySet[Organisation]:
    """Registry search by any name or alias, width/case/legal-form insensitive."""
    if not has_perm(user, "portal.organisation.view"):
        return Organisation.objects.none()
    qs = Organisation.objects.select_related("successor")
    query = (query or "").strip()
    if not query:
        return qs.order_by("name_en", "name_ja")[:limit]
    key = normalize_name(query)
    cond = Q(name_ja__icontains=query) | Q(name_en__icontains=query)
    if key:
        cond |= Q(aliases__normalized__contains=key)
    return qs.filter(cond).distinct().order_by("name_en", "name_ja")[:limit]
