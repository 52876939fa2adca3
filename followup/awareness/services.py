"""Writes of the awareness app. Keyword-only, atomic, validated, audited."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.awareness.models import (
    ActivityKind,
    ActivityMaterial,
    AnswerKind,
    Attendance,
    AttendanceSource,
    AwarenessActivity,
    CaseStudy,
    CaseStudyStatus,
    Checklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistResponse,
    ChecklistTarget,
    ChecklistVersion,
    QuizChoice,
    QuizQuestion,
    ResponseStatus,
    RiskType,
    VersionStatus,
)
from followup.awareness.resources import ImportReport, read_dataset, run_import
from followup.awareness.uploads import check_material
from portal.audit import audit_log, snapshot
from portal.errors import ApplicationError, NotAllowed, ValidationFailed
from portal.fiscal import fiscal_year_of
from portal.models import User
from portal.permissions import has_perm

logger = logging.getLogger(__name__)


def _full_clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        field, errs = next(iter(messages.items()))
        raise ValidationFailed(
            "; ".join(str(e) for e in errs), field=None if field == "__all__" else field,
            extra={"errors": messages},
        )


def _require(actor, code: str, obj=None) -> None:
    if actor is not None and not has_perm(actor, code, obj):
        raise NotAllowed(_("You are not allowed to do this."))


# --- Activities ------------------------------------------------------------------------------


@transaction.atomic
def activity_save(
    *,
    actor: User | None,
    instance: AwarenessActivity,
    departments: Iterable | None = None,
    case_studies: Iterable | None = None,
) -> AwarenessActivity:
    """Create or update an awareness activity (training, seminar, e-learning, notice)."""
    _require(actor, "awareness.activity.manage")
    created = instance.pk is None
    before = snapshot(AwarenessActivity.objects.get(pk=instance.pk)) if not created else {}
    if created and actor is not None and instance.created_by_id is None:
        instance.created_by = actor
    if instance.kind != ActivityKind.ELEARNING:
        instance.self_completion = False
    _full_clean(instance)
    instance.save()
    if departments is not None:
        instance.departments.set(departments)
    if case_studies is not None:
        instance.case_studies.set(case_studies)
    audit_log(
        action="awareness.activity.created" if created else "awareness.activity.changed",
        target=instance, actor=actor, before=before, after=snapshot(instance),
        data={"title": instance.title},
    )
    return instance


@transaction.atomic
def activity_delete(*, actor: User | None, activity: AwarenessActivity) -> None:
    _require(actor, "awareness.activity.manage")
    audit_log(action="awareness.activity.deleted", target=activity, actor=actor,
              data={"title": activity.title, "date": activity.date})
    for material in activity.materials.all():
        material.file.delete(save=False)
    activity.delete()


def material_add(*, actor: User | None, activity: AwarenessActivity, upload) -> ActivityMaterial:
    """Attach a PDF or an image (type sniffed, size limited) in the private storage."""
    _require(actor, "awareness.activity.manage")
    checked = check_material(upload)
    name, mimetype = checked.name, checked.mimetype
    with transaction.atomic():
        material = ActivityMaterial(
            activity=activity, filename=name, mimetype=mimetype, size=upload.size or 0,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        material.file.save(name, upload, save=False)
        _full_clean(material)
        material.save()
        audit_log(action="awareness.material.added", target=activity, actor=actor,
                  data={"filename": name, "size": material.size, "mimetype": mimetype})
    return material


@transaction.atomic
def material_delete(*, actor: User | None, material: ActivityMaterial) -> None:
    _require(actor, "awareness.activity.manage")
    activity = material.activity
    audit_log(action="awareness.material.deleted", target=activity, actor=actor,
              data={"filename": material.filename})
    material.file.delete(save=False)
    material.delete()


def material_downloaded(*, actor: User, material: ActivityMaterial) -> None:
    audit_log(action="awareness.material.downloaded", target=material.activity, actor=actor,
              data={"filename": material.filename})


@transaction.atomic
def quiz_question_add(
    *, actor: User | None, activity: AwarenessActivity, text: str,
    choices: list[tuple[str, bool]],
) -> QuizQuestion:
    """Add a question with its choices; at least two choices and one correct one."""
    _require(actor, "awareness.activity.manage")
    choices = [(c.strip(), bool(ok)) for c, ok in choices if c and c.strip()]
    if not text.strip():
        raise ValidationFailed(_("Write the question."), field="text")
    if len(choices) < 2:
        raise ValidationFailed(_("Give at least two choices."), field="choices")
    if not any(ok for _c, ok in choices):
        raise ValidationFailed(_("Mark at least one choice as correct."), field="choices")
    order = (activity.quiz_questions.aggregate(m=Max("order"))["m"] or 0) + 1
    question = QuizQuestion(activity=activity, text=text.strip(), order=order)
    _full_clean(question)
    question.save()
    QuizChoice.objects.bulk_create(
        QuizChoice(question=question, text=c, is_correct=ok, order=i)
        for i, (c, ok) in enumerate(choices, start=1)
    )
    audit_log(action="awareness.quiz.question_added", target=activity, actor=actor,
              data={"question": question.text[:200]})
    return question


@transaction.atomic
def quiz_question_delete(*, actor: User | None, question: QuizQuestion) -> None:
    _require(actor, "awareness.activity.manage")
    audit_log(action="awareness.quiz.question_deleted", target=question.activity, actor=actor,
              data={"question": question.text[:200]})
    question.delete()


@transaction.atomic
def attendance_mark(
    *, actor: User | None, activity: AwarenessActivity, users: Iterable[User],
    attended: bool = True,
) -> int:
    """Mark people as having attended (or not) in the portal; returns how many changed."""
    _require(actor, "awareness.activity.manage")
    users = list(users)
    existing = {a.user_id: a for a in Attendance.objects.filter(activity=activity,
                                                                 user__in=users)}
    when = timezone.now()
    changed = 0
    to_create = []
    for user in users:
        att = existing.get(user.pk)
        if att is None:
            to_create.append(Attendance(
                activity=activity, user=user, attended=attended,
                completed_at=when if attended else None, source=AttendanceSource.MARKED,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            ))
        elif att.attended != attended:
            att.attended = attended
            att.completed_at = (att.completed_at or when) if attended else None
            att.source = AttendanceSource.MARKED
            att.recorded_by = actor if getattr(actor, "pk", None) else None
            att.save(update_fields=["attended", "completed_at", "source", "recorded_by",
                                    "updated_at"])
            changed += 1
    Attendance.objects.bulk_create(to_create)
    changed += len(to_create)
    audit_log(action="awareness.attendance.marked", target=activity, actor=actor,
              data={"count": changed, "attended": attended,
                    "people": [u.email for u in users][:50]})
    return changed


@transaction.atomic
def attendance_remove(*, actor: User | None, attendance: Attendance) -> None:
    _require(actor, "awareness.activity.manage")
    audit_log(action="awareness.attendance.removed", target=attendance.activity, actor=actor,
              data={"person": attendance.user.email})
    attendance.delete()


def attendance_import(
    *, actor: User | None, activity: AwarenessActivity, upload, dry_run: bool = True
) -> ImportReport:
    """Check (dry run) or import an attendance file. Nothing is imported when any row is bad."""
    _require(actor, "awareness.activity.manage")
    dataset = read_dataset(upload)
    if not len(dataset):
        raise ValidationFailed(_("The file has no rows below the header."), field="file")
    report = run_import(activity=activity, dataset=dataset, actor=actor, dry_run=True)
    if dry_run or report.has_errors:
        return report
    with transaction.atomic():
        report = run_import(activity=activity, dataset=dataset, actor=actor, dry_run=False)
        if report.has_errors:  # something changed between the check and the import
            transaction.set_rollback(True)
            report.imported = False
            return report
        audit_log(action="awareness.attendance.imported", target=activity, actor=actor,
                  data={"rows": len(report.rows), "new": report.new_count,
                        "updated": report.update_count,
                        "filename": getattr(upload, "name", "")})
    return report


def quiz_score(*, activity: AwarenessActivity, answers: dict[int, int]) -> int:
    """Percentage of questions answered with a correct choice (``answers``: question → choice)."""
    questions = list(activity.quiz_questions.prefetch_related("choices"))
    if not questions:
        return 100
    correct = 0
    for q in questions:
        chosen = answers.get(q.pk)
        if any(c.pk == chosen and c.is_correct for c in q.choices.all()):
            correct += 1
    return round(100 * correct / len(questions))


@transaction.atomic
def elearning_complete(
    *, user: User, activity: AwarenessActivity, answers: dict[int, int] | None = None
) -> Attendance:
    """A researcher records their own e-learning completion, passing the quiz if there is one."""
    if not has_perm(user, "awareness.training.complete_own"):
        raise NotAllowed(_("You are not allowed to do this."))
    if activity.kind != ActivityKind.ELEARNING or not activity.self_completion:
        raise ApplicationError(_("This activity is not completed by self-recording."))
    score = quiz_score(activity=activity, answers=answers or {})
    has_quiz = activity.quiz_questions.exists()
    if has_quiz and score < activity.pass_mark:
        audit_log(action="awareness.elearning.quiz_failed", target=activity, actor=user,
                  data={"score": score, "pass_mark": activity.pass_mark})
        raise ApplicationError(
            _("You scored %(score)s%%; %(mark)s%% is needed. Read the material again and retry.")
            % {"score": score, "mark": activity.pass_mark}
        )
    att, _created = Attendance.objects.update_or_create(
        activity=activity, user=user,
        defaults={"attended": True, "completed_at": timezone.now(),
                  "source": AttendanceSource.SELF, "quiz_score": score if has_quiz else None,
                  "recorded_by": user},
    )
    audit_log(action="awareness.elearning.completed", target=activity, actor=user,
              data={"score": score if has_quiz else None})
    return att


# --- Checklists ------------------------------------------------------------------------------


@transaction.atomic
def checklist_create(
    *, actor: User | None, code: str, title: str, target: str, description: str = ""
) -> Checklist:
    """Create a checklist with an empty draft version 1."""
    _require(actor, "awareness.checklist.manage")
    checklist = Checklist(code=code, title=title, target=target, description=description)
    _full_clean(checklist)
    checklist.save()
    ChecklistVersion.objects.create(checklist=checklist, number=1, status=VersionStatus.DRAFT)
    audit_log(action="awareness.checklist.created", target=checklist, actor=actor,
              data={"title": title})
    return checklist


@transaction.atomic
def checklist_update(*, actor: User | None, checklist: Checklist, title: str,
                     description: str, is_active: bool) -> Checklist:
    _require(actor, "awareness.checklist.manage")
    before = snapshot(checklist, ["title", "description", "is_active"])
    checklist.title, checklist.description, checklist.is_active = title, description, is_active
    _full_clean(checklist)
    checklist.save()
    audit_log(action="awareness.checklist.changed", target=checklist, actor=actor,
              before=before, after=snapshot(checklist, ["title", "description", "is_active"]))
    return checklist


def published_version(checklist: Checklist) -> ChecklistVersion | None:
    return checklist.versions.filter(status=VersionStatus.PUBLISHED).first()


@transaction.atomic
def checklist_draft_for_edit(*, actor: User | None, checklist: Checklist) -> ChecklistVersion:
    """The draft version to edit; editing a published checklist starts a new version.

    The new draft copies the published questions (same keys), so published versions, and the
    answers that point at them, never change.
    """
    _require(actor, "awareness.checklist.manage")
    checklist = Checklist.objects.select_for_update().get(pk=checklist.pk)
    draft = checklist.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    current = published_version(checklist)
    number = (checklist.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = ChecklistVersion.objects.create(checklist=checklist, number=number,
                                            status=VersionStatus.DRAFT)
    if current is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                version=draft, key=i.key, order=i.order, category=i.category, text=i.text,
                help_text=i.help_text, answer_kind=i.answer_kind, risk_answer=i.risk_answer,
                opens_case=i.opens_case, risk_concern=i.risk_concern,
            )
            for i in current.items.all()
        )
    audit_log(action="awareness.checklist.version_started", target=checklist, actor=actor,
              data={"number": number})
    return draft


ITEM_FIELDS = ["key", "order", "category", "text", "help_text", "answer_kind", "risk_answer",
               "opens_case", "risk_concern"]


@transaction.atomic
def checklist_item_save(
    *, actor: User | None, checklist: Checklist, data: dict, key: str | None = None
) -> ChecklistItem:
    """Add a question, or change the question ``key``, in the checklist's draft version."""
    _require(actor, "awareness.checklist.manage")
    draft = checklist_draft_for_edit(actor=actor, checklist=checklist)
    if key is None:
        item = ChecklistItem(version=draft)
        before = {}
    else:
        item = draft.items.filter(key=key).first()
        if item is None:
            raise ApplicationError(_("This question is not in the checklist."))
        before = snapshot(item, ITEM_FIELDS)
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    if item.answer_kind == AnswerKind.TEXT:
        item.risk_answer = ""
    if not item.risk_answer:
        item.opens_case = False
    if item.opens_case and not item.risk_concern:
        item.risk_concern = "awareness"
    if key is None and draft.items.filter(key=item.key).exists():
        raise ValidationFailed(_("Another question already uses this key."), field="key")
    _full_clean(item)
    item.save()
    audit_log(action="awareness.checklist.item_saved", target=checklist, actor=actor,
              before=before, after=snapshot(item, ITEM_FIELDS),
              data={"version": draft.number, "key": item.key})
    return item


@transaction.atomic
def checklist_item_delete(*, actor: User | None, checklist: Checklist, key: str) -> None:
    _require(actor, "awareness.checklist.manage")
    draft = checklist_draft_for_edit(actor=actor, checklist=checklist)
    deleted, _n = draft.items.filter(key=key).delete()
    if not deleted:
        raise ApplicationError(_("This question is not in the checklist."))
    audit_log(action="awareness.checklist.item_deleted", target=checklist, actor=actor,
              data={"version": draft.number, "key": key})


@transaction.atomic
def checklist_publish(*, actor: User | None, checklist: Checklist, note: str = "") -> ChecklistVersion:
    """Publish the draft; the previously published version is superseded (kept for answers)."""
    _require(actor, "awareness.checklist.manage")
    checklist = Checklist.objects.select_for_update().get(pk=checklist.pk)
    draft = checklist.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise ApplicationError(_("There is no draft to publish."))
    if not draft.items.exists():
        raise ApplicationError(_("A checklist needs at least one question."))
    checklist.versions.filter(status=VersionStatus.PUBLISHED).update(status=VersionStatus.RETIRED)
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = timezone.now()
    draft.note = note[:300]
    draft.save()
    audit_log(action="awareness.checklist.published", target=checklist, actor=actor,
              data={"number": draft.number, "note": note})
    return draft


@transaction.atomic
def response_start(
    *, actor: User, checklist: Checklist, respondent: User | None, fiscal_year: int | None = None
) -> ChecklistResponse:
    """The response of ``respondent`` (None: the institution) for the year, created if needed."""
    fiscal_year = fiscal_year or fiscal_year_of()
    if checklist.target == ChecklistTarget.RESEARCHER:
        if respondent is None:
            raise ApplicationError(_("A researcher checklist is filled for a researcher."))
        if respondent.pk != actor.pk:
            if not has_perm(actor, "awareness.checklist.fill_for_researcher"):
                raise NotAllowed(_("Researchers fill their own checklist."))
        else:
            _require(actor, "awareness.checklist.fill_own")
    else:
        respondent = None
        _require(actor, "awareness.checklist.fill_institution")
    response = ChecklistResponse.objects.filter(
        checklist=checklist, respondent=respondent, fiscal_year=fiscal_year
    ).select_related("version").first()
    if response is not None:
        return response
    version = published_version(checklist)
    if version is None or not checklist.is_active:
        raise ApplicationError(_("This checklist is not open for answers."))
    response = ChecklistResponse(checklist=checklist, version=version, fiscal_year=fiscal_year,
                                 respondent=respondent, filled_by=actor)
    _full_clean(response)
    response.save()
    audit_log(action="awareness.response.started", target=response, actor=actor,
              data={"checklist": checklist.title, "fiscal_year": fiscal_year,
                    "version": version.number})
    return response


def _valid_values(item: ChecklistItem) -> set[str]:
    if item.answer_kind == AnswerKind.YES_NO:
        return {"yes", "no"}
    if item.answer_kind == AnswerKind.YES_NO_NA:
        return {"yes", "no", "na"}
    return set()


def response_save(
    *, actor: User, response: ChecklistResponse, answers: dict[int, tuple[str, str]],
    submit: bool = False,
) -> ChecklistResponse:
    """Save answers (item id → (value, comment)); on submit, risk answers may open cases.

    Answers are stored against the items of the version the response answers. When the
    response is submitted, each answer that signals a risk on a question set to open a case
    opens (or joins) a case in risk management for the researcher.
    """
    response = ChecklistResponse.objects.select_related("checklist", "version").get(pk=response.pk)
    if response.respondent_id:
        if response.respondent_id != actor.pk:
            if not has_perm(actor, "awareness.checklist.fill_for_researcher"):
                raise NotAllowed(_("Researchers fill their own checklist."))
        else:
            _require(actor, "awareness.checklist.fill_own", response)
    else:
        _require(actor, "awareness.checklist.fill_institution")
    if response.fiscal_year != fiscal_year_of() and response.status == ResponseStatus.SUBMITTED:
        raise ApplicationError(_("Answers of a past fiscal year can no longer be changed."))
    items = {i.pk: i for i in response.version.items.all()}
    errors: dict[int, str] = {}
    cleaned: dict[int, tuple[str, str]] = {}
    for item_id, item in items.items():
        value, comment = answers.get(item_id, ("", ""))
        value, comment = (value or "").strip(), (comment or "").strip()
        if item.answer_kind == AnswerKind.TEXT:
            value = ""
            if submit and not comment:
                errors[item_id] = _("Write an answer.")
        elif value and value not in _valid_values(item):
            errors[item_id] = _("Choose one of the answers.")
        elif submit and not value:
            errors[item_id] = _("Answer this question.")
        cleaned[item_id] = (value, comment)
    if errors:
        raise ValidationFailed(_("Some questions need an answer."), extra={"items": errors})
    to_open: list[ChecklistAnswer] = []
    with transaction.atomic():
        response = ChecklistResponse.objects.select_for_update().get(pk=response.pk)
        existing = {a.item_id: a for a in response.answers.all()}
        new_rows, risky = [], 0
        for item_id, (value, comment) in cleaned.items():
            item = items[item_id]
            signals = item.signals_risk(value)
            risky += signals
            answer = existing.get(item_id)
            if answer is None:
                answer = ChecklistAnswer(response=response, item=item, value=value,
                                         comment=comment, signals_risk=signals)
                new_rows.append(answer)
            elif (answer.value, answer.comment, answer.signals_risk) != (value, comment, signals):
                answer.value, answer.comment, answer.signals_risk = value, comment, signals
                answer.save(update_fields=["value", "comment", "signals_risk"])
        ChecklistAnswer.objects.bulk_create(new_rows)
        was_submitted = response.status == ResponseStatus.SUBMITTED
        response.filled_by = actor
        if submit:
            response.status = ResponseStatus.SUBMITTED
            response.submitted_at = timezone.now()
        response.save()
        audit_log(
            action="awareness.response.submitted" if submit else "awareness.response.saved",
            target=response, actor=actor,
            data={"checklist": response.checklist.title, "fiscal_year": response.fiscal_year,
                  "risk_answers": risky, "resubmitted": was_submitted and submit},
        )
        if submit and response.respondent_id:
            to_open = list(
                response.answers.filter(signals_risk=True, item__opens_case=True,
                                        case_object_id="").select_related("item")
            )
            for answer in to_open:
                _open_case_for(answer=answer, response=response, actor=actor)
    return response


def _open_case_for(*, answer: ChecklistAnswer, response: ChecklistResponse, actor: User) -> None:
    """Open or join a risk case for a risk answer (riskmgmt.services.case_open_or_join)."""
    from riskmgmt import services as risk_services

    reason = _("Checklist '%(checklist)s' (%(year)s), question: %(question)s — answer: %(answer)s") % {
        "checklist": response.checklist.title, "year": response.fiscal_year,
        "question": answer.item.text, "answer": answer.get_value_display(),
    }
    if answer.comment:
        reason += "\n" + answer.comment
    result = risk_services.case_open_or_join(
        researcher=response.respondent, concern=answer.item.risk_concern or "awareness",
        reason=reason, source_obj=answer, actor=actor,
    )
    case = result[0] if isinstance(result, tuple) else result
    if case is not None and getattr(case, "pk", None):
        answer.case_content_type = ContentType.objects.get_for_model(case)
        answer.case_object_id = str(case.pk)
        answer.save(update_fields=["case_content_type", "case_object_id"])
    audit_log(action="awareness.response.case_opened", target=response, actor=actor,
              data={"question": answer.item.text[:200], "case": str(case) if case else ""})


# --- Case library ----------------------------------------------------------------------------


CASE_FIELDS = ["title", "summary", "scenario", "warning_signs", "institution_response",
               "lessons", "related_rules"]


@transaction.atomic
def case_study_save(
    *, actor: User | None, instance: CaseStudy, risk_types: Iterable | None = None,
    related_measures: Iterable | None = None,
) -> CaseStudy:
    _require(actor, "awareness.casestudy.manage")
    created = instance.pk is None
    before = snapshot(CaseStudy.objects.get(pk=instance.pk), CASE_FIELDS) if not created else {}
    if created and getattr(actor, "pk", None):
        instance.author = actor
    _full_clean(instance, exclude=["search_text"])
    instance.save()
    if risk_types is not None:
        instance.risk_types.set(risk_types)
    if related_measures is not None:
        instance.related_measures.set(related_measures)
    audit_log(
        action="awareness.casestudy.created" if created else "awareness.casestudy.changed",
        target=instance, actor=actor, before=before, after=snapshot(instance, CASE_FIELDS),
        data={"title": instance.title},
    )
    return instance


@transaction.atomic
def case_study_publish(*, actor: User | None, case_study: CaseStudy, publish: bool = True) -> CaseStudy:
    _require(actor, "awareness.casestudy.manage")
    if publish:
        case_study.status = CaseStudyStatus.PUBLISHED
        case_study.published_at = case_study.published_at or timezone.now()
    else:
        case_study.status = CaseStudyStatus.DRAFT
    case_study.save(update_fields=["status", "published_at", "search_text", "updated_at"])
    audit_log(
        action="awareness.casestudy.published" if publish else "awareness.casestudy.withdrawn",
        target=case_study, actor=actor, data={"title": case_study.title},
    )
    return case_study


@transaction.atomic
def risk_type_save(*, instance: RiskType, actor: User | None = None) -> RiskType:
    """Create or rename a risk-type tag of the case library (administrators, in the admin)."""
    before = snapshot(RiskType.objects.get(pk=instance.pk)) if instance.pk else {}
    _full_clean(instance)
    instance.save()
    audit_log(action="awareness.risktype.saved", target=instance, actor=actor,
              before=before, after=snapshot(instance))
    return instance
