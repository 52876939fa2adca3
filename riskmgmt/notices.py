"""What risk management tells people: its notification kinds, event notices and reminders.

Found by the notifications engine's autodiscovery. Recipients come from the permission
declarations (``users_with_perm``); where a notice concerns one person in a role (the staff
member who asked a question, a case's assignee, a measure's owner) it goes to that person only
while they still hold the permission, else to everyone who does.

Events (called by ``riskmgmt.services`` inside the change's transaction): a request for
information asked (to the researcher) and answered (to staff), a case assigned, a decision
recorded. Reminders: requests not answered, mitigation measures due and overdue, funding-agency
inquiry deadlines; each resolves itself once answered, done or responded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.notifications import kinds, schedules, services, sources
from portal.notifications.services import Draft, Target
from portal.permissions import users_with_perm
from riskmgmt.models import (
    Case,
    FundingAgencyInquiry,
    InformationRequest,
    MeasureKind,
    MitigationMeasure,
)

STAFF = "riskmgmt.case.manage"  # who handles cases, asks questions and reads answers
RESEARCHER = "riskmgmt.request.answer_own"  # who answers a question (the researcher asked)
DECISION_TOLD = "riskmgmt.case.notify_decision"  # told of decisions in their departments
INQUIRY_STAFF = "riskmgmt.inquiry.manage"


def _pk_of_target():
    return sources.target_pk()


def _request_answered(notes):
    return notes.filter(Exists(InformationRequest.objects.filter(
        pk=_pk_of_target(), answered_at__isnull=False)))


def _measure_done(notes):
    return notes.exclude(Exists(MitigationMeasure.objects.filter(
        pk=_pk_of_target(), status__in=MitigationMeasure.OPEN_STATUSES)))


def _inquiry_responded(notes):
    return notes.exclude(Exists(FundingAgencyInquiry.objects.filter(
        pk=_pk_of_target(),
        status__in=[FundingAgencyInquiry.Status.RECEIVED, FundingAgencyInquiry.Status.IN_PROGRESS])))


def _measure_label(params: dict) -> dict:
    params = kinds.dates("due_date")(params)
    code = params.get("measure_kind")
    if code in MeasureKind.values:
        params["measure"] = MeasureKind(code).label
    return params


def _case_title(params: dict) -> dict:
    """A case's generated title in the reader's language (``_title_params``); a title given by
    hand, or a notification sent before, keeps its stored ``title``."""
    concern = params.get("concern")
    if concern and "title_name_ja" in params:  # (parameters are stored flat, as text)
        names = {"ja": params["title_name_ja"], "en": params.get("title_name_en", "")}
        params = {**params, "title": Case(concern=concern,
                                          title_params={"names": names}).title_display}
    return params


def _title_params(case: Case) -> dict:
    params = {"title": case.title}
    names = (case.title_params or {}).get("names")
    if names:
        params.update(concern=case.concern, title_name_ja=names.get("ja", ""),
                      title_name_en=names.get("en", ""))
    return params


def _decision_label(params: dict) -> dict:
    code = params.get("decision")
    if code in Case.Decision.values:
        params = {**params, "decision": Case.Decision(code).label}
    return _case_title(params)


INFORMATION_REQUEST = kinds.register(
    "information_request", _("Request for information from the research office"),
    mandatory=False,
    title=_("A request for information is waiting for your answer"),
    body=_("The research office asked you for information (\"%(request)s\") on %(asked)s. "
           "Please answer it."),
    prepare=kinds.dates("asked"), resolved=_request_answered,
)
INFORMATION_ANSWERED = kinds.register(
    "information_answered", _("Request for information answered"), mandatory=False,
    title=_("%(researcher)s answered your request for information (%(case)s)"),
    body=_("Question: %(request)s\nThe answer is on the case page."),
)
CASE_ASSIGNED = kinds.register(
    "case_assigned", _("Risk case assigned to you"), mandatory=False,
    title=_("Risk case %(case)s was assigned to you"),
    body=_("%(actor)s assigned the risk case %(case)s (%(title)s) to you."),
    prepare=_case_title,
)
CASE_DECIDED = kinds.register(
    "case_decided", _("Decision recorded on a risk case"), mandatory=False,
    title=_("Decision on risk case %(case)s: %(decision)s"),
    body=_("%(actor)s recorded the decision \"%(decision)s\" on the risk case %(case)s "
           "(%(title)s)."),
    prepare=_decision_label,
)
MITIGATION_DUE = kinds.register(
    "mitigation_due", _("Mitigation measure due soon"), mandatory=False,
    title=_("Mitigation measure due on %(due_date)s: %(measure)s"),
    body=_("The mitigation measure \"%(measure)s\" that you own is due on %(due_date)s."),
    prepare=_measure_label, resolved=_measure_done,
)
MITIGATION_OVERDUE = kinds.register(
    "mitigation_overdue", _("Mitigation measure overdue"), mandatory=True,
    title=_("Overdue mitigation measure: %(measure)s"),
    body=_("The mitigation measure \"%(measure)s\" that you own was due on %(due_date)s and is "
           "not complete."),
    prepare=_measure_label, resolved=_measure_done,
)
INQUIRY_DEADLINE = kinds.register(
    "inquiry_deadline", _("Funding-agency inquiry deadline"), mandatory=False,
    title=_("Funding-agency inquiry due on %(due_date)s: %(inquiry)s"),
    body=_("The reply to the funding-agency inquiry \"%(inquiry)s\" is due on %(due_date)s."),
    prepare=kinds.dates("due_date"), resolved=_inquiry_responded,
)


def _short(text: str) -> str:
    return " ".join((text or "").split())[:80]


def _name(user) -> str:
    if user is None:
        return ""
    return f"{user.family_name} {user.given_name}".strip() or user.email


def _these_or_all(code: str, obj, people) -> object:
    """Those of ``people`` who hold ``code`` on ``obj``; if none does, all who do."""
    holders = users_with_perm(code, obj)
    ids = [getattr(p, "pk", p) for p in people if p]
    named = holders.filter(pk__in=ids)
    return named if ids and named.exists() else holders


# --- Events (inside the change's transaction) ------------------------------------------------


def request_asked(req: InformationRequest) -> int:
    """Staff asked the researcher a question: tell the researcher at once."""
    return services.notice_send(
        kind=INFORMATION_REQUEST.code, recipients=users_with_perm(RESEARCHER, req),
        params={"request": _short(req.question), "asked": timezone.localdate(req.asked_at)},
        url=req.get_absolute_url(), target=req, period="asked",
    )


def request_answered(req: InformationRequest, *, actor) -> int:
    """The researcher answered: their reminders are done; the staff who asked are told (the
    case's assignee too), or every case handler if neither is still one."""
    services.notifications_resolve(kinds=[INFORMATION_REQUEST.code], target=req)
    case = req.case
    return services.notice_send(
        kind=INFORMATION_ANSWERED.code,
        recipients=_these_or_all(STAFF, case, [req.asked_by_id, case.assignee_id]),
        exclude=[actor], target=req, url=case.get_absolute_url() + "#requests",
        params={"researcher": _name(req.researcher), "case": case.reference,
                "request": _short(req.question)},
    )


def case_assigned(case: Case, *, actor) -> int:
    if case.assignee_id is None:
        return 0
    return services.notice_send(
        kind=CASE_ASSIGNED.code,
        recipients=users_with_perm(STAFF, case).filter(pk=case.assignee_id), exclude=[actor],
        params={"case": case.reference, **_title_params(case), "actor": _name(actor)},
        url=case.get_absolute_url(), target=case, period=f"to-{case.assignee_id}",
    )


def case_decided(case: Case, *, actor) -> int:
    """A decision was recorded: tell the case's assignee and those told of decisions in the
    case's department (its department reviewers)."""
    told = users_with_perm(DECISION_TOLD, case)
    if case.assignee_id:
        told = told | users_with_perm(STAFF, case).filter(pk=case.assignee_id)
    return services.notice_send(
        kind=CASE_DECIDED.code, recipients=told.distinct(), exclude=[actor],
        params={"case": case.reference, **_title_params(case), "actor": _name(actor),
                "decision": case.decision},
        url=case.get_absolute_url(), target=case,
        period=f"{case.decision}:{case.decided_at.isoformat() if case.decided_at else ''}",
    )


# --- Reminders -------------------------------------------------------------------------------


def plan_mitigation_measures(*, now, due_within_days=7, repeat_every_days=7, **_options) -> Iterator[Draft]:
    """Open mitigation measures due within ``due_within_days`` (once per due date) or overdue
    (weekly), to their owners."""
    today = sources.today(now)
    every = max(int(repeat_every_days), 1)
    ct = ContentType.objects.get_for_model(MitigationMeasure)
    rows = MitigationMeasure.objects.filter(
        status__in=MitigationMeasure.OPEN_STATUSES, owner__is_active=True,
        due_date__lte=today + dt.timedelta(days=int(due_within_days)),
    ).values_list("pk", "kind", "due_date", "owner_id", "owner__language", "case__public_id",
                  "inquiry__public_id", "project__public_id")
    for (pk, kind, due, owner_id, language, case_id, inquiry_id,
         project_id) in rows.iterator(chunk_size=5000):
        link = (sources.url("riskmgmt:case_detail", case_id) if case_id else
                sources.url("riskmgmt:inquiry_detail", inquiry_id) if inquiry_id else
                sources.url("duediligence:project_detail", project_id)
                ) or sources.url("riskmgmt:index")
        label = MeasureKind(kind).label if kind in MeasureKind.values else kind
        params = {"measure": str(label), "measure_kind": kind, "due_date": due.isoformat()}
        target = Target(ct.pk, str(pk), str(label)[:300])
        if due >= today:
            yield Draft(owner_id, MITIGATION_DUE.code, params, link, target,
                        f"due-{due.isoformat()}", language)
        else:
            period = f"{due.isoformat()}:w{((today - due).days - 1) // every}"
            yield Draft(owner_id, MITIGATION_OVERDUE.code, params, link, target, period, language)


def plan_inquiry_deadlines(*, now, days_before=(7, 1), **_options) -> Iterator[Draft]:
    """Open funding-agency inquiries whose deadline is near: to the person handling each, or to
    everyone who handles inquiries when nobody is named (once per threshold)."""
    today = sources.today(now)
    horizon = today + dt.timedelta(days=max(int(n) for n in days_before) if days_before else 0)
    ct = ContentType.objects.get_for_model(FundingAgencyInquiry)
    rows = list(FundingAgencyInquiry.objects.filter(
        status__in=[FundingAgencyInquiry.Status.RECEIVED, FundingAgencyInquiry.Status.IN_PROGRESS],
        deadline__gte=today, deadline__lte=horizon,
    ).values_list("pk", "public_id", "reference", "project_title", "deadline", "handled_by_id"))
    holders = list(users_with_perm(INQUIRY_STAFF).values_list("pk", "language")) if rows else []
    for pk, public_id, ref, title, deadline, handler in rows:
        level = sources.threshold((deadline - today).days, days_before)
        if level is None:
            continue
        label = f"{ref} {title}"
        params = {"inquiry": label, "due_date": deadline.isoformat()}
        link = sources.url("riskmgmt:inquiry_detail", public_id) or sources.url("riskmgmt:index")
        target = Target(ct.pk, str(pk), label[:300])
        named = [(u, lang) for u, lang in holders if u == handler]
        for user_id, lang in named or holders:
            yield Draft(user_id, INQUIRY_DEADLINE.code, params, link, target,
                        f"{deadline.isoformat()}:d{level}", lang)


def plan_information_requests(*, now, after_days=7, repeat_every_days=7, **_options) -> Iterator[Draft]:
    """Requests for information unanswered after ``after_days``, to the researcher (weekly)."""
    every = max(int(repeat_every_days), 1)
    ct = ContentType.objects.get_for_model(InformationRequest)
    rows = InformationRequest.objects.filter(
        answered_at__isnull=True, researcher__in=users_with_perm(RESEARCHER),
        asked_at__lte=now - dt.timedelta(days=int(after_days)),
    ).values_list("pk", "public_id", "question", "asked_at", "researcher_id",
                  "researcher__language")
    for pk, public_id, question, asked, user_id, language in rows.iterator(chunk_size=5000):
        days = (now - asked).days
        short = _short(question)
        link = sources.url("riskmgmt:my_request_detail", public_id) or sources.url("riskmgmt:index")
        yield Draft(user_id, INFORMATION_REQUEST.code,
                    {"request": short, "asked": timezone.localdate(asked).isoformat()}, link,
                    Target(ct.pk, str(pk), short), f"r{(days - int(after_days)) // every}", language)


# 25 8 * * *  — daily 08:25: mitigation measures due soon or overdue, to their owners.
schedules.register(
    "mitigation_measures", _("Mitigation measures due soon or overdue"),
    _("Tells the owner of a mitigation measure that it is due soon, and again weekly once "
      "it is overdue."),
    {"minute": "25", "hour": "8"}, *schedules.planned(plan_mitigation_measures),
    options={"due_within_days": 7, "repeat_every_days": 7},
)
# 30 8 * * *  — daily 08:30: funding-agency inquiry deadlines.
schedules.register(
    "inquiry_deadlines", _("Funding-agency inquiry deadlines"),
    _("Tells the people handling a funding-agency inquiry that its reply is due soon."),
    {"minute": "30", "hour": "8"}, *schedules.planned(plan_inquiry_deadlines),
    options={"days_before": [7, 1]},
)
# 35 8 * * *  — daily 08:35: requests for information not answered.
schedules.register(
    "information_requests", _("Requests for information not answered"),
    _("Reminds researchers of requests for information they have not answered."),
    {"minute": "35", "hour": "8"}, *schedules.planned(plan_information_requests),
    options={"after_days": 7, "repeat_every_days": 7},
)


# --- The staff digest's lines ----------------------------------------------------------------


@sources.waiting_item
def _waiting(user, today):
    from django.utils.translation import gettext

    from portal.permissions import has_perm
    from riskmgmt.selectors import case_list_for, inquiries_for, screening_hits_for

    items = []
    if has_perm(user, "riskmgmt.case.view"):
        cases = case_list_for(user=user).exclude(status=Case.Status.CLOSED)
        items.append((gettext("Risk cases assigned to you"), cases.filter(assignee=user).count(),
                      sources.url("riskmgmt:index")))
        if has_perm(user, STAFF):
            items.append((gettext("Risk cases nobody is assigned to"),
                          cases.filter(assignee__isnull=True).count(),
                          sources.url("riskmgmt:index")))
    if has_perm(user, "riskmgmt.screening.review"):
        items.append((gettext("Screening hits to review"), screening_hits_for(user=user).count(),
                      sources.url("riskmgmt:hit_list")))
    if has_perm(user, INQUIRY_STAFF):
        items.append((gettext("Funding-agency inquiries due within 14 days"),
                      inquiries_for(user=user).filter(
                          status__in=["received", "in_progress"],
                          deadline__lte=today + dt.timedelta(days=14)).count(),
                      sources.url("riskmgmt:inquiry_list")))
    items.append((gettext("Your mitigation measures due within 14 days or overdue"),
                  MitigationMeasure.objects.filter(
                      owner=user, status__in=MitigationMeasure.OPEN_STATUSES,
                      due_date__lte=today + dt.timedelta(days=14)).count(),
                  sources.url("riskmgmt:index")))
    return items
