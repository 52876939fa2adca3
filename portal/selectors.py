"""Reads of the shared core; visibility is decided here."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import AuditEntry, GeneratedFile, Organisation, OrganisationAlias, User
from portal.names import normalize_name
from portal.permissions import has_perm
from portal.search import text_q


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
    # A union of ids rather than an OR across the alias join: each part uses its own trigram
    # index on PostgreSQL (portal.search), and no DISTINCT over whole rows is needed.
    ids = Organisation.objects.filter(text_q(query, "name_ja", "name_en")).order_by().values("pk")
    key = normalize_name(query)
    if key:
        ids = ids.union(OrganisationAlias.objects.filter(normalized__contains=key)
                        .order_by().values("organisation_id"))
    return qs.filter(pk__in=ids).order_by("name_en", "name_ja")[:limit]


def health() -> dict[str, str]:
    """What /healthz reports: ``{"database": "ok"|"error", "broker": "ok"|"unreachable"|"filesystem"}``.

    The database is asked ``SELECT 1``; the Redis broker (when ``REDIS_URL`` is set) a PING
    with a one-second timeout, so a hung broker never hangs the healthcheck. Without Redis the
    broker is kombu's filesystem transport, which is always there.
    """
    from django.conf import settings
    from django.db import DatabaseError, connection

    state = {"database": "ok", "broker": "filesystem"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        state["database"] = "error"
    broker_url = settings.CELERY_BROKER_URL
    if broker_url.startswith(("redis://", "rediss://")):
        import redis

        try:
            client = redis.Redis.from_url(broker_url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            client.close()
            state["broker"] = "ok"
        except (redis.RedisError, OSError):
            state["broker"] = "unreachable"
    return state
