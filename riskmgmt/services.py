"""Writes of risk management. Keyword-only, atomic, validated, audited.

Public services used by other apps:

``case_open_or_join(*, researcher, concern, reason, source_obj=None, actor=None)``
    Opens a case for ``researcher`` and ``concern`` (a :class:`riskmgmt.models.Concern` value,
    e.g. ``Concern.AWARENESS`` or ``"talent_programme"``), or joins the open one, and records a
    :class:`Flag` with ``reason`` linked to ``source_obj`` (any model instance, e.g. a checklist
    answer). Returns ``(case, flag)``. Safe to call repeatedly: one open case per researcher and
    concern. Extra keyword arguments (``rule``, ``items``, ``version``, ``hit``) are used by the
    rule engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sys
import uuid
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import uploads
from portal.audit import audit_log, snapshot
from portal.errors import ApplicationError, NotAllowed
from portal.models import Organisation, OrganisationAlias, User
from portal.permissions import has_perm
from riskmgmt import importers, matching, notices, reasons
from riskmgmt.models import (
    Case,
    Concern,
    ContingencyPlan,
    FalsePositiveClearance,
    Flag,
    FlagItem,
    FlagVersion,
    FundingAgencyInquiry,
    InformationRequest,
    MitigationMeasure,
    MonitoringReview,
    RegistrySnapshot,
    RequestAttachment,
    RiskAssessment,
    Rule,
    RuleChange,
    ScreeningEntry,
    ScreeningHit,
    ScreeningList,
    ScreeningListRelease,
    ScreeningRun,
    risk_level_for,
)
from riskmgmt.rules import RULE_TYPES, Finding, defaults_for, item_label

logger = logging.getLogger(__name__)


class ImportFailed(ApplicationError):
    """A list file had row errors: nothing was imported. ``errors`` lists (row, message)."""

    def __init__(self, message, errors):
        super().__init__(message, extra={"errors": errors})
        self.errors = errors


def _validate(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        messages = []
        for errs in exc.message_dict.values():
            messages.extend(errs)
        raise ApplicationError(" ".join(messages), field=next(iter(exc.message_dict), None))


# --- Rules -----------------------------------------------------------------------------------


def rules_ensure_builtin() -> list[Rule]:
    """Create the built-in rules that do not exist yet (enabled, with default parameters)."""
    from django.utils import translation

    existing = set(Rule.objects.values_list("code", flat=True))
    created = []
    for code, rt in RULE_TYPES.items():
        if code in existing:
            continue
        with translation.override("en"):  # stored as the msgid; shown translated (Rule.label)
            name, description = str(rt.label), str(rt.description)
        rule = Rule(code=code, rule_type=code, name=name, description=description,
                    concern=rt.concern, params=defaults_for(code))
        rule.full_clean()
        rule.save()
        created.append(rule)
    return created


@transaction.atomic
def rule_update(*, rule: Rule, is_enabled: bool, params: dict, note: str = "",
                actor: User | None = None) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = {"is_enabled": rule.is_enabled, "params": rule.params}
    rule.is_enabled = bool(is_enabled)
    rule.params = params
    _validate(rule)
    after = {"is_enabled": rule.is_enabled, "params": rule.params}
    if before == after:
        return rule
    rule.save()
    RuleChange.objects.create(rule=rule, changed_by=actor, before=before, after=after,
                              note=note[:300])
    audit_log(action="riskmgmt.rule.changed", target=rule, actor=actor, before=before,
              after=after, data={"note": note})
    return rule


# --- Cases -----------------------------------------------------------------------------------


def _new_reference(prefix: str) -> str:
    """A readable unique reference (RC-2026-3F2A9C01BE): 40 random bits, so that even a
    re-screening that opens tens of thousands of cases in a year does not collide."""
    return f"{prefix}-{timezone.localdate():%Y}-{uuid.uuid4().hex[:10].upper()}"


def case_open_or_join(*, researcher: User, concern: str, reason: str, source_obj=None,
                      actor: User | None = None, rule: Rule | None = None,
                      items: Iterable = (), version=None, hit: ScreeningHit | None = None,
                      title: str = "", concern_key: str = "",
                      fingerprint: str = "", reason_key: str = "",
                      reason_params: dict | None = None) -> tuple[Case, Flag]:
    """Open a case for (researcher, concern) or join the open one; add a flag. See module doc."""
    flag = cases_open_or_join(concern=concern, flags=[FlagSpec(
        researcher=researcher, reason=reason, source_obj=source_obj, items=list(items),
        version=version, hit=hit, title=title, concern_key=concern_key,
        fingerprint=fingerprint, reason_key=reason_key,
        reason_params=reason_params or {})], rule=rule, actor=actor)[0]
    return flag.case, flag


@dataclass
class FlagSpec:
    """One flag to record on ``researcher``'s open case (see :func:`cases_open_or_join`)."""

    researcher: User
    reason: str
    source_obj: object = None
    items: list = field(default_factory=list)
    version: object = None
    hit: ScreeningHit | None = None
    title: str = ""
    concern_key: str = ""
    fingerprint: str = ""
    # ``reason`` as a key and parameters (riskmgmt.reasons), read in the reader's language.
    reason_key: str = ""
    reason_params: dict = field(default_factory=dict)


def cases_open_or_join(*, concern: str, flags: list[FlagSpec], rule: Rule | None = None,
                       actor: User | None = None) -> list[Flag]:
    """Record ``flags`` (all of one ``concern``) on their researchers' open cases, opening the
    cases that do not exist; returns the flags in the order given, each with ``flag.case``.

    One transaction and a fixed number of queries however many flags (inserts go by the
    thousand rows): the open cases of all the researchers (locked), the new cases
    (``INSERT … ON CONFLICT DO NOTHING``) and a second read of those, the flags, their items, the
    flag counts (one ``UPDATE`` per distinct number of new flags on a case: one or two in
    practice); plus one audit entry per case opened or joined, with every reason (the audit trail
    writes entries one at a time). One open case per
    researcher and concern is the database's partial unique constraint: a case opened at the
    same moment by somebody else makes our insert a no-op, and the second read joins theirs. A
    case not found after that (a clash of random references) is tried again with new ones.
    """
    if concern not in Concern.values:
        raise ApplicationError(_("Unknown concern."))
    if not flags:
        return []
    by_researcher: dict[int, list[FlagSpec]] = {}
    researchers: dict[int, User] = {}
    for spec in flags:
        by_researcher.setdefault(spec.researcher.pk, []).append(spec)
        researchers[spec.researcher.pk] = spec.researcher
    ids = sorted(by_researcher)  # the same lock order in every transaction

    def open_cases(researcher_ids):
        return (Case.objects.select_for_update()
                .filter(researcher_id__in=researcher_ids, concern=concern)
                .exclude(status=Case.Status.CLOSED).order_by("researcher_id"))

    with transaction.atomic():
        cases = {c.researcher_id: c for c in open_cases(ids)}
        opened: set[int] = set()
        missing = [pk for pk in ids if pk not in cases]
        for _attempt in range(3):
            if not missing:
                break
            new = []
            for pk in missing:
                person, first = researchers[pk], by_researcher[pk][0]
                case = Case(reference=_new_reference("RC"), researcher=person,
                            department_id=person.department_id, concern=concern,
                            title=(first.title or f"{Concern(concern).label} — "
                                   f"{person.display_name}")[:300],
                            title_params={} if first.title else Case.generated_title_params(person))
                try:  # the fields only: uniqueness is the insert's business
                    case.full_clean(exclude=["researcher", "department", "assignee"],
                                    validate_unique=False, validate_constraints=False)
                except ValidationError as exc:
                    raise ApplicationError(" ".join(m for ms in exc.message_dict.values()
                                                    for m in ms)) from exc
                new.append(case)
            Case.objects.bulk_create(new, ignore_conflicts=True)
            ours = {c.reference for c in new}
            for case in open_cases(missing):
                cases[case.researcher_id] = case
                if case.reference in ours:
                    opened.add(case.pk)
            missing = [pk for pk in missing if pk not in cases]
        if missing:
            raise ApplicationError(_("The case could not be opened; please try again."))

        created: list[Flag] = []
        for spec in flags:
            flag = Flag(case=cases[spec.researcher.pk], rule=rule, reason=spec.reason[:4000],
                        reason_key=spec.reason_key, reason_params=spec.reason_params,
                        version=spec.version, hit=spec.hit, concern_key=spec.concern_key,
                        fingerprint=spec.fingerprint,
                        last_version=spec.version if spec.concern_key else None,
                        last_state=FlagVersion.State.NEW if spec.concern_key else "",
                        item_keys=[str(getattr(item, "item_key", None) or "")
                                   for item in spec.items],
                        item_labels=[item_label(item)[:300] for item in spec.items])
            if spec.source_obj is not None:
                flag.source_type = ContentType.objects.get_for_model(spec.source_obj,
                                                                     for_concrete_model=False)
                flag.source_id = str(spec.source_obj.pk)
                flag.source_label = str(spec.source_obj)[:300]
            created.append(flag)
        Flag.objects.bulk_create(created, batch_size=1000)
        FlagItem.objects.bulk_create([
            FlagItem(flag=flag, item_type=ContentType.objects.get_for_model(item),
                     item_id=item.pk, item_key=getattr(item, "item_key", None),
                     label=item_label(item)[:300])
            for flag, spec in zip(created, flags, strict=True) for item in spec.items
        ], batch_size=1000)
        by_increment: dict[int, list[int]] = {}
        for pk, specs in by_researcher.items():
            by_increment.setdefault(len(specs), []).append(cases[pk].pk)
        for n, case_ids in by_increment.items():  # nearly always one UPDATE (+1), rarely two
            Case.objects.filter(pk__in=case_ids).update(flag_count=F("flag_count") + n)
        for pk in ids:
            case, specs = cases[pk], by_researcher[pk]
            case.flag_count += len(specs)
            reason = "\n".join(spec.reason for spec in specs)[:500]
            data = {"reason": reason, "flags": len(specs)}
            if all(spec.reason_key for spec in specs):  # the history reads them for its reader
                data["reasons"] = [[spec.reason_key, spec.reason_params] for spec in specs]
            if case.pk in opened:
                audit_log(action="riskmgmt.case.opened", target=case, actor=actor,
                          data={"concern": concern, **data})
            else:
                audit_log(action="riskmgmt.case.flag_joined", target=case, actor=actor,
                          data=data)
    return created


@transaction.atomic
def case_assign(*, cases: Iterable[Case], assignee: User | None, actor: User) -> int:
    if assignee is not None and not has_perm(assignee, "riskmgmt.case.manage"):
        raise ApplicationError(_("Cases can only be assigned to research-office staff."),
                               field="assignee")
    count = 0
    for case in cases:
        if case.assignee_id == (assignee.pk if assignee else None):
            continue
        before = {"assignee": str(case.assignee) if case.assignee_id else ""}
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        audit_log(action="riskmgmt.case.assigned", target=case, actor=actor, before=before,
                  after={"assignee": str(assignee) if assignee else ""})
        notices.case_assigned(case, actor=actor)
        count += 1
    return count


def _require_open(case: Case) -> None:
    if case.is_closed:
        raise ApplicationError(_("The case is closed."))


@transaction.atomic
def case_assess(*, case: Case, likelihood: int, impact: int, rationale: str,
                actor: User) -> RiskAssessment:
    _require_open(case)
    if not (rationale or "").strip():
        raise ApplicationError(_("Give the rationale of the assessment."), field="rationale")
    assessment = RiskAssessment(case=case, likelihood=likelihood, impact=impact,
                                level=risk_level_for(likelihood or 1, impact or 1),
                                rationale=rationale.strip(), assessed_by=actor)
    _validate(assessment)
    assessment.save()
    before = snapshot(case, ["likelihood", "impact", "risk_level", "status"])
    case.likelihood, case.impact, case.risk_level = likelihood, impact, assessment.level
    case.rationale = assessment.rationale
    if case.status == Case.Status.OPEN:
        case.status = Case.Status.ASSESSING
    case.save()
    audit_log(action="riskmgmt.case.assessed", target=case, actor=actor, before=before,
              after=snapshot(case, ["likelihood", "impact", "risk_level", "status"]),
              data={"rationale": assessment.rationale, "level": assessment.level})
    return assessment


@transaction.atomic
def case_decide(*, case: Case, decision: str, note: str, actor: User) -> Case:
    _require_open(case)
    if decision not in {d for d in Case.Decision.values if d}:
        raise ApplicationError(_("Choose a decision."), field="decision")
    if not case.risk_level:
        raise ApplicationError(_("Assess the risk before deciding."), field="decision")
    before = snapshot(case, ["decision", "decision_note", "status"])
    case.decision, case.decision_note, case.decided_at = decision, note.strip(), timezone.now()
    if decision == Case.Decision.MITIGATE:
        case.status = Case.Status.MITIGATING
    case.save()
    audit_log(action="riskmgmt.case.decided", target=case, actor=actor, before=before,
              after=snapshot(case, ["decision", "decision_note", "status"]))
    notices.case_decided(case, actor=actor)
    return case


@transaction.atomic
def measure_add(*, kind: str, owner: User, due_date: dt.date, actor: User, description: str = "",
                case: Case | None = None, inquiry: FundingAgencyInquiry | None = None
                ) -> MitigationMeasure:
    if case is not None:
        _require_open(case)
    measure = MitigationMeasure(case=case, inquiry=inquiry, kind=kind, owner=owner,
                                due_date=due_date, description=description.strip())
    _validate(measure)
    measure.save()
    target = case or inquiry
    audit_log(action="riskmgmt.measure.added", target=target, actor=actor,
              data={"measure": measure.get_kind_display(), "owner": str(owner),
                    "due_date": due_date, "description": measure.description})
    return measure


@transaction.atomic
def measure_set_status(*, measure: MitigationMeasure, status: str, actor: User) -> MitigationMeasure:
    if status not in MitigationMeasure.Status.values:
        raise ApplicationError(_("Unknown status."), field="status")
    before = {"status": measure.status}
    measure.status = status
    measure.completed_at = timezone.now() if status == MitigationMeasure.Status.DONE else None
    measure.save()
    audit_log(action="riskmgmt.measure.status_changed", target=measure.case or measure.inquiry,
              actor=actor, before=before, after={"status": status},
              data={"measure": measure.get_kind_display()})
    return measure


@transaction.atomic
def contingency_plan_save(*, case: Case, trigger: str, actions: str, responsible: User | None,
                          actor: User) -> ContingencyPlan:
    _require_open(case)
    plan = ContingencyPlan.objects.filter(case=case).first() or ContingencyPlan(case=case)
    before = snapshot(plan, ["trigger", "actions", "responsible_id"]) if plan.pk else {}
    plan.trigger, plan.actions, plan.responsible = trigger.strip(), actions.strip(), responsible
    _validate(plan)
    plan.save()
    audit_log(action="riskmgmt.contingency.saved", target=case, actor=actor, before=before,
              after=snapshot(plan, ["trigger", "actions", "responsible_id"]))
    return plan


@transaction.atomic
def monitoring_review_add(*, case: Case, note: str, next_review_date: dt.date | None,
                          actor: User) -> MonitoringReview:
    _require_open(case)
    review = MonitoringReview(case=case, note=note.strip(), next_review_date=next_review_date,
                              reviewed_by=actor)
    _validate(review)
    review.save()
    if case.status in (Case.Status.MITIGATING, Case.Status.ASSESSING, Case.Status.OPEN) and \
            case.decision:
        case.status = Case.Status.MONITORING
        case.save(update_fields=["status", "updated_at"])
    audit_log(action="riskmgmt.case.reviewed", target=case, actor=actor,
              data={"note": review.note, "next_review_date": next_review_date})
    return review


def _recount_flags(*cases: Case) -> None:
    for case in cases:
        case.flag_count = case.flags.count()
        Case.objects.filter(pk=case.pk).update(flag_count=case.flag_count)


@transaction.atomic
def case_merge(*, case: Case, into: Case, actor: User) -> Case:
    """Move every flag of ``case`` to ``into`` (same researcher, both open) and close ``case``
    as merged. Measures, reviews and questions stay with ``case`` in its history."""
    case, into = (Case.objects.select_for_update().get(pk=c.pk) for c in (case, into))
    _require_open(case)
    _require_open(into)
    if case.pk == into.pk or case.researcher_id != into.researcher_id:
        raise ApplicationError(_("A case can only be merged into another case of the same "
                                 "researcher."), field="into")
    moved = Flag.objects.filter(case=case).update(case=into)
    _recount_flags(case, into)
    case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
    case.closure_reason = _("Merged into %(reference)s") % {"reference": into.reference}
    case.save(update_fields=["status", "closed_at", "closure_reason", "updated_at"])
    audit_log(action="riskmgmt.case.merged", target=case, actor=actor,
              data={"into": into.reference, "flags": moved})
    audit_log(action="riskmgmt.case.merged_in", target=into, actor=actor,
              data={"from": case.reference, "flags": moved})
    return into


@transaction.atomic
def case_split(*, case: Case, flags: Iterable[Flag], concern: str, actor: User) -> Case:
    """Move ``flags`` out of ``case`` to the researcher's open case of another ``concern``
    (opened if there is none: one open case per researcher and concern still holds)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    if concern not in Concern.values or concern == case.concern:
        raise ApplicationError(_("Choose a concern other than this case's."), field="concern")
    ids = {f.pk for f in flags}
    own = set(case.flags.values_list("pk", flat=True))
    if not ids or not ids <= own:
        raise ApplicationError(_("Choose flags of this case."), field="flags")
    if ids == own:
        raise ApplicationError(_("Leave at least one flag on this case (or merge it instead)."),
                               field="flags")
    target = (Case.objects.select_for_update()
              .filter(researcher_id=case.researcher_id, concern=concern)
              .exclude(status=Case.Status.CLOSED).first())
    opened = target is None
    if opened:
        target = Case.objects.create(
            reference=_new_reference("RC"), researcher_id=case.researcher_id,
            department_id=case.department_id, concern=concern,
            title=f"{Concern(concern).label} — {case.researcher.display_name}"[:300],
            title_params=Case.generated_title_params(case.researcher))
    Flag.objects.filter(pk__in=ids).update(case=target)
    _recount_flags(case, target)
    audit_log(action="riskmgmt.case.split", target=case, actor=actor,
              data={"into": target.reference, "flags": len(ids)})
    audit_log(action="riskmgmt.case.opened" if opened else "riskmgmt.case.flag_joined",
              target=target, actor=actor,
              data={"concern": concern, "from": case.reference, "flags": len(ids)})
    return target


@transaction.atomic
def case_close(*, case: Case, reason: str, actor: User) -> Case:
    _require_open(case)
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for closing the case."), field="reason")
    before = snapshot(case, ["status", "closure_reason"])
    case.status, case.closure_reason, case.closed_at = Case.Status.CLOSED, reason.strip(), timezone.now()
    case.save()
    audit_log(action="riskmgmt.case.closed", target=case, actor=actor, before=before,
              after=snapshot(case, ["status", "closure_reason"]))
    return case


@transaction.atomic
def information_request_ask(*, case: Case, question: str, actor: User,
                            due_date: dt.date | None = None) -> InformationRequest:
    _require_open(case)
    req = InformationRequest(case=case, researcher=case.researcher, question=question.strip(),
                             asked_by=actor, due_date=due_date)
    _validate(req)
    req.save()
    audit_log(action="riskmgmt.request.asked", target=case, actor=actor,
              data={"question": req.question})
    notices.request_asked(req)  # the researcher is told in this transaction
    return req


# What a researcher may send with an answer: documents and scans (a copy of a contract, an
# approval letter), decided from the content by the one upload check (portal.uploads).
ANSWER_ATTACHMENT_TYPES = {uploads.PDF, uploads.PNG, uploads.JPEG, uploads.DOCX, uploads.XLSX}


@transaction.atomic
def information_request_answer(*, request: InformationRequest, answer: str, actor: User,
                               files: Iterable = ()) -> InformationRequest:
    """The researcher's answer, with the files they attach; answered once, then read-only
    (it stays in the thread for both sides)."""
    req = InformationRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    if req.researcher_id != actor.pk:
        raise NotAllowed(_("Only the researcher asked can answer."))
    if req.is_answered:
        raise ApplicationError(_("This question has already been answered."))
    if not (answer or "").strip():
        raise ApplicationError(_("Write your answer."), field="answer")
    files = [f for f in files if f]
    checked = [uploads.check_upload(
        f, allowed=ANSWER_ATTACHMENT_TYPES, field="attachment", default_name="attachment",
        message=_("Only PDF, PNG, JPEG, Word (.docx) and Excel (.xlsx) files can be attached."))
        for f in files]
    req.answer, req.answered_at = answer.strip(), timezone.now()
    for upload, check in zip(files, checked, strict=True):
        attachment = RequestAttachment(request=req, original_name=check.name,
                                       mimetype=check.mimetype, size=check.size,
                                       uploaded_by=actor)
        attachment.file.save(check.name, upload, save=False)
        attachment.save()
        req.attachment_list.append({"id": str(attachment.public_id), "name": check.name,
                                    "size": check.size})
    req.save()
    audit_log(action="riskmgmt.request.answered", target=req.case, actor=actor,
              data={"question": req.question, "answer": req.answer,
                    "files": [c.name for c in checked]})
    notices.request_answered(req, actor=actor)
    return req


def request_attachment_downloaded(*, attachment: RequestAttachment, actor: User) -> None:
    audit_log(action="riskmgmt.request.attachment_downloaded", target=attachment.request.case,
              actor=actor, data={"name": attachment.original_name})


# --- Evaluation of a submitted disclosure version --------------------------------------------


def flag_fingerprint(reason: str, items, *, key: str = "", params: dict | None = None) -> str:
    """A digest of what a flag says and which items (by stable key) raised it.

    What it says is its reason's key and parameters when it has them (so an evaluation in
    another language gives the same digest), else the text of ``reason``."""
    from riskmgmt.reasons import digest_text

    keys = sorted(str(getattr(i, "item_key", "") or "") for i in items)
    said = digest_text(key, params or {}) if key else reason
    return hashlib.sha256("\n".join([said, *keys]).encode()).hexdigest()


def _concern_key(version, rule: Rule, finding: Finding) -> str:
    key = f"disclosure:{version.disclosure_id}:rule:{rule.pk}"
    if finding.hits:
        key += f":org:{finding.hits[0][0]}"
    return key


def version_evaluate_enqueue(*, version) -> None:
    """Ask the outbox for the rule evaluation of ``version``, in the caller's transaction."""
    from portal import outbox

    outbox.enqueue("riskmgmt.evaluate_version", key=f"version:{version.pk}", version_id=version.pk)


@transaction.atomic
def version_evaluate(*, version_id: int) -> list[Flag]:
    """:func:`_version_evaluate`, in the portal's default language whoever asks: the names in
    a reason's parameters (an organisation's, in ``item_label``) are then the same at every
    evaluation, so its fingerprint is too; the reason still reads in each reader's language
    (``Flag.reason_display``)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return _version_evaluate(version_id=version_id)


def _version_evaluate(*, version_id: int) -> list[Flag]:
    """Run every enabled rule over a submitted version; a concern is one flag carried forward.

    A finding whose concern (disclosure, rule and, for a screening match, organisation) already
    has an unresolved flag is recorded on that flag as *unchanged* (or *changed*, its reason and
    items brought up to this version); a new concern opens or joins the researcher's open case
    as a *new* flag; an unresolved flag of a rule that ran and no longer fires is *resolved*.
    So resubmitting the same disclosure adds no flags and no cases. A carried-forward flag
    stays on its case even when that case was closed (the office closed it knowing the concern).

    One transaction: every flag, case and state of the version, or none (a database fault
    half-way leaves nothing, and the outbox runs it again). A rule that raises anything but a
    database error is broken, not failing: it is logged and skipped, and the others still run.

    Idempotent: a rule that already recorded a state for this version is not run again.
    Returns the flags new in this version.
    """
    from disclosures.models import DisclosureVersion
    from riskmgmt.rules import DisclosureFacts

    version = (DisclosureVersion.objects.select_related("disclosure__owner__department")
               .get(pk=version_id))
    researcher = version.disclosure.owner
    rules_ensure_builtin()
    rules = list(Rule.objects.filter(is_enabled=True))
    done = set(FlagVersion.objects.filter(version=version)
               .values_list("flag__rule_id", flat=True))
    done |= set(Flag.objects.filter(version=version).values_list("rule_id", flat=True))
    carried = {f.concern_key: f for f in Flag.objects.filter(
        concern_key__startswith=f"disclosure:{version.disclosure_id}:rule:",
        resolved_version__isnull=True)}
    facts = DisclosureFacts.for_version(version)
    flags, states, ran, seen = [], [], set(), set()
    for rule in rules:
        if rule.pk in done:
            continue
        rt = RULE_TYPES.get(rule.rule_type)
        if rt is None:
            continue
        try:
            findings = rt.evaluate(facts, rule.params)
        except DatabaseError:
            raise
        except Exception:  # a broken rule must not stop the others (nor resolve its flags)
            logger.exception("Rule %s failed on version %s", rule.code, version_id)
            continue
        ran.add(rule.pk)
        if findings and rt.code != "screening_match":
            # One flag per rule and version, linked to every item that made it fire.
            reason_key, reason_params = "", {}
            if all(f.key for f in findings):
                reason_key, reason_params = (
                    (findings[0].key, findings[0].params) if len(findings) == 1
                    else reasons.joined([(f.key, f.params) for f in findings]))
            findings = [Finding(reason="\n".join(f.reason for f in findings),
                                items=[i for f in findings for i in f.items],
                                key=reason_key, params=reason_params)]
        for finding in findings:
            key = _concern_key(version, rule, finding)
            fingerprint = flag_fingerprint(finding.reason, finding.items, key=finding.key,
                                           params=finding.params)
            seen.add(key)
            existing = carried.get(key)
            if existing is not None:
                # A flag recorded before reasons had keys has the digest of its text: the
                # same text is the same concern (its key and parameters are filled in now).
                same = existing.fingerprint == fingerprint or (
                    not existing.reason_key
                    and existing.fingerprint == flag_fingerprint(finding.reason, finding.items))
                state = FlagVersion.State.UNCHANGED if same else FlagVersion.State.CHANGED
                _flag_carry_forward(existing, finding, fingerprint, version, state)
                states.append(FlagVersion(flag=existing, version=version, state=state))
                continue
            hit = None
            if finding.hits:
                hit = _record_disclosure_hits(finding.hits)
                if hit is None:
                    continue  # every hit of this organisation was cleared as a false positive
            _case, flag = case_open_or_join(
                researcher=researcher, concern=rule.concern, reason=finding.reason,
                source_obj=version, rule=rule, items=finding.items, version=version, hit=hit,
                concern_key=key, fingerprint=fingerprint, reason_key=finding.key,
                reason_params=finding.params)
            states.append(FlagVersion(flag=flag, version=version, state=FlagVersion.State.NEW))
            flags.append(flag)
    resolved = [f for key, f in carried.items() if key not in seen and f.rule_id in ran]
    with transaction.atomic():
        if resolved:
            Flag.objects.filter(pk__in=[f.pk for f in resolved]).update(
                resolved_version=version, last_version=version,
                last_state=FlagVersion.State.RESOLVED)
            states += [FlagVersion(flag=f, version=version, state=FlagVersion.State.RESOLVED)
                       for f in resolved]
        FlagVersion.objects.bulk_create(states, ignore_conflicts=True)
        if facts.screened is not None:  # evidence of the screening (follow-up survey Q5)
            now = timezone.now()
            ScreeningRun.objects.create(
                kind=ScreeningRun.Kind.DISCLOSURE, status=ScreeningRun.Status.DONE,
                started_at=now, finished_at=now, names_checked=facts.screened,
                new_hits=sum(1 for f in flags if f.hit_id))
        audit_log(action="riskmgmt.version.evaluated", target=version,
                  data={"flags": len(flags), "rules": len(rules), "resolved": len(resolved),
                        "carried_forward": len(states) - len(flags) - len(resolved)})
    return flags


def _flag_carry_forward(flag: Flag, finding: Finding, fingerprint: str, version,
                        state: str) -> None:
    """Point a persisting flag at this version's items (their rows are per version), record
    its state here, and bring its reason up to date when it changed."""
    with transaction.atomic():
        FlagItem.objects.filter(flag=flag).delete()
        FlagItem.objects.bulk_create([
            FlagItem(flag=flag, item_type=ContentType.objects.get_for_model(item),
                     item_id=item.pk, item_key=getattr(item, "item_key", None),
                     label=item_label(item)[:300]) for item in finding.items])
        flag.last_version, flag.last_state = version, state
        flag.item_keys = [str(getattr(item, "item_key", None) or "") for item in finding.items]
        flag.item_labels = [item_label(item)[:300] for item in finding.items]
        fields = ["last_version", "last_state", "item_keys", "item_labels", "updated_at"]
        if flag.fingerprint != fingerprint:
            flag.reason, flag.fingerprint = finding.reason[:4000], fingerprint
            flag.reason_key, flag.reason_params = finding.key, finding.params
            fields += ["reason", "fingerprint", "reason_key", "reason_params"]
        flag.save(update_fields=fields)


def _cleared_pairs(org_ids) -> set[tuple[int, str, str]]:
    return set(FalsePositiveClearance.objects.filter(organisation_id__in=org_ids)
               .values_list("organisation_id", "entry_key", "entry_fingerprint"))


def _record_disclosure_hits(pairs) -> ScreeningHit | None:
    """Store hits found while screening a disclosure; skip cleared pairs. Best hit returned.

    An (organisation, entry, fingerprint) already recorded is reused (the newest record), so a
    pair is stored once; three queries however many pairs.
    """
    cleared = _cleared_pairs({oid for oid, _m in pairs})
    wanted = {}
    for org_id, m in pairs:
        key = (org_id, m.entry_key, m.fingerprint)
        if key not in cleared and key not in wanted:
            wanted[key] = m
    if not wanted:
        return None
    with transaction.atomic():
        known: dict[tuple, ScreeningHit] = {}
        for hit in ScreeningHit.objects.filter(
                organisation_id__in={k[0] for k in wanted},
                entry_key__in={k[1] for k in wanted}).order_by("-created_at", "-pk"):
            known.setdefault((hit.organisation_id, hit.entry_key, hit.entry_fingerprint), hit)
        missing = [key for key in wanted if key not in known]
        created = ScreeningHit.objects.bulk_create([
            ScreeningHit(organisation_id=key[0], query_name=m.query_name[:500],
                         entry_id=m.entry_id, entry_key=m.entry_key, entry_fingerprint=m.fingerprint,
                         matched_name=m.matched_name[:500], score=m.score,
                         explanation=m.explanation[:500], explanation_params=m.explanation_params,
                         match_keys=m.key_details())
            for key in missing for m in [wanted[key]]
        ])
        known.update(zip(missing, created, strict=True))
        best = None
        for key in wanted:  # in the order found, as one at a time did
            hit = known[key]
            if hit.status == ScreeningHit.Status.CLEARED:
                continue
            if best is None or hit.score > best.score:
                best = hit
    return best


# --- Screening lists -------------------------------------------------------------------------


LIST_DEFAULTS = {
    "meti": ("METI End User List (外国ユーザーリスト)", "meti"),
    "csl": ("US Consolidated Screening List", "csl"),
    "csl_json": ("US Consolidated Screening List", "csl_json"),
    "ftm": ("OpenSanctions dataset", "ftm"),
    "generic": ("Screening list", "generic"),
}


@transaction.atomic
def screening_list_get_or_create(*, code: str, fmt: str, name: str = "", kind: str = "",
                                 actor: User | None = None) -> ScreeningList:
    """The list ``code``, created with ``fmt``, ``name`` and ``kind`` (export control, named
    research organisation…; default: the format's usual kind, ``models.DEFAULT_KIND``) when it
    does not exist. An existing list keeps its kind."""
    from riskmgmt.models import DEFAULT_KIND

    lst = ScreeningList.objects.filter(code=code).first()
    if lst is None:
        lst = ScreeningList(code=code, format=fmt, name=name or LIST_DEFAULTS[fmt][0],
                            kind=kind or DEFAULT_KIND.get(fmt, "other"))
        _validate(lst)
        lst.save()
        audit_log(action="riskmgmt.list.created", target=lst, actor=actor,
                  data={"name": lst.name, "format": fmt, "kind": lst.kind})
    return lst


def screening_release_import(*, screening_list: ScreeningList, data: bytes, filename: str,
                             actor: User | None = None, label: str = "",
                             dry_run: bool = False, rescreen: bool = True):
    """Parse and (unless ``dry_run``) save a new release, all-or-nothing.

    Returns ``(release_or_None, parse_result)``; raises :class:`ImportFailed` when any row is
    wrong (nothing is saved). After commit, the registry is re-screened in a task.
    """
    result = importers.parse(data, screening_list.format, filename=filename,
                             list_code=screening_list.code)
    if result.errors:
        raise ImportFailed(_("The file has %(n)s row error(s); nothing was imported.")
                           % {"n": len(result.errors)}, result.errors)
    if not result.entries:
        raise ImportFailed(_("The file has no entries; nothing was imported."), [(0, _("No entries."))])
    if dry_run:
        return None, result
    with transaction.atomic():
        lst = ScreeningList.objects.select_for_update().get(pk=screening_list.pk)
        last = lst.releases.order_by("-number").first()
        ScreeningListRelease.objects.filter(screening_list=lst, is_current=True).update(is_current=False)
        release = ScreeningListRelease(
            screening_list=lst, number=(last.number + 1) if last else 1, label=label[:100],
            source_filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(),
            entry_count=len(result.entries), imported_by=actor, is_current=True)
        _validate(release)
        release.save()
        ScreeningEntry.objects.bulk_create([
            ScreeningEntry(
                release=release, entry_key=e.entry_key, fingerprint=e.fingerprint,
                source_row=e.row, reference=e.reference[:60], name=e.name[:500],
                aliases=e.aliases, keys=matching.entry_keys([e.name, *e.aliases]),
                country=e.country, country_label=e.country_label[:200], concerns=e.concerns,
                source=e.source[:200], note=e.note)
            for e in result.entries
        ], batch_size=1000)
        audit_log(action="riskmgmt.release.imported", target=release, actor=actor,
                  data={"list": lst.name, "number": release.number, "entries": release.entry_count,
                        "filename": filename, "skipped": result.skipped})
        from portal import outbox

        outbox.enqueue("riskmgmt.dd_check_open_projects", key=f"release:{release.pk}")
        if rescreen:
            screening_rescreen_enqueue(release=release, actor=actor)
    return release, result


def screening_rescreen_enqueue(*, release: ScreeningListRelease, actor: User | None = None,
                               full: bool = False):
    """Record the re-screening against ``release`` in the caller's transaction (the outbox runs
    it after commit). Returns the job; an open one for the same release is reused."""
    from portal import outbox

    key = f"release:{release.pk}" + (":full" if full else "")
    outbox.enqueue("riskmgmt.rescreen_outputs", key=key, actor=actor, release_id=release.pk,
                   full=full)
    return outbox.enqueue("riskmgmt.rescreen_registry", key=key, actor=actor,
                          release_id=release.pk, full=full)


def screening_rescreen_request(*, release: ScreeningListRelease, actor: User, full: bool = False):
    """Staff start the re-screening against a release again (after a failure, or to be sure)."""
    if not has_perm(actor, "riskmgmt.screening.rescreen"):
        raise NotAllowed(_("You are not allowed to re-screen the registry."))
    with transaction.atomic():
        job = screening_rescreen_enqueue(release=release, actor=actor, full=full)
        audit_log(action="riskmgmt.release.rescreen_requested", target=release, actor=actor,
                  data={"full": full})
    return job


def _registry_names():
    """(organisation id → names) for the whole registry, in two queries."""
    names: dict[int, list[str]] = {}
    for pk, ja, en in Organisation.objects.values_list("pk", "name_ja", "name_en").iterator(
            chunk_size=5000):
        names[pk] = [n for n in (ja, en) if n]
    for org_id, name in OrganisationAlias.objects.values_list("organisation_id", "name").iterator(
            chunk_size=5000):
        if org_id in names:
            names[org_id].append(name)
    return names


def _names_digest(names: list[str]) -> int:
    """64 bits that change whenever an organisation's names (either name or any alias) do."""
    text = "\x1f".join(sorted(names))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _pack_digests(digests: dict[int, int]) -> bytes:
    """Organisation ids and name digests as two little-endian 64-bit arrays, compressed."""
    ids = sorted(digests)
    packed = [array("q", ids), array("Q", (digests[pk] for pk in ids))]
    if sys.byteorder == "big":
        for arr in packed:
            arr.byteswap()
    return zlib.compress(packed[0].tobytes() + packed[1].tobytes())


def _unpack_digests(blob: bytes) -> dict[int, int]:
    raw = zlib.decompress(bytes(blob))
    half = len(raw) // 2
    ids, values = array("q"), array("Q")
    ids.frombytes(raw[:half])
    values.frombytes(raw[half:])
    if sys.byteorder == "big":
        ids.byteswap()
        values.byteswap()
    return dict(zip(ids, values, strict=True))


def _rescreen_baseline(*, release: ScreeningListRelease, threshold: float,
                       version: str) -> ScreeningRun | None:
    """The run of the same list an incremental pass can build on, or None for a full pass.

    It is the latest successful registry run of the list that kept a registry snapshot (only the
    latest does), and only if it used the same threshold and the same matcher
    (:func:`riskmgmt.matching.matcher_version`: normalisation, blocking, scoring) and its release
    still exists.
    """
    baseline = (ScreeningRun.objects
                .filter(kind=ScreeningRun.Kind.REGISTRY, status=ScreeningRun.Status.DONE,
                        release__screening_list_id=release.screening_list_id,
                        registry_snapshot__isnull=False)
                .select_related("registry_snapshot").order_by("-started_at", "-pk").first())
    if baseline is None or baseline.threshold is None or baseline.release_id is None:
        return None
    if abs(baseline.threshold - threshold) > 1e-9 or baseline.matcher_version != version:
        return None
    return baseline


ENTRY_ROW = ("pk", "entry_key", "fingerprint", "release_id", "release__screening_list__name",
             "name", "keys", "release__screening_list__kind")  # what matching.Index is built from


def _entry_rows(release_id: int) -> list[tuple]:
    return list(ScreeningEntry.objects.filter(release_id=release_id).values_list(*ENTRY_ROW)
                .iterator(chunk_size=5000))


def _changed_entries(rows, before_rows) -> list[int]:
    """Ids of the entries in ``rows`` that ``before_rows`` (the baseline's release) did not have
    as they are now: same ``entry_key``, same ``fingerprint`` and the same comparison keys."""
    before = {(row[1], row[2]): row[6] for row in before_rows}
    return [row[0] for row in rows if before.get((row[1], row[2])) != row[6]]


def _same_entries(rows, before_rows) -> bool:
    """Whether two releases list the same entries with the same content (in any order)."""
    def content(row):
        return row[1], row[2], json.dumps(row[6])

    return Counter(map(content, rows)) == Counter(map(content, before_rows))


def screening_rescreen_registry(*, release: ScreeningListRelease, actor: User | None = None,
                                threshold: float | None = None, full: bool = False) -> ScreeningRun:
    """Screen every registry organisation against ``release``; record and flag only new hits.

    A hit is new unless the same organisation already had a hit on the same entry with the same
    content (fingerprint), or a reviewer cleared that pair and the entry has not changed.

    **Incremental pass.** When the list's previous successful run (see
    :func:`_rescreen_baseline`) used the same threshold and matcher, a pair of an entry that
    run's release already had, unchanged, and an organisation whose names have not changed
    since that run was compared then, and its hit (if any) is already recorded or cleared. So
    only these are compared: (a) the names of unchanged organisations against the new and
    changed entries, through a view of the whole new index
    (:func:`riskmgmt.matching.match_changes`: blocking decides with the whole release's token
    frequencies; a name those frequencies now block differently from the previous release is
    searched in every entry), skipped when the releases list the same entries; and (b) the
    names of organisations created, renamed or given an alias since the run against every entry.
    Which organisations changed is found by comparing a 64-bit digest of each one's names with
    the previous run's snapshot (whatever path changed them; no timestamps). Matches are kept
    per name without a top-10 cut, so a pair's hit never depends on the other entries. The new
    hits are then exactly those a full pass would record. ``full=True``, a first run, or a
    changed threshold or matcher make a full pass (every entry against every name).

    The hits, the flags of the researchers concerned and the run's completion are one
    transaction: a failure leaves nothing half-recorded, and the next run finds the hits again.
    """
    if threshold is None:
        rule = Rule.objects.filter(code="screening_match").first()
        threshold = float((rule.params if rule else {}).get("threshold", matching.DEFAULT_THRESHOLD))
    threshold = float(threshold)
    version = matching.matcher_version()
    run = ScreeningRun.objects.create(kind=ScreeningRun.Kind.REGISTRY, release=release,
                                      triggered_by=actor, threshold=threshold,
                                      matcher_version=version)
    try:
        rows = _entry_rows(release.pk)
        index = matching.Index(rows)
        names = _registry_names()
        digests = {pk: _names_digest(org_names) for pk, org_names in names.items()}
        baseline = None if full else _rescreen_baseline(release=release, threshold=threshold,
                                                        version=version)
        if baseline is None:
            mode, entries_screened, orgs_screened = ScreeningRun.Mode.FULL, len(rows), len(names)
            results = matching.match_organisations(names, threshold=threshold, index=index,
                                                   limit=None)
        else:
            mode = ScreeningRun.Mode.INCREMENTAL
            before_rows = _entry_rows(baseline.release_id)
            changed_entries = _changed_entries(rows, before_rows)
            before = _unpack_digests(baseline.registry_snapshot.digests)
            changed_orgs = {pk for pk, d in digests.items() if before.get(pk) != d}
            entries_screened, orgs_screened = len(changed_entries), len(changed_orgs)
            results = {}
            if not _same_entries(rows, before_rows):
                # (a) unchanged organisations: the new or changed entries (and every entry for a
                # name the two releases' token frequencies block differently)
                results = matching.match_changes(
                    {pk: n for pk, n in names.items() if pk not in changed_orgs}, index=index,
                    previous=matching.Index(before_rows), changed_entry_ids=changed_entries,
                    threshold=threshold)
            results.update(matching.match_organisations(  # (b) changed organisations × all
                {pk: names[pk] for pk in changed_orgs}, threshold=threshold, index=index,
                limit=None))
        found = [(oid, m) for oid, ms in results.items() for m in ms]
        org_ids = {oid for oid, _m in found}
        known = set(ScreeningHit.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", "entry_key", "entry_fingerprint"))
        known |= _cleared_pairs(org_ids)
        new = [(oid, m) for oid, m in found if (oid, m.entry_key, m.fingerprint) not in known]
        with transaction.atomic():
            hits = ScreeningHit.objects.bulk_create([
                ScreeningHit(organisation_id=oid, query_name=m.query_name[:500], entry_id=m.entry_id,
                             entry_key=m.entry_key, entry_fingerprint=m.fingerprint,
                             matched_name=m.matched_name[:500], score=m.score,
                             explanation=m.explanation[:500], explanation_params=m.explanation_params,
                         match_keys=m.key_details(),
                             run=run)
                for oid, m in new
            ], batch_size=1000)
            flags = 0
            if hits:
                flags = _flag_researchers_for_hits(
                    ScreeningHit.objects.filter(run=run).only(
                        "pk", "organisation_id", "entry_id", "score", "explanation",
                        "explanation_params"),
                    actor=actor)
            run.status, run.finished_at = ScreeningRun.Status.DONE, timezone.now()
            run.names_checked = sum(len(v) for v in names.values())
            run.new_hits = len(hits)
            run.mode, run.baseline = mode, baseline
            run.save()
            RegistrySnapshot.objects.create(run=run, organisations=len(digests),
                                            digests=_pack_digests(digests))
            RegistrySnapshot.objects.filter(  # only the latest run of a list is built on
                Q(run__release__screening_list_id=release.screening_list_id)
                | Q(run__release__isnull=True)).exclude(run=run).delete()
            audit_log(action="riskmgmt.release.rescreened", target=release, actor=actor,
                      data={"names": run.names_checked, "new_hits": run.new_hits, "mode": mode,
                            "entries_screened": entries_screened,
                            "organisations_screened": orgs_screened, "flags": flags,
                            "baseline": str(baseline.public_id) if baseline else None})
    except Exception as exc:
        logger.exception("Re-screening release %s failed", release.pk)
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=ScreeningRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:300])
        raise
    return run


FLAG_BATCH = 500  # researchers per batch of cases_open_or_join


def _flag_researchers_for_hits(hits, *, actor: User | None = None,
                               batch_size: int = FLAG_BATCH) -> int:
    """Open/join screening cases for researchers whose current disclosure names a hit org.

    One flag per disclosure item naming the organisation, with the organisation's best new hit,
    as before; but the items are read once per section for all the organisations (in chunks of
    1,000), the names of the entries and lists hit in one more query, and the flags are recorded
    through :func:`cases_open_or_join` for ``batch_size`` researchers at a time: a fixed number
    of queries per batch plus one audit entry per case. ``hits`` need only their organisation,
    entry id, score and explanation (and its parameters) (thousands after a full pass: no entry rows are loaded).
    Returns the number of flags.
    """
    from disclosures.models import ITEM_MODELS, DisclosureVersion

    best: dict[int, ScreeningHit] = {}
    for hit in hits:
        current = best.get(hit.organisation_id)
        if current is None or hit.score > current.score:
            best[hit.organisation_id] = hit
    if not best:
        return 0
    live = DisclosureVersion.Status.SUBMITTED, DisclosureVersion.Status.UNDER_REVIEW, \
        DisclosureVersion.Status.ACCEPTED
    rule = Rule.objects.filter(code="screening_match").first()
    org_ids = sorted(best)
    found = []  # (item, hit)
    for model in ITEM_MODELS:
        for start in range(0, len(org_ids), 1000):
            items = (model.objects.filter(organisation_id__in=org_ids[start:start + 1000],
                                          version__status__in=live,
                                          version__disclosure__current_version=F("version"))
                     .select_related("organisation", "version__disclosure__owner")
                     # not the version's content (every item of the disclosure) nor its texts
                     .defer("version__content", "version__attestation_text",
                            "version__change_note", "version__review_comment")
                     .order_by("pk"))
            found += [(item, best[item.organisation_id]) for item in items]
    entries = {pk: (name, list_name, kind)
               for pk, name, list_name, kind in ScreeningEntry.objects.filter(
            pk__in={hit.entry_id for _item, hit in found}).values_list(
                "pk", "name", "release__screening_list__name",
                "release__screening_list__kind")} if found else {}
    specs: dict[int, list[FlagSpec]] = {}
    for item, hit in found:
        entry_name, list_name, kind = entries[hit.entry_id]
        params = {"org": str(item.organisation), "entry": entry_name, "list_name": list_name,
                  "list_kind": kind, "score": str(hit.score),
                  "why": hit.explanation_params or hit.explanation}
        owner = item.version.disclosure.owner
        specs.setdefault(owner.pk, []).append(FlagSpec(
            researcher=owner, reason=reasons.render(reasons.RESCREEN_MATCH.key, params),
            source_obj=item.version, items=[item], version=item.version, hit=hit,
            reason_key=reasons.RESCREEN_MATCH.key, reason_params=params))
    researchers = sorted(specs)
    count = 0
    for start in range(0, len(researchers), batch_size):
        batch = [spec for pk in researchers[start:start + batch_size] for spec in specs[pk]]
        count += len(cases_open_or_join(concern=Concern.SCREENING_MATCH, flags=batch, rule=rule,
                                        actor=actor))
    return count


# --- Co-authors and co-inventors (research outputs) -----------------------------------------


def _contributor_names(contributors) -> set[str]:
    """The distinct names a set of contributors is screened by (affiliations as given and the
    names of the registry organisations they resolved to), read as distinct rows: a million
    co-authors share far fewer affiliations."""
    names: set[str] = set()
    for row in contributors.values_list("affiliation", "organisation__name_ja",
                                        "organisation__name_en").distinct().iterator(
            chunk_size=10000):
        names.update(n for n in row if n)
    return names


def _outputs_baseline(*, release: ScreeningListRelease, threshold: float,
                      version: str) -> ScreeningRun | None:
    """The co-author run of the same list the next one can build on (see
    :func:`outputs_rescreen`), or None for a full pass."""
    baseline = (ScreeningRun.objects
                .filter(kind=ScreeningRun.Kind.OUTPUTS, status=ScreeningRun.Status.DONE,
                        release__screening_list_id=release.screening_list_id,
                        watermark__isnull=False)
                .order_by("-started_at", "-pk").first())
    if baseline is None or baseline.threshold is None or baseline.release_id is None:
        return None
    if abs(baseline.threshold - threshold) > 1e-9 or baseline.matcher_version != version:
        return None
    return baseline


def _screening_threshold(threshold: float | None) -> float:
    if threshold is None:
        rule = Rule.objects.filter(code="screening_match").first()
        threshold = (rule.params if rule else {}).get("threshold", matching.DEFAULT_THRESHOLD)
    return float(threshold)


def outputs_screen(*, output_ids: Iterable[int], actor: User | None = None,
                   threshold: float | None = None) -> ScreeningRun:
    """Screen the co-authors / co-inventors of newly imported research outputs against the
    current release of every active list (as a disclosure is screened on submit); record the
    new hits and raise them on the researchers' screening cases (:func:`_record_output_hits`)."""
    from disclosures.models import OutputContributor

    threshold = _screening_threshold(threshold)
    run = ScreeningRun.objects.create(kind=ScreeningRun.Kind.OUTPUTS, triggered_by=actor,
                                      threshold=threshold,
                                      matcher_version=matching.matcher_version())
    contributors = OutputContributor.objects.filter(output_id__in=list(output_ids))
    names = _contributor_names(contributors)
    index = matching.current_index()
    found = {name: ms for name in names
             if (ms := index.search(name, threshold=threshold, limit=None))}
    with transaction.atomic():
        run.new_hits, flags = _record_output_hits(found, contributors, run=run, actor=actor)
        run.status, run.finished_at = ScreeningRun.Status.DONE, timezone.now()
        run.names_checked, run.mode = len(names), ScreeningRun.Mode.FULL
        run.save()
        if run.new_hits:
            audit_log(action="riskmgmt.outputs.screened", target=run, actor=actor,
                      data={"names": len(names), "new_hits": run.new_hits, "flags": flags})
    return run


def outputs_rescreen(*, release: ScreeningListRelease, actor: User | None = None,
                     threshold: float | None = None, full: bool = False) -> ScreeningRun:
    """Screen every co-author / co-inventor affiliation against a new list ``release``; record
    and flag only new hits. The co-author counterpart of :func:`screening_rescreen_registry`.

    **Incremental pass.** Built on the list's previous co-author run (same threshold and
    matcher, its release still there): contributors that run screened (ids up to its
    ``watermark``; contributor rows are never edited) are compared only with the new and
    changed entries, through :func:`riskmgmt.matching.match_changes` (which falls back to the
    whole index for a name the two releases block differently), and not at all when the
    releases list the same entries; contributors added since are compared with every entry.
    Names are screened once however many contributors share them. A first run, another
    threshold or matcher, or ``full=True`` make a full pass. Hits, flags and the run's
    completion are one transaction.
    """
    from disclosures.models import OutputContributor

    threshold = _screening_threshold(threshold)
    version = matching.matcher_version()
    run = ScreeningRun.objects.create(kind=ScreeningRun.Kind.OUTPUTS, release=release,
                                      triggered_by=actor, threshold=threshold,
                                      matcher_version=version)
    try:
        top = OutputContributor.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        everyone = OutputContributor.objects.filter(pk__lte=top)
        rows = _entry_rows(release.pk)
        index = matching.Index(rows)
        baseline = None if full else _outputs_baseline(release=release, threshold=threshold,
                                                       version=version)
        found: dict[str, list] = {}
        if baseline is None:
            mode, names = ScreeningRun.Mode.FULL, _contributor_names(everyone)
            for name in names:
                if ms := index.search(name, threshold=threshold, limit=None):
                    found[name] = ms
            checked = len(names)
        else:
            mode = ScreeningRun.Mode.INCREMENTAL
            old_names = _contributor_names(everyone.filter(pk__lte=baseline.watermark))
            new_names = _contributor_names(everyone.filter(pk__gt=baseline.watermark))
            before_rows = _entry_rows(baseline.release_id)
            if old_names and not _same_entries(rows, before_rows):
                changes = matching.match_changes(
                    {name: [name] for name in old_names}, index=index,
                    previous=matching.Index(before_rows),
                    changed_entry_ids=_changed_entries(rows, before_rows), threshold=threshold)
                found.update((name, ms) for name, ms in changes.items() if ms)
            for name in new_names:
                if ms := index.search(name, threshold=threshold, limit=None):
                    by_entry = {m.entry_id: m for m in found.get(name, [])}
                    by_entry.update((m.entry_id, m) for m in ms)
                    found[name] = list(by_entry.values())
            checked = len(old_names | new_names)
        with transaction.atomic():
            run.new_hits, flags = _record_output_hits(found, everyone, run=run, actor=actor)
            run.status, run.finished_at = ScreeningRun.Status.DONE, timezone.now()
            run.names_checked, run.mode, run.baseline, run.watermark = checked, mode, baseline, top
            run.save()
            audit_log(action="riskmgmt.release.outputs_rescreened", target=release, actor=actor,
                      data={"names": checked, "new_hits": run.new_hits, "mode": mode,
                            "flags": flags,
                            "baseline": str(baseline.public_id) if baseline else None})
    except Exception as exc:
        logger.exception("Co-author re-screening of release %s failed", release.pk)
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=ScreeningRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:300])
        raise
    return run


def _record_output_hits(found: dict[str, list], contributors, *, run: ScreeningRun,
                        actor: User | None = None) -> tuple[int, int]:
    """Store a hit per (contributor, entry) for the contributors (of the queryset
    ``contributors``) screened by a name in ``found`` (name → matches), unless that contributor
    already has a hit on the entry as it is now (also a cleared one) or its registry organisation
    was cleared for it; then one flag per research output with its best new hit, on the
    researcher's screening case, the output as evidence. Returns (hits, flags)."""
    if not found:
        return 0, 0
    names = list(found)
    hit_rows = []  # (contributor, screened name)
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        for c in (contributors.filter(Q(affiliation__in=chunk)
                                      | Q(organisation__name_ja__in=chunk)
                                      | Q(organisation__name_en__in=chunk))
                  .select_related("organisation", "output__owner").order_by("pk")):
            hit_rows += [(c, n) for n in c.screened_names() if n in found]
    ids = sorted({c.pk for c, _n in hit_rows})
    known: set[tuple] = set()
    for start in range(0, len(ids), 5000):
        known |= set(ScreeningHit.objects.filter(contributor_id__in=ids[start:start + 5000])
                     .values_list("contributor_id", "entry_key", "entry_fingerprint"))
    cleared = _cleared_pairs({c.organisation_id for c, _n in hit_rows if c.organisation_id})
    best: dict[tuple, tuple] = {}  # (contributor, entry) → (match, contributor)
    for c, name in hit_rows:
        for m in found[name]:
            pair = (c.pk, m.entry_key, m.fingerprint)
            if pair in known or (c.organisation_id, m.entry_key, m.fingerprint) in cleared:
                continue
            current = best.get((c.pk, m.entry_id))
            if current is None or m.score > current[0].score:
                best[(c.pk, m.entry_id)] = (m, c)
    if not best:
        return 0, 0
    hits = ScreeningHit.objects.bulk_create([
        ScreeningHit(contributor_id=c.pk, query_name=m.query_name[:500], entry_id=m.entry_id,
                     entry_key=m.entry_key, entry_fingerprint=m.fingerprint,
                     matched_name=m.matched_name[:500], score=m.score,
                     explanation=m.explanation[:500], explanation_params=m.explanation_params,
                         match_keys=m.key_details(), run=run)
        for m, c in best.values()
    ], batch_size=1000)
    per_output: dict[int, tuple] = {}
    for hit, (m, c) in zip(hits, best.values(), strict=True):
        current = per_output.get(c.output_id)
        if current is None or m.score > current[0].score:
            per_output[c.output_id] = (m, c, hit)
    rule = Rule.objects.filter(code="screening_match").first()
    specs = []
    for m, c, hit in per_output.values():
        output = c.output
        params = {"role": c.role, "person": c.name or "—", "title": output.title[:200],
                  "affiliation": m.query_name, "entry": m.entry_name, "list_name": m.list_name,
                  "list_kind": m.list_kind, "score": m.score,
                  "why": m.explanation_params or m.explanation}
        specs.append(FlagSpec(researcher=output.owner,
                              reason=reasons.render(reasons.OUTPUT_MATCH.key, params),
                              source_obj=output, hit=hit, reason_key=reasons.OUTPUT_MATCH.key,
                              reason_params=params))
    flags = 0
    for start in range(0, len(specs), FLAG_BATCH):
        flags += len(cases_open_or_join(concern=Concern.SCREENING_MATCH,
                                        flags=specs[start:start + FLAG_BATCH], rule=rule,
                                        actor=actor))
    return len(hits), flags


@transaction.atomic
def screening_hit_clear(*, hit: ScreeningHit, reason: str, actor: User) -> ScreeningHit:
    """Clear a hit as a false positive; the pair stays cleared until the list entry changes."""
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason why this is not the listed entity."),
                               field="reason")
    hit = ScreeningHit.objects.select_for_update().get(pk=hit.pk)
    hit.status, hit.review_reason = ScreeningHit.Status.CLEARED, reason.strip()
    hit.reviewed_by, hit.reviewed_at = actor, timezone.now()
    hit.save()
    if hit.organisation_id:
        FalsePositiveClearance.objects.create(
            organisation_id=hit.organisation_id, entry_key=hit.entry_key,
            entry_fingerprint=hit.entry_fingerprint, reason=hit.review_reason, cleared_by=actor)
    audit_log(action="riskmgmt.hit.cleared", target=hit, actor=actor,
              data={"reason": hit.review_reason, "entry": hit.matched_name})
    return hit


@transaction.atomic
def screening_hit_confirm(*, hit: ScreeningHit, reason: str, actor: User) -> ScreeningHit:
    hit = ScreeningHit.objects.select_for_update().get(pk=hit.pk)
    hit.status, hit.review_reason = ScreeningHit.Status.CONFIRMED, (reason or "").strip()
    hit.reviewed_by, hit.reviewed_at = actor, timezone.now()
    hit.save()
    audit_log(action="riskmgmt.hit.confirmed", target=hit, actor=actor,
              data={"reason": hit.review_reason, "entry": hit.matched_name})
    return hit


# --- Funding-agency inquiries ----------------------------------------------------------------


@transaction.atomic
def inquiry_save(*, instance: FundingAgencyInquiry, actor: User, researchers=None, cases=None,
                 disclosures=None) -> FundingAgencyInquiry:
    before = snapshot(FundingAgencyInquiry.objects.get(pk=instance.pk)) if instance.pk else {}
    if not instance.reference:
        instance.reference = _new_reference("FA")
    if not instance.agency_id and not instance.agency_name.strip():
        raise ApplicationError(_("Name the funding agency."), field="agency_name")
    if instance.handled_by_id is None:
        instance.handled_by = actor
    _validate(instance)
    instance.save()
    if researchers is not None:
        instance.researchers.set(researchers)
    if cases is not None:
        instance.cases.set(cases)
    if disclosures is not None:
        instance.disclosures.set(disclosures)
    audit_log(action="riskmgmt.inquiry.saved", target=instance, actor=actor, before=before,
              after=snapshot(instance))
    return instance


@transaction.atomic
def inquiry_assess(*, inquiry: FundingAgencyInquiry, likelihood: int, impact: int,
                   assessment: str, actor: User) -> FundingAgencyInquiry:
    if not (assessment or "").strip():
        raise ApplicationError(_("Give the rationale of the assessment."), field="assessment")
    if not (1 <= int(likelihood) <= 5 and 1 <= int(impact) <= 5):
        raise ApplicationError(_("Likelihood and impact are from 1 to 5."), field="likelihood")
    before = snapshot(inquiry, ["likelihood", "impact", "risk_level", "assessment", "status"])
    inquiry.likelihood, inquiry.impact = likelihood, impact
    inquiry.risk_level = risk_level_for(likelihood, impact)
    inquiry.assessment = assessment.strip()
    if inquiry.status == FundingAgencyInquiry.Status.RECEIVED:
        inquiry.status = FundingAgencyInquiry.Status.IN_PROGRESS
    _validate(inquiry)
    inquiry.save()
    audit_log(action="riskmgmt.inquiry.assessed", target=inquiry, actor=actor, before=before,
              after=snapshot(inquiry, ["likelihood", "impact", "risk_level", "assessment", "status"]))
    return inquiry


@transaction.atomic
def inquiry_respond(*, inquiry: FundingAgencyInquiry, response_text: str,
                    actor: User) -> FundingAgencyInquiry:
    if not (response_text or "").strip():
        raise ApplicationError(_("Write the response."), field="response_text")
    inquiry.response_text = response_text.strip()
    inquiry.status = FundingAgencyInquiry.Status.RESPONDED
    inquiry.responded_at = timezone.now()
    inquiry.save()
    audit_log(action="riskmgmt.inquiry.responded", target=inquiry, actor=actor,
              data={"response": inquiry.response_text})
    return inquiry


def case_page_viewed(*, case: Case, actor: User) -> None:
    """The read log of a case page: it shows the disclosed items that raised its flags, so
    each disclosure version it quotes is logged as read (via the case's reference)."""
    from disclosures.services import disclosure_viewed

    shown = {}
    for flag in case.flags.all():
        version = flag.last_version or flag.version
        if flag.version_id and version is not None:
            shown[flag.version.disclosure_id] = (flag.version.disclosure, version)
    for disclosure, version in shown.values():
        disclosure_viewed(disclosure=disclosure, version=version, actor=actor,
                          via=case.reference)


# --- Assessment scales ----------------------------------------------------------------------


@transaction.atomic
def scale_levels_save(*, levels: dict[tuple[str, int], tuple[str, str]],
                      actor: User) -> int:
    """Store administrators' wording of the 1–5 scales ({(axis, point): (ja, en)}); a point
    left empty in both languages goes back to the built-in wording. Returns the points
    changed."""
    from django.core.cache import cache

    from riskmgmt.models import ScaleAxis, ScaleLevel
    from riskmgmt.selectors import SCALE_CACHE_KEY

    if not has_perm(actor, "riskmgmt.scale.manage"):
        raise NotAllowed(_("Only administrators word the assessment scales."))
    current = {(r.axis, r.value): r for r in ScaleLevel.objects.select_for_update()}
    changed = []
    for (axis, value), (ja, en) in levels.items():
        if axis not in ScaleAxis.values or not 1 <= int(value) <= 5:
            raise ApplicationError(_("Unknown point of a scale."))
        row = current.get((axis, value))
        if row is None and not (ja or en):
            continue
        if row is not None and (row.description_ja, row.description_en) == (ja, en):
            continue
        if not (ja or en):
            row.delete()
        else:
            row = row or ScaleLevel(axis=axis, value=value)
            row.description_ja, row.description_en = ja, en
            row.full_clean()
            row.save()
        changed.append(f"{ScaleAxis(axis).label} {value}")
    if changed:
        audit_log(action="riskmgmt.scale.changed", actor=actor,
                  data={"points": ", ".join(str(c) for c in changed)})
        cache.delete(SCALE_CACHE_KEY)
        transaction.on_commit(lambda: cache.delete(SCALE_CACHE_KEY))
    return len(changed)
