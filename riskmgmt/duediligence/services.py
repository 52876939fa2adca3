"""Writes of research-security due diligence. Keyword-only, atomic, validated, audited.

Re-checks: adding a member, saving or signing a declaration and changing the partner
institutions queue :func:`project_check` after commit (``tasks.check_project``); a new list
release queues a re-check of every project still being prepared (``tasks.check_open_projects``,
from :func:`riskmgmt.services.screening_release_import`). None of them for a programme that
does not require the check against the lists (``Programme.requires_list_check``): there the
office runs :func:`project_check` on demand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log, snapshot
from portal.errors import ApplicationError, ValidationFailed
from riskmgmt.duediligence import checks, notices
from riskmgmt.duediligence.items import CONSENT_TEXT, clean_content
from riskmgmt.duediligence.models import (
    AREA_KIND,
    CheckHit,
    CheckRun,
    Declaration,
    DeclarationVersion,
    MemberRole,
    Programme,
    Project,
    ProjectMeasure,
    Questionnaire,
    TeamMember,
)
from riskmgmt.duediligence.prefill import prefill_content


def _full_clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        field, errs = next(iter(messages.items()))
        raise ValidationFailed("; ".join(str(e) for e in errs),
                               field=None if field == "__all__" else field,
                               extra={"errors": messages}) from None


def _queue_check(project: Project, reason: str) -> None:
    """Record the project's re-check in the outbox, in the change's transaction; nothing for a
    programme that does not require the check against the lists (the office runs it on
    demand)."""
    from portal import outbox

    if not project.programme.requires_list_check:
        return

    outbox.enqueue("riskmgmt.dd_check_project", key=f"project:{project.pk}:{reason}",
                   project_id=project.pk, reason=reason)


# --- Programmes and projects -------------------------------------------------------------------


def programme_save(*, instance: Programme, actor=None) -> Programme:
    before = snapshot(Programme.objects.get(pk=instance.pk)) if instance.pk else {}
    _full_clean(instance)
    with transaction.atomic():
        instance.save()
        audit_log(action="duediligence.programme.saved", target=instance, actor=actor,
                  before=before, after=snapshot(instance))
    return instance


@transaction.atomic
def project_create(*, programme: Programme, title: str, lead_institution, actor,
                   partner_institutions=(), project_number: str = "", starts_on=None,
                   ends_on=None, declarations_due=None) -> Project:
    project = Project(programme=programme, title=title, lead_institution=lead_institution,
                      project_number=project_number, starts_on=starts_on, ends_on=ends_on,
                      declarations_due=declarations_due, created_by=actor)
    _full_clean(project)
    project.save()
    project.partner_institutions.set(partner_institutions)
    Questionnaire.objects.create(project=project)
    audit_log(action="duediligence.project.created", target=project, actor=actor,
              data={"title": title, "programme": str(programme)})
    _queue_check(project, CheckRun.Reason.MANUAL)
    return project


@transaction.atomic
def member_add(*, project: Project, role: str, institution, actor, user=None, name: str = "",
               email: str = "", position: str = "") -> TeamMember:
    """Add a member to the team: their declaration starts as a draft prefilled from their
    disclosure and imported records; the project is re-checked."""
    if role not in MemberRole.values:
        raise ValidationFailed(_("Choose a role."), field="role")
    if user is None and not name.strip():
        raise ValidationFailed(_("Choose a portal user or enter the person's name."), field="name")
    if user is not None and project.members.filter(user=user).exists():
        raise ValidationFailed(_("This person is already a member of the team."), field="user")
    member = TeamMember(project=project, role=role, user=user, name=name.strip(),
                        email=email.strip(), institution=institution, position=position)
    _full_clean(member)
    member.save()
    declaration = Declaration.objects.create(member=member)
    content, sources = prefill_content(user=user, programme=project.programme)
    version = DeclarationVersion.objects.create(declaration=declaration, number=1,
                                                content=content, prefilled_from=sources)
    declaration.current_version = version
    declaration.save(update_fields=["current_version", "updated_at"])
    audit_log(action="duediligence.member.added", target=project, actor=actor,
              data={"member": member.display_name, "role": role, "external": user is None,
                    "prefilled_from": sources})
    notices.declaration_requested(member)
    _queue_check(project, CheckRun.Reason.MEMBER)
    return member


@transaction.atomic
def member_remove(*, member: TeamMember, actor) -> None:
    project = member.project
    name = member.display_name
    member.delete()
    audit_log(action="duediligence.member.removed", target=project, actor=actor,
              data={"member": name})
    _queue_check(project, CheckRun.Reason.MEMBER)


# --- Declarations -----------------------------------------------------------------------------


def _draft_for(declaration: Declaration) -> DeclarationVersion:
    """The declaration's draft: the current one, or a new version copied from the signed one."""
    current = declaration.current_version
    if current is not None and current.status == DeclarationVersion.Status.DRAFT:
        return current
    number = (declaration.versions.order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    draft = DeclarationVersion.objects.create(
        declaration=declaration, number=number,
        content=current.content if current else {},
        prefilled_from=current.prefilled_from if current else [])
    declaration.current_version = draft
    declaration.save(update_fields=["current_version", "updated_at"])
    return draft


@transaction.atomic
def declaration_save(*, declaration: Declaration, content: dict, actor=None) -> DeclarationVersion:
    """Save the member's corrections as the draft (a signed declaration gets a new draft)."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    draft = _draft_for(declaration)
    before = draft.content
    draft.content = clean_content(content)
    draft.save(update_fields=["content", "updated_at"])
    changed = sorted(k for k in draft.content if draft.content.get(k) != (before or {}).get(k))
    audit_log(action="duediligence.declaration.saved", target=declaration, actor=actor,
              data={"version": draft.number, "items": changed})
    _queue_check(declaration.member.project, CheckRun.Reason.DECLARATION)
    return draft


@transaction.atomic
def declaration_sign(*, declaration: Declaration, consent: bool, signed_name: str,
                     actor=None) -> DeclarationVersion:
    """Sign the draft with the member's consent; the previously signed version is superseded."""
    if not consent:
        raise ValidationFailed(_("Tick the consent to sign the declaration."), field="consent")
    if not signed_name.strip():
        raise ValidationFailed(_("Type your name to sign."), field="signed_name")
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    draft = declaration.current_version
    if draft is None or draft.status != DeclarationVersion.Status.DRAFT:
        raise ApplicationError(_("There is no draft to sign."))
    if declaration.signed_version_id:
        DeclarationVersion.objects.filter(pk=declaration.signed_version_id).update(
            status=DeclarationVersion.Status.SUPERSEDED)
    draft.status = DeclarationVersion.Status.SIGNED
    draft.signed_at = timezone.now()
    draft.signed_name = signed_name.strip()[:200]
    draft.consent_text = str(CONSENT_TEXT)  # as the signer read it
    draft.save()
    declaration.signed_version = draft
    declaration.save(update_fields=["signed_version", "updated_at"])
    audit_log(action="duediligence.declaration.signed", target=declaration, actor=actor,
              data={"version": draft.number, "signed_name": draft.signed_name})
    notices.declaration_signed(declaration)
    _queue_check(declaration.member.project, CheckRun.Reason.DECLARATION)
    return draft


# --- Checks -----------------------------------------------------------------------------------


def project_check(*, project: Project, reason: str = CheckRun.Reason.MANUAL, actor=None,
                  index=None) -> CheckRun:
    """Screen every organisation the project's declarations and institutions name; the run's
    hits replace the previous run's as the project's current findings."""
    from riskmgmt.matching import current_index
    from riskmgmt.models import ScreeningListRelease

    members = list(project.members.select_related(
        "institution", "declaration__current_version").prefetch_related(
        "institution__aliases"))
    gathered = checks.gather(project, members)
    index = index or current_index()
    found = checks.screen(gathered, index=index)
    releases = list(ScreeningListRelease.objects.filter(
        is_current=True, screening_list__is_active=True).values_list(
        "screening_list__name", "number"))
    with transaction.atomic():
        run = CheckRun.objects.create(project=project, reason=reason,
                                      names_checked=len(gathered.by_name),
                                      releases=[f"{n} #{num}" for n, num in releases])
        CheckHit.objects.bulk_create([
            CheckHit(run=run, member_id=occ.member_id, item=occ.item,
                     query_name=hit["query"][:500], list_name=hit["list"][:200],
                     release_id=hit["release_id"],
                     entry_name=hit["entry"][:500], matched_name=hit["matched_name"][:500],
                     entry_key=hit["entry_key"], score=Decimal(str(hit["score"])),
                     explanation=hit["explanation"][:500],
                     explanation_params=hit.get("explanation_params") or {})
            for occ, hit in found], batch_size=1000)
        run.hit_count = len(found)
        run.save(update_fields=["hit_count"])
        CheckRun.objects.filter(project=project).exclude(pk=run.pk).filter(
            finished_at__lt=timezone.now() - dt.timedelta(days=365)).delete()
        audit_log(action="duediligence.project.checked", target=project, actor=actor,
                  data={"reason": reason, "names": run.names_checked, "hits": run.hit_count})
    return run


# --- Questionnaire, measures, sign-off -------------------------------------------------------

QUESTIONNAIRE_FIELDS = ("result", "mitigation_needed", "later_members_rule", "partner_risks",
                        "measures_feasible", "feasibility_note")


@transaction.atomic
def questionnaire_save(*, questionnaire: Questionnaire, actor, **values) -> Questionnaire:
    before = snapshot(questionnaire, QUESTIONNAIRE_FIELDS)
    for name in QUESTIONNAIRE_FIELDS:
        if name in values:
            setattr(questionnaire, name, values[name])
    if questionnaire.office_signed_at:
        raise ApplicationError(_("The questionnaire is signed off; withdraw the sign-off first."))
    _full_clean(questionnaire)
    questionnaire.save()
    audit_log(action="duediligence.questionnaire.saved", target=questionnaire.project,
              actor=actor, before=before, after=snapshot(questionnaire, QUESTIONNAIRE_FIELDS))
    return questionnaire


@transaction.atomic
def questionnaire_sign(*, questionnaire: Questionnaire, actor, as_pi: bool = False) -> Questionnaire:
    """The PI's confirmation or the office's sign-off. The office signs off only once every
    member has signed their declaration (the consent of all members)."""
    from riskmgmt.duediligence.selectors import unsigned_members

    now = timezone.now()
    if as_pi:
        questionnaire.pi_confirmed_at, questionnaire.pi_confirmed_by = now, actor
        action = "duediligence.questionnaire.pi_confirmed"
    else:
        if unsigned_members(questionnaire.project).exists():
            raise ApplicationError(_("Every member must sign their declaration first."))
        if not questionnaire.result:
            raise ValidationFailed(_("Record the result of the due diligence first."),
                                   field="result")
        questionnaire.office_signed_at, questionnaire.office_signed_by = now, actor
        action = "duediligence.questionnaire.signed_off"
    questionnaire.save()
    audit_log(action=action, target=questionnaire.project, actor=actor)
    return questionnaire


@transaction.atomic
def measure_add(*, project: Project, area: str, description: str, owner, due_date, actor,
                cost_amount=None, charged_to_programme: bool = False):
    """A mitigation measure of the project (a riskmgmt measure, monitored and reminded like
    any other) with its checklist area and an optional cost line."""
    from riskmgmt.models import MitigationMeasure

    if area not in AREA_KIND:
        raise ValidationFailed(_("Choose an area of the checklist."), field="area")
    if charged_to_programme and not project.programme.measure_costs_chargeable:
        raise ValidationFailed(_("This programme does not allow the costs of measures to be "
                                 "charged to it."), field="charged_to_programme")
    if cost_amount is not None and cost_amount < 0:
        raise ValidationFailed(_("A cost cannot be negative."), field="cost_amount")
    measure = MitigationMeasure(project=project, kind=AREA_KIND[area], description=description,
                                owner=owner, due_date=due_date)
    _full_clean(measure)
    measure.save()
    ProjectMeasure.objects.create(measure=measure, area=area, cost_amount=cost_amount,
                                  charged_to_programme=charged_to_programme)
    audit_log(action="duediligence.measure.added", target=project, actor=actor,
              data={"area": area, "description": description, "owner": owner.display_name,
                    "due_date": due_date, "cost": cost_amount})
    return measure


@transaction.atomic
def inquiry_link(*, project: Project, inquiry, actor) -> None:
    project.inquiries.add(inquiry)
    audit_log(action="duediligence.inquiry.linked", target=project, actor=actor,
              data={"inquiry": inquiry.reference})


def organisation_for_name(*, name: str, actor=None):
    """The registry's organisation of that name or alias (case-insensitive), or a new one."""
    from django.db.models import Q

    from portal.models import Organisation
    from portal.services import organisation_save

    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Name the institution."), field="institution")
    found = Organisation.objects.filter(
        Q(name_ja__iexact=name) | Q(name_en__iexact=name) | Q(aliases__name__iexact=name)
    ).order_by("pk").first()
    if found is not None:
        return found
    cjk = any(ord(ch) > 0x2E80 for ch in name)
    return organisation_save(instance=Organisation(name_ja=name if cjk else "",
                                                   name_en="" if cjk else name), actor=actor)
