"""Writes of the follow-up survey. Keyword-only, atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import uploads
from portal.audit import audit_log, snapshot
from portal.errors import ApplicationError, NotAllowed
from portal.fiscal import reiwa_label
from portal.models import Institution, InstitutionCategory, User
from portal.permissions import has_perm
from portal.services import institution_save

from .models import (
    AnswerOption,
    Question,
    QuestionSet,
    RegulationDocument,
    SurveyAnswer,
    SurveyCycle,
    SurveyResponse,
    question_set_titles,
)

logger = logging.getLogger(__name__)

# --- Question sets and cycles ----------------------------------------------------------------


def _planned_labels(year: int) -> dict[int, tuple[str, str]]:
    return {
        2: (f"検討している（{reiwa_label(year)}実施予定）",
            f"Considering (to be implemented in FY{year})"),
        3: (f"検討している（{reiwa_label(year + 1)}実施予定）",
            f"Considering (to be implemented in FY{year + 1})"),
    }


@transaction.atomic
def question_set_for_year(*, fiscal_year: int) -> QuestionSet:
    """The newest question set of ``fiscal_year``; copied from the latest earlier one if none.

    The copy keeps the wording and renames the two "planned" options for the new year.
    """
    qs = QuestionSet.objects.filter(fiscal_year=fiscal_year).order_by("-version").first()
    if qs is not None:
        return qs
    source = QuestionSet.objects.filter(fiscal_year__lt=fiscal_year).order_by(
        "-fiscal_year", "-version").first()
    if source is None:
        raise ApplicationError(_("No question set is defined. Load the reference fixtures first."))
    title_ja, title_en = question_set_titles(fiscal_year)  # written anew: no stale 令和 number
    new = QuestionSet(code=f"r{fiscal_year - 2018}-v1", fiscal_year=fiscal_year, version=1,
                      title_ja=title_ja, title_en=title_en)
    new.full_clean()
    new.save()
    Question.objects.bulk_create([
        Question(question_set=new, number=q.number, text_ja=q.text_ja, text_en=q.text_en,
                 short_label_ja=q.short_label_ja, short_label_en=q.short_label_en)
        for q in source.questions.all()
    ])
    planned = _planned_labels(fiscal_year)
    AnswerOption.objects.bulk_create([
        AnswerOption(question_set=new, code=o.code,
                     label_ja=planned.get(o.code, (o.label_ja, o.label_en))[0],
                     label_en=planned.get(o.code, (o.label_ja, o.label_en))[1],
                     done_by_year_end=o.done_by_year_end, is_implemented=o.is_implemented)
        for o in source.options.all()
    ])
    audit_log(action="followup.question_set.copied", target=new,
              data={"from": source.code, "fiscal_year": fiscal_year})
    return new


@transaction.atomic
def cycle_open(*, fiscal_year: int, actor: User | None = None,
               due_on: dt.date | None = None) -> SurveyCycle:
    """Open the cycle of ``fiscal_year`` (idempotent: an existing cycle is returned)."""
    if fiscal_year < 2019 or fiscal_year > 2100:
        raise ApplicationError(_("Give a fiscal year in the Reiwa era."), field="fiscal_year")
    existing = SurveyCycle.objects.filter(fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    cycle = SurveyCycle(fiscal_year=fiscal_year,
                        question_set=question_set_for_year(fiscal_year=fiscal_year),
                        due_on=due_on)
    cycle.full_clean()
    cycle.save()
    audit_log(action="followup.cycle.opened", target=cycle, actor=actor,
              data={"fiscal_year": fiscal_year, "label": reiwa_label(fiscal_year)})
    return cycle


@transaction.atomic
def cycle_set_status(*, cycle: SurveyCycle, status: str, actor: User) -> SurveyCycle:
    if not has_perm(actor, "followup.cycle.manage"):
        raise NotAllowed(_("You are not allowed to open or close survey cycles."))
    before = snapshot(cycle, ["status"])
    cycle.status = status
    cycle.full_clean()
    cycle.save()
    audit_log(action="followup.cycle.status_changed", target=cycle, actor=actor,
              before=before, after=snapshot(cycle, ["status"]))
    return cycle


# --- The home institution's response ---------------------------------------------------------


def _home() -> Institution:
    home = Institution.home()
    if home is None:
        raise ApplicationError(_("No home institution is configured."))
    return home


@transaction.atomic
def home_response_start(*, cycle: SurveyCycle, actor: User | None = None) -> SurveyResponse:
    """The home institution's current response to ``cycle``, created as an empty draft."""
    home = _home()
    response = SurveyResponse.objects.filter(cycle=cycle, institution=home,
                                             is_current=True).first()
    if response is not None:
        return response
    response = SurveyResponse(cycle=cycle, institution=home, created_by=actor)
    response.full_clean()
    response.save()
    SurveyAnswer.objects.bulk_create([
        SurveyAnswer(response=response, question=q) for q in cycle.question_set.questions.all()
    ])
    audit_log(action="followup.response.started", target=response, actor=actor,
              data={"cycle": cycle.label, "fiscal_year": cycle.fiscal_year})
    return response


@dataclass
class AnswerInput:
    option_code: int | None
    note: str = ""
    evidence: str = ""
    document_ids: list[int] = field(default_factory=list)


@transaction.atomic
def answers_save(*, response: SurveyResponse, answers: dict[int, AnswerInput],
                 actor: User) -> SurveyResponse:
    """Save draft answers keyed by question number."""
    if not has_perm(actor, "followup.answer.edit"):
        raise NotAllowed(_("You are not allowed to edit the answers."))
    response = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if not response.is_editable:
        raise ApplicationError(_("Only a draft can be edited. Amend the locked answers instead."))
    options = {o.code: o for o in response.cycle.question_set.options.all()}
    existing = {a.question.number: a for a in response.answers.select_related("question", "option")}
    valid_docs = set(RegulationDocument.objects.values_list("pk", flat=True))
    changed = []
    for number, data in answers.items():
        answer = existing.get(number)
        if answer is None:
            raise ApplicationError(_("Unknown question Q%(n)s.") % {"n": number})
        if data.option_code is not None and data.option_code not in options:
            raise ApplicationError(_("Unknown answer code %(code)s.") % {"code": data.option_code},
                                   field=f"q{number}-option")
        before = (answer.option.code if answer.option_id else None, answer.note, answer.evidence)
        answer.option = options.get(data.option_code) if data.option_code else None
        answer.note = data.note.strip()
        answer.evidence = data.evidence.strip()
        answer.full_clean()
        answer.save()
        doc_ids = [d for d in data.document_ids if d in valid_docs]
        old_docs = set(answer.documents.values_list("pk", flat=True))
        if set(doc_ids) != old_docs:
            answer.documents.set(doc_ids)
        if before != (data.option_code, answer.note, answer.evidence) or set(doc_ids) != old_docs:
            changed.append(f"Q{number}")
    if changed:
        response.save(update_fields=["updated_at"])
        audit_log(action="followup.response.saved", target=response, actor=actor,
                  data={"questions": changed, "changed": changed})
    return response


@transaction.atomic
def response_approve(*, response: SurveyResponse, actor: User) -> SurveyResponse:
    if not has_perm(actor, "followup.answer.approve"):
        raise NotAllowed(_("Only an administrator can approve the answers."))
    response = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if response.status != SurveyResponse.Status.DRAFT or not response.is_current:
        raise ApplicationError(_("Only a draft can be approved."))
    missing = [f"Q{n}" for n in response.answers.filter(option__isnull=True)
               .values_list("question__number", flat=True)]
    if missing:
        raise ApplicationError(_("Answer every question before approving (missing: %(q)s).")
                               % {"q": ", ".join(missing)})
    if settings.PORTAL_FOUR_EYES_APPROVAL and actor.pk in response_drafters(response):
        raise NotAllowed(_("You drafted these answers: another administrator must approve "
                           "them (four-eyes approval)."))
    response.status = SurveyResponse.Status.APPROVED
    response.approved_by = actor
    response.approved_at = timezone.now()
    response.full_clean()
    response.save()
    audit_log(action="followup.response.approved", target=response, actor=actor,
              data={"version": response.version})
    return response


DRAFTING_ACTIONS = ("followup.response.started", "followup.response.saved",
                    "followup.response.imported", "followup.response.import_updated",
                    "followup.response.amended")


def response_drafters(response: SurveyResponse) -> set[int]:
    """Who wrote this version's answers (from its audit trail): started, saved, imported or
    amended it."""
    from django.contrib.contenttypes.models import ContentType

    from portal.models import AuditEntry

    ids = set(AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(SurveyResponse),
        object_id=str(response.pk), action__in=DRAFTING_ACTIONS, actor__isnull=False,
    ).values_list("actor_id", flat=True))
    if response.created_by_id:
        ids.add(response.created_by_id)
    return ids


@transaction.atomic
def response_reopen(*, response: SurveyResponse, actor: User) -> SurveyResponse:
    """Send approved (not yet locked) answers back to draft."""
    if not has_perm(actor, "followup.answer.approve"):
        raise NotAllowed(_("Only an administrator can reopen the answers."))
    response = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if response.status != SurveyResponse.Status.APPROVED:
        raise ApplicationError(_("Only approved answers can be reopened."))
    response.status = SurveyResponse.Status.DRAFT
    response.approved_by = None
    response.approved_at = None
    response.save()
    audit_log(action="followup.response.reopened", target=response, actor=actor)
    return response


@transaction.atomic
def response_lock(*, response: SurveyResponse, actor: User) -> SurveyResponse:
    if not has_perm(actor, "followup.answer.approve"):
        raise NotAllowed(_("Only an administrator can lock the answers."))
    response = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if response.status != SurveyResponse.Status.APPROVED:
        raise ApplicationError(_("Only approved answers can be locked."))
    response.status = SurveyResponse.Status.LOCKED
    response.locked_at = timezone.now()
    response.save()
    audit_log(action="followup.response.locked", target=response, actor=actor,
              data={"version": response.version})
    return response


@transaction.atomic
def response_amend(*, response: SurveyResponse, reason: str, actor: User) -> SurveyResponse:
    """Start a new draft version of locked answers; the locked version is kept unchanged."""
    if not has_perm(actor, "followup.answer.amend"):
        raise NotAllowed(_("Only an administrator can amend locked answers."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the amendment."), field="reason")
    old = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if old.status != SurveyResponse.Status.LOCKED or not old.is_current:
        raise ApplicationError(_("Only the current locked answers can be amended."))
    old.is_current = False
    old.save(update_fields=["is_current", "updated_at"])
    new = SurveyResponse(cycle=old.cycle, institution=old.institution, version=old.version + 1,
                         source=old.source, amendment_reason=reason, created_by=actor)
    new.full_clean()
    new.save()
    for answer in old.answers.prefetch_related("documents"):
        copy = SurveyAnswer.objects.create(response=new, question_id=answer.question_id,
                                           option_id=answer.option_id, note=answer.note,
                                           evidence=answer.evidence)
        docs = [d.pk for d in answer.documents.all()]
        if docs:
            copy.documents.set(docs)
    audit_log(action="followup.response.amended", target=new, actor=actor,
              data={"reason": reason, "from_version": old.version, "version": new.version})
    return new


# --- Other institutions' answers (import) ----------------------------------------------------


@transaction.atomic
def response_import(*, cycle: SurveyCycle, institution: Institution, codes: dict[int, int],
                    actor: User | None = None, options: dict | None = None,
                    questions: dict | None = None,
                    known_new: bool = False) -> tuple[SurveyResponse, bool]:
    """Store another institution's published answers (locked). Returns (response, changed).

    ``options``/``questions`` (code → object of the cycle's question set) may be passed by a
    bulk import so that they are not read again for every row, and ``known_new`` when the
    import already knows the institution has no answers to this cycle (the database's unique
    constraints still guard against a second current response).
    """
    if institution.is_home:
        raise ApplicationError(_("The home institution's answers are entered in the portal."))
    if options is None:
        options = {o.code: o for o in cycle.question_set.options.all()}
    if questions is None:
        questions = {q.number: q for q in cycle.question_set.questions.all()}
    for number, code in codes.items():
        if number not in questions or code not in options:
            raise ApplicationError(_("Unknown answer code %(code)s for Q%(n)s.")
                                   % {"code": code, "n": number})
    response = None
    if not known_new:
        response = SurveyResponse.objects.filter(cycle=cycle, institution=institution,
                                                 is_current=True).first()
    if response is None:
        response = SurveyResponse(cycle=cycle, institution=institution, created_by=actor,
                                  source=SurveyResponse.Source.IMPORTED,
                                  status=SurveyResponse.Status.LOCKED, locked_at=timezone.now())
        if known_new:
            # Loaded objects; uniqueness is enforced by the database's constraints.
            response.full_clean(exclude=["cycle", "institution", "created_by"],
                                validate_unique=False, validate_constraints=False)
        else:
            response.full_clean()
        response.save()
        SurveyAnswer.objects.bulk_create([
            SurveyAnswer(response=response, question=questions[n], option=options[c])
            for n, c in sorted(codes.items())
        ])
        audit_log(action="followup.response.imported", target=response, actor=actor,
                  data={"codes": {f"Q{n}": c for n, c in sorted(codes.items())}})
        return response, True
    current = dict(response.answers.filter(option__isnull=False)
                   .values_list("question__number", "option__code"))
    if current == codes:
        return response, False
    for answer in response.answers.select_related("question"):
        code = codes.get(answer.question.number)
        if code is not None:
            answer.option = options[code]
            answer.save(update_fields=["option"])
    missing = set(codes) - set(response.answers.values_list("question__number", flat=True))
    SurveyAnswer.objects.bulk_create([
        SurveyAnswer(response=response, question=questions[n], option=options[codes[n]])
        for n in sorted(missing)
    ])
    response.save(update_fields=["updated_at"])
    audit_log(action="followup.response.import_updated", target=response, actor=actor,
              data={"before": {f"Q{n}": c for n, c in sorted(current.items())},
                    "after": {f"Q{n}": c for n, c in sorted(codes.items())}})
    return response, True


# --- Regulation documents --------------------------------------------------------------------

def _check_pdf(upload: UploadedFile) -> uploads.CheckedUpload:
    return uploads.check_upload(upload, allowed={uploads.PDF}, message=_("Upload a PDF file."),
                                default_name="regulation")


@transaction.atomic
def regulation_upload(*, title: str, kind: str, enacted_on: dt.date,
                      revised_on: dt.date | None, upload: UploadedFile,
                      actor: User) -> RegulationDocument:
    if not has_perm(actor, "followup.regulation.manage"):
        raise NotAllowed(_("You are not allowed to upload regulation documents."))
    checked = _check_pdf(upload)
    if revised_on and revised_on < enacted_on:
        raise ApplicationError(_("The revision date cannot be before the enactment date."),
                               field="revised_on")
    name = checked.name
    doc = RegulationDocument(title=title.strip(), kind=kind, enacted_on=enacted_on,
                             revised_on=revised_on, original_filename=name, size=upload.size,
                             uploaded_by=actor)
    doc.file.save("regulation.pdf", upload, save=False)
    doc.full_clean()
    doc.save()
    audit_log(action="followup.regulation.uploaded", target=doc, actor=actor,
              data={"title": doc.title, "kind": kind, "filename": name})
    return doc


def regulation_downloaded(*, document: RegulationDocument, actor: User) -> None:
    audit_log(action="followup.regulation.downloaded", target=document, actor=actor)


# --- Institution registry from MEXT's list ---------------------------------------------------

MEXT_TYPES = {
    "national": "national_university", "国立": "national_university", "1": "national_university",
    "public": "public_university", "公立": "public_university", "2": "public_university",
    "private": "private_university", "私立": "private_university", "3": "private_university",
}


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)


def institutions_load_mext_request(*, actor: User):
    """An administrator asks for the MEXT registry to be loaded: recorded in the outbox (with its
    audit entry) and loaded by a worker after the commit. Returns the job."""
    from portal import outbox

    if not has_perm(actor, "followup.institution.load"):
        raise NotAllowed(_("You are not allowed to load the institution registry."))
    with transaction.atomic():
        audit_log(action="followup.institutions.load_requested", actor=actor)
        return outbox.enqueue("followup.load_mext", key="mext", actor=actor)


def institutions_load_mext(*, records: list[dict], actor: User | None = None) -> LoadStats:
    """Create or update institutions from MEXT records.

    Each record: ``code`` (school code), ``name_ja``, ``type`` (national/public/private or
    国立/公立/私立) and optionally ``name_en``. Unchanged institutions are left alone, so loading
    twice changes nothing.
    """
    if actor is not None and not has_perm(actor, "followup.institution.load"):
        raise NotAllowed(_("You are not allowed to load the institution registry."))
    categories = {c.code: c for c in InstitutionCategory.objects.all()}
    existing = {i.code: i for i in Institution.objects.all()}
    stats = LoadStats()
    with transaction.atomic():
        for rec in records:
            code = (rec.get("code") or "").strip()
            name_ja = (rec.get("name_ja") or "").strip()
            cat_code = MEXT_TYPES.get(str(rec.get("type") or "").strip())
            if not code or not name_ja or cat_code not in categories:
                stats.skipped.append(code or name_ja or "?")
                continue
            name_en = (rec.get("name_en") or "").strip()
            inst = existing.get(code)
            if inst is None:
                inst = Institution(code=code, name_ja=name_ja, name_en=name_en,
                                   category=categories[cat_code])
                institution_save(instance=inst, actor=actor)
                existing[code] = inst
                stats.created += 1
                continue
            new_en = name_en or inst.name_en
            if (inst.name_ja, inst.name_en, inst.category_id) == (
                    name_ja, new_en, categories[cat_code].pk):
                stats.unchanged += 1
                continue
            inst.name_ja, inst.name_en, inst.category = name_ja, new_en, categories[cat_code]
            institution_save(instance=inst, actor=actor)
            stats.updated += 1
        if stats.created or stats.updated:
            audit_log(action="followup.institutions.loaded", actor=actor,
                      data={"created": stats.created, "updated": stats.updated,
                            "unchanged": stats.unchanged, "skipped": len(stats.skipped)})
    return stats


@transaction.atomic
def cycles_roll(*, today: dt.date | None = None, actor: User | None = None) -> dict[str, list[int]]:
    """The annual turn of the survey: the current fiscal year's cycle is opened (from 1 April,
    portal.fiscal) and every older open cycle whose home answers are locked is closed.

    Run daily by the ``followup_cycles`` schedule (idempotent: a day with nothing to do changes
    nothing); an older cycle whose answers are still being prepared stays open until they are
    locked. Returns {"opened": [years], "closed": [years]}. Closing is audited like an
    administrator's, with the schedule (no actor) as its author.
    """
    from portal.fiscal import fiscal_year_of

    year = fiscal_year_of(today or timezone.localdate())
    result = {"opened": [], "closed": []}
    if not SurveyCycle.objects.filter(fiscal_year=year).exists():
        if QuestionSet.objects.exists():
            cycle_open(fiscal_year=year, actor=actor)
            result["opened"].append(year)
        else:  # a deployment without the reference fixtures yet: nothing to open a cycle with
            logger.warning("No question set: the survey cycle of FY%s is not opened", year)
    locked_home = SurveyResponse.objects.filter(
        cycle=OuterRef("pk"), institution__is_home=True, is_current=True,
        status=SurveyResponse.Status.LOCKED)
    for cycle in (SurveyCycle.objects.select_for_update()
                  .filter(status=SurveyCycle.Status.OPEN, fiscal_year__lt=year)
                  .filter(Exists(locked_home)).order_by("fiscal_year")):
        before = snapshot(cycle, ["status"])
        cycle.status = SurveyCycle.Status.CLOSED
        cycle.save(update_fields=["status", "updated_at"])
        audit_log(action="followup.cycle.status_changed", target=cycle, actor=actor,
                  before=before, after=snapshot(cycle, ["status"]))
        result["closed"].append(cycle.fiscal_year)
    return result
