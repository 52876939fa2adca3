"""Reads of due diligence: visibility is filtered here once (pages, exports, tasks).

Staff holding ``duediligence.project.view`` see every project; a member sees only their own
declaration (``declaration_for``: an ``own`` permission, so a partner institution's member
reaches theirs and nothing else); an external member reaches theirs by its token.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from portal.permissions import has_perm
from riskmgmt.duediligence.checks import member_findings
from riskmgmt.duediligence.models import (
    CheckRun,
    Declaration,
    DeclarationVersion,
    Programme,
    Project,
    TeamMember,
)


def programmes_active() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True)


def project_list_for(*, user) -> QuerySet[Project]:
    if not has_perm(user, "duediligence.project.view"):
        return Project.objects.none()
    return (Project.objects.select_related("programme", "lead_institution")
            .annotate(member_count=Count("members", distinct=True),
                      signed_count=Count("members", distinct=True, filter=Q(
                          members__declaration__signed_version__isnull=False))))


def project_get(*, user, public_id) -> Project:
    project = project_list_for(user=user).filter(public_id=public_id).first()
    if project is None:
        raise Http404
    return project


def projects_of_inquiry(*, user, inquiry) -> list[Project] | None:
    """The projects a funding agency's inquiry is linked to, for its page: None when ``user``
    may not see projects under due diligence (the page then says nothing about them)."""
    if not has_perm(user, "duediligence.project.view"):
        return None
    return list(Project.objects.filter(inquiries=inquiry).only("public_id", "title",
                                                               "project_number"))


def members_of(project: Project) -> list[TeamMember]:
    return list(project.members.select_related(
        "user", "institution", "declaration__current_version",
        "declaration__signed_version"))


def unsigned_members(project: Project) -> QuerySet[TeamMember]:
    return project.members.filter(declaration__signed_version__isnull=True)


def latest_run(project: Project) -> CheckRun | None:
    return project.check_runs.order_by("-finished_at", "-id").first()


def current_hits(project: Project) -> list:
    run = latest_run(project)
    if run is None:
        return []
    return list(run.hits.select_related("member__user", "release__screening_list"))


def findings(project: Project) -> dict:
    return member_findings(current_hits(project))


def institution_statuses(project: Project, members: list[TeamMember]) -> list[dict]:
    """Due-diligence status per institution (lead, then partners): submitted when every
    member of it signed; required but not submitted otherwise; not required without members."""
    institutions = [project.lead_institution, *project.partner_institutions.all()]
    seen = set()
    out = []
    for org in institutions + [m.institution for m in members]:
        if org.pk in seen:
            continue
        seen.add(org.pk)
        mine = [m for m in members if m.institution_id == org.pk]
        if not mine:
            status = "not_required"
        elif all(m.declaration.signed_version_id for m in mine):
            status = "submitted"
        else:
            status = "not_submitted"
        out.append({"institution": org, "status": status, "members": mine,
                    "is_lead": org.pk == project.lead_institution_id})
    return out


def my_declarations(*, user) -> QuerySet[Declaration]:
    if not has_perm(user, "duediligence.declaration.fill_own"):
        return Declaration.objects.none()
    return (Declaration.objects.filter(member__user=user)
            .select_related("member__project__programme", "current_version", "signed_version"))


def declaration_for(*, user, public_id) -> Declaration:
    """The declaration for its member (own) or for staff; 404 to anyone else."""
    declaration = (Declaration.objects.select_related(
        "member__project__programme", "member__user", "member__institution",
        "current_version", "signed_version").filter(public_id=public_id).first())
    if declaration is None:
        raise Http404
    if has_perm(user, "duediligence.project.view") or has_perm(
            user, "duediligence.declaration.fill_own", declaration):
        return declaration
    raise Http404


def declaration_by_token(*, token: str) -> Declaration:
    """An external member's declaration, by the token of their link (404 otherwise)."""
    declaration = (Declaration.objects.select_related(
        "member__project__programme", "member__institution", "current_version",
        "signed_version").filter(member__access_token=token, member__user__isnull=True).first())
    if declaration is None or not token:
        raise Http404
    return declaration


def versions_of(declaration: Declaration) -> QuerySet[DeclarationVersion]:
    return declaration.versions.order_by("-number")


def project_for_export(*, user, public_id) -> Project:
    if not has_perm(user, "duediligence.project.export"):
        raise Http404
    return (Project.objects.select_related("programme", "lead_institution", "questionnaire")
            .prefetch_related("partner_institutions",
                              Prefetch("measures"))
            .get(public_id=public_id))
