"""Reads of risk management; visibility is decided here, once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Department, User, localized
from portal.permissions import department_subtree_ids, has_perm, scope_queryset
from portal.search import PERSON_FIELDS, person_q, text_q
from riskmgmt.filters import CaseQueueParams
from riskmgmt.models import (
    Case,
    Flag,
    FundingAgencyInquiry,
    InformationRequest,
    MitigationMeasure,
    RiskLevel,
    Rule,
    ScreeningHit,
    ScreeningList,
    ScreeningListRelease,
    ScreeningRun,
    risk_level_for,
)

SORTS = {
    "opened": "opened_at", "-opened": "-opened_at", "level": "risk_rank", "-level": "-risk_rank",
    "status": "status", "-status": "-status", "reference": "reference", "-reference": "-reference",
    "flags": "flag_count", "-flags": "-flag_count",
}


def case_list_for(*, user: User) -> QuerySet[Case]:
    qs = Case.objects.select_related("researcher", "department", "assignee")
    return scope_queryset(user, "riskmgmt.case.view", qs, department_field="department_id")


def case_queue(*, user: User, params) -> QuerySet[Case]:
    """The review queue: filtered by status, risk level, department, rule, assignee, age,
    likelihood, impact and search; sorted. ``params`` is a dict-like (request.GET). Rows of a page are read with
    :func:`case_queue_rows` (see :class:`portal.pagination.SliceThenJoinPaginator`)."""
    qs = scope_queryset(user, "riskmgmt.case.view", Case.objects.all(),
                        department_field="department_id")
    p = CaseQueueParams.clean_params(params)
    status = p.get("status", "")
    if status == "active" or status == "":
        qs = qs.exclude(status=Case.Status.CLOSED)
    elif status in Case.Status.values:
        qs = qs.filter(status=status)
    level = p.get("level", "")
    if level == "none":
        qs = qs.filter(risk_level="")
    elif level in RiskLevel.values:
        qs = qs.filter(risk_level=level)
    if "department" in p:
        qs = qs.filter(department_id__in=department_subtree_ids([p["department"]]))
    if "rule" in p:
        qs = qs.filter(Exists(Flag.objects.filter(case=OuterRef("pk"), rule_id=p["rule"])))
    assignee = p.get("assignee", "")
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee == "me":
        qs = qs.filter(assignee=user)
    elif assignee:
        qs = qs.filter(assignee_id=assignee)
    if "age" in p:
        qs = qs.filter(opened_at__lte=timezone.now() - dt.timedelta(days=p["age"]))
    if p.get("concern"):
        qs = qs.filter(concern=p["concern"])
    for scale in ("likelihood", "impact"):
        if scale in p:
            qs = qs.filter(**{scale: p[scale]})
    q = p.get("q", "").strip()
    if q:
        qs = qs.filter(text_q(q, "reference", "title") | person_q(q, "researcher"))
    sort = p.get("sort", "-opened")
    return qs.order_by(SORTS.get(sort, "-opened_at"), "-id")


def case_queue_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a queue row shows of a case, its researcher, department and assignee."""
    return qs.select_related("researcher", "department", "assignee").only(
        "public_id", "reference", "concern", "status", "risk_level", "flag_count", "opened_at",
        "researcher_id", "department_id", "assignee_id",
        "researcher__family_name", "researcher__given_name", "researcher__family_name_en",
        "researcher__given_name_en", "researcher__email",
        "department__name_ja", "department__name_en",
        "assignee__family_name", "assignee__given_name", "assignee__family_name_en",
        "assignee__given_name_en", "assignee__email")


def flag_reason_hidden(*, user: User, flag: Flag) -> bool:
    """Whether ``user`` may not read the reason of ``flag``: its source model declares the
    permission its content needs (``flag_reason_permission``, e.g. a checklist answer is
    office-only) and the user lacks it."""
    if not flag.source_type_id:
        return False
    from django.contrib.contenttypes.models import ContentType

    model = ContentType.objects.get_for_id(flag.source_type_id).model_class()
    permission = getattr(model, "flag_reason_permission", None)
    return bool(permission) and not has_perm(user, permission)


def case_detail_for(*, user: User, public_id) -> Case:
    """A case in ``user``'s scope with its flags; a flag whose reason ``user`` may not read
    (:func:`flag_reason_hidden`) has ``reason_hidden`` set: pages show a placeholder."""
    case = _case_detail(user=user, public_id=public_id)
    for flag in case.flags.all():
        flag.reason_hidden = flag_reason_hidden(user=user, flag=flag)
    return case


def _case_detail(*, user: User, public_id) -> Case:
    from portal.permissions import get_object_in_scope

    qs = Case.objects.select_related(
        "researcher__department", "department", "assignee", "contingency_plan__responsible"
    ).prefetch_related(
        Prefetch("flags", queryset=Flag.objects.select_related(
            "rule", "hit__entry__release__screening_list", "version__disclosure__owner",
            "resolved_version", "last_version")),
        Prefetch("measures", queryset=MitigationMeasure.objects.select_related("owner")),
        Prefetch("reviews"),
        Prefetch("information_requests",
                 queryset=InformationRequest.objects.select_related("asked_by")),
    )
    return get_object_in_scope(user, "riskmgmt.case.view", qs, public_id=public_id)


def office_users() -> QuerySet[User]:
    """People a case or measure can be assigned to (office staff and administrators)."""
    return User.objects.filter(is_active=True, role_assignments__role__in=["office_staff", "admin"]
                               ).distinct().order_by("family_name", "given_name", "email")


PICKER_CACHE_KEY = "riskmgmt:office-picker"
PICKER_ROLES = ("office_staff", "admin")


def picker_users_clear(**kwargs) -> None:
    """Forget the cached picker (connected in riskmgmt.apps to every change of a user or a
    role assignment: a new office member, a name changed, an account deactivated)."""
    from django.core.cache import cache

    cache.delete(PICKER_CACHE_KEY)


def owner_picker(case: Case) -> list[User]:
    """Who a measure or a contingency plan of ``case`` can be given to: the active office
    staff and administrators, and the case's researcher, ordered as
    :func:`riskmgmt.forms.owner_choices`. The office part is the same on every case page, so it
    is read once and cached (names and e-mail only, no password hash in the cache) until a user
    or a role assignment changes (:func:`picker_users_clear`); the researcher is the one the
    case page has already loaded."""
    from django.core.cache import cache

    rows = cache.get(PICKER_CACHE_KEY)
    if rows is None:
        rows = list(User.objects.filter(is_active=True, role_assignments__role__in=PICKER_ROLES)
                    .distinct().order_by("family_name", "email")
                    .values_list("pk", *PERSON_FIELDS))
        cache.set(PICKER_CACHE_KEY, rows, 300)  # bounds what a bulk update (no signal) leaves
    users = [User(pk=pk, **dict(zip(PERSON_FIELDS, rest, strict=True))) for pk, *rest in rows]
    researcher = case.researcher
    if researcher.is_active and all(u.pk != researcher.pk for u in users):
        users.append(researcher)
        users.sort(key=lambda u: (u.family_name, u.email))
    return users


# --- Register --------------------------------------------------------------------------------

#: The register lists this many overdue measures (the most overdue first) and counts them all.
OVERDUE_SHOWN = 100


def register_summary(*, user: User) -> dict:
    """Heat map, counts by department and by rule, overdue measures of open cases."""
    if not has_perm(user, "riskmgmt.register.view"):
        return {}
    open_cases = Case.objects.exclude(status=Case.Status.CLOSED)
    # One pass over the open cases for the heat map and both counts (an unassessed case has
    # no likelihood: its group is (None, None)).
    heat, counts = {}, {"open_count": 0, "unassessed": 0}
    for row in (open_cases.order_by().values("likelihood", "impact")
                .annotate(n=Count("id"), unassessed=Count("id", filter=Q(risk_level="")))):
        heat[row["likelihood"], row["impact"]] = row["n"]
        counts["open_count"] += row["n"]
        counts["unassessed"] += row["unassessed"]
    heatmap = [
        {"impact": impact, "cells": [
            {"likelihood": lik, "count": heat.get((lik, impact), 0),
             "level": risk_level_for(lik, impact)}
            for lik in range(1, 6)]}
        for impact in range(5, 0, -1)
    ]
    # Counted by department id, named afterwards (grouping by names would join every case).
    per_department = list(open_cases.order_by().values_list("department_id")
                          .annotate(n=Count("id")))
    departments = {pk: (code, localized(ja, en)) for pk, code, ja, en in Department.objects.filter(
        pk__in=[pk for pk, _n in per_department if pk]).values_list(
        "pk", "code", "name_ja", "name_en")}
    by_department = sorted(
        ({"name": departments.get(pk, ("", ""))[1] or departments.get(pk, ("", ""))[0],
          "code": departments.get(pk, ("", ""))[0], "n": n} for pk, n in per_department),
        key=lambda d: (-d["n"], d["code"]))
    by_rule = _open_cases_by_rule(open_cases)
    # NOT EXISTS (a closed case) rather than excluding through a join: the open measures are
    # read from their partial index and probed, instead of joining every case.
    overdue_qs = MitigationMeasure.objects.filter(
        status__in=MitigationMeasure.OPEN_STATUSES, due_date__lt=timezone.localdate()).exclude(
        Exists(Case.objects.filter(pk=OuterRef("case_id"), status=Case.Status.CLOSED)))
    overdue = list(
        overdue_qs.select_related("case", "owner", "inquiry").only(
            "kind", "due_date", "status", "case__public_id", "case__reference",
            "inquiry__public_id", "inquiry__reference", "owner__email", "owner__family_name",
            "owner__given_name", "owner__family_name_en", "owner__given_name_en")
        .order_by("due_date", "id")[:OVERDUE_SHOWN])
    return {"heatmap": heatmap, "by_department": by_department, "by_rule": by_rule,
            "overdue": overdue, "overdue_count": overdue_qs.count(), **counts}


def _open_cases_by_rule(open_cases) -> list[dict]:
    """Open cases per rule, each case once however many flags of the rule it has.

    ``COUNT(DISTINCT case_id)`` per rule sorts the 28,000 flags of the open cases for every
    group (PostgreSQL 15); here the distinct (rule, case) pairs are formed once (one hash
    aggregate) and counted, then named. The inner query is the ORM's; the outer one is fixed
    text around it (no input in it)."""
    from django.db import connection

    pairs = (Flag.objects.filter(case__in=open_cases).order_by()
             .values_list("rule_id", "case_id").distinct())
    sql, params = pairs.query.sql_with_params()
    rule = connection.ops.quote_name(Rule._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.name, r.code, COUNT(*) AS n FROM ({sql}) pairs "  # noqa: S608
            f"LEFT JOIN {rule} r ON r.id = pairs.rule_id GROUP BY r.name, r.code", params)
        rows = [{"rule__name": name, "rule__code": code, "n": n}
                for name, code, n in cursor.fetchall()]
    return sorted(rows, key=lambda r: (-r["n"], r["rule__code"] or ""))


def register_cases(*, user: User) -> QuerySet[Case]:
    if not has_perm(user, "riskmgmt.register.view"):
        return Case.objects.none()
    return (Case.objects.exclude(status=Case.Status.CLOSED)
            .select_related("researcher", "department", "assignee", "contingency_plan")
            .order_by("-likelihood", "-impact", "opened_at"))


def register_measures_by_case(*, user: User) -> dict[int, list[tuple]]:
    """Measures of the open cases grouped by case id, as ``(kind, description, owner_id,
    due_date, status)`` tuples (one query, no model instance per row: the export writes
    22,000 of them); owners are named with :func:`people_names`."""
    if not has_perm(user, "riskmgmt.register.view"):
        return {}
    grouped: dict[int, list[tuple]] = {}
    for case_id, *row in (MitigationMeasure.objects.filter(case__isnull=False)
                          .exclude(case__status=Case.Status.CLOSED)
                          .order_by("due_date", "id")
                          .values_list("case_id", "kind", "description", "owner_id", "due_date",
                                       "status").iterator(chunk_size=5000)):
        grouped.setdefault(case_id, []).append(tuple(row))
    return grouped


def people_names(ids) -> dict[int, str]:
    """user id → display name in the active language, for the ids given (one query)."""
    return {pk: User(pk=pk, **dict(zip(PERSON_FIELDS, rest, strict=True))).display_name
            for pk, *rest in User.objects.filter(pk__in=ids).values_list("pk", *PERSON_FIELDS)}


# --- Screening -------------------------------------------------------------------------------


def screening_lists_for(*, user: User):
    if not has_perm(user, "riskmgmt.screening.view"):
        return ScreeningList.objects.none()
    return ScreeningList.objects.prefetch_related(
        Prefetch("releases", queryset=ScreeningListRelease.objects.select_related("imported_by")))


def rescreen_jobs_for(*, user: User, releases) -> dict:
    """release id → the newest re-screening job against it (one query), for the page."""
    from portal.outbox.models import Job

    if not has_perm(user, "riskmgmt.screening.view"):
        return {}
    keys = {f"release:{r.pk}": r.pk for r in releases}
    jobs = {}
    for job in (Job.objects.filter(kind="riskmgmt.rescreen_registry", key__in=list(keys))
                .order_by("created_at", "pk")):
        jobs[keys[job.key]] = job
    return jobs


def screening_runs_for(*, user: User):
    if not has_perm(user, "riskmgmt.screening.view"):
        return ScreeningRun.objects.none()
    return ScreeningRun.objects.select_related("release__screening_list", "triggered_by")


def screening_hits_for(*, user: User, status: str = "open", q: str = ""):
    if not has_perm(user, "riskmgmt.screening.view"):
        return ScreeningHit.objects.none()
    qs = ScreeningHit.objects.select_related("organisation", "entry__release__screening_list",
                                             "reviewed_by", "contributor__output__owner")
    if status in ScreeningHit.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(query_name__icontains=q) | Q(matched_name__icontains=q))
    return qs.order_by("-created_at")


def rules_for(*, user: User):
    if not has_perm(user, "riskmgmt.rule.view"):
        return Rule.objects.none()
    return Rule.objects.annotate(flag_total=Count("flags")).order_by("code")


# --- Requests for information ----------------------------------------------------------------


def my_information_requests(*, user: User) -> QuerySet[InformationRequest]:
    """A researcher's own questions from the research office (never another's)."""
    qs = InformationRequest.objects.select_related("case", "asked_by")
    return scope_queryset(user, "riskmgmt.request.answer_own", qs, owner_field="researcher_id"
                          ).order_by("answered_at", "-asked_at")


def request_thread_for(*, user: User, req: InformationRequest) -> list[InformationRequest]:
    """Every question of ``req``'s case to its researcher, oldest first, with answers and
    attachments: the thread both sides re-read (the researcher sees only their own)."""
    qs = (InformationRequest.objects.filter(case_id=req.case_id, researcher_id=req.researcher_id)
          .select_related("asked_by").order_by("asked_at", "id"))
    if req.researcher_id == user.pk:
        return list(scope_queryset(user, "riskmgmt.request.answer_own", qs,
                                   owner_field="researcher_id"))
    return list(scope_queryset(user, "riskmgmt.case.view", qs,
                               department_field="case__department_id"))


def request_attachment_get_for(*, user: User, public_id):
    """An answer's attachment, for its researcher or staff who may see the case; else 404."""
    from django.http import Http404

    from riskmgmt.models import RequestAttachment

    qs = RequestAttachment.objects.select_related("request__case")
    try:
        attachment = qs.get(public_id=public_id)
    except (RequestAttachment.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    req = attachment.request
    if req.researcher_id == user.pk and has_perm(user, "riskmgmt.request.answer_own", req):
        return attachment
    if has_perm(user, "riskmgmt.case.view", req.case):
        return attachment
    raise Http404


# --- Inquiries -------------------------------------------------------------------------------


def inquiries_for(*, user: User):
    if not has_perm(user, "riskmgmt.inquiry.manage"):
        return FundingAgencyInquiry.objects.none()
    return FundingAgencyInquiry.objects.select_related("agency", "handled_by")


def flags_of_version(*, user: User, version) -> list:
    """The flags a disclosure version raised, carried or resolved, with their cases (for the
    reviewer's page), in one query; empty when ``user`` may not see the disclosure's cases."""
    from riskmgmt.models import FlagVersion

    if not has_perm(user, "riskmgmt.case.view", version.disclosure):
        return []
    return list(FlagVersion.objects.filter(version=version)
                .select_related("flag__case", "flag__rule")
                .only("state", "flag__reason", "flag__reason_key", "flag__reason_params",
                      "flag__item_labels", "flag__item_keys",
                      "flag__rule__name", "flag__case__public_id", "flag__case__reference",
                      "flag__case__title", "flag__case__status", "flag__case__risk_level",
                      "flag__case__concern")
                .order_by("flag__case__reference", "flag_id"))


# --- Assessment scales --------------------------------------------------------------------

SCALE_CACHE_KEY = "riskmgmt:scale-levels"
SCALE_DEFAULTS = {
    "likelihood": {1: _("Rare: not expected to happen"), 2: _("Unlikely: could happen, but not expected"),
                   3: _("Possible: might happen"), 4: _("Likely: will probably happen"),
                   5: _("Almost certain: expected to happen")},
    "impact": {1: _("Negligible: no effect on the research or the university"),
               2: _("Minor: small, easily corrected effects"),
               3: _("Moderate: a project or a partnership is affected"),
               4: _("Major: sanctions, loss of funding or of a partner"),
               5: _("Severe: legal breach, leak of controlled technology, reputational damage")},
}


def scale_rows() -> dict:
    """Administrators' wording of the scales {(axis, value): (ja, en)}, cached (forms on
    every case page read it; :func:`riskmgmt.services.scale_levels_save` clears it)."""
    from django.core.cache import cache

    from riskmgmt.models import ScaleLevel

    rows = cache.get(SCALE_CACHE_KEY)
    if rows is None:
        rows = {f"{r.axis}:{r.value}": [r.description_ja, r.description_en]
                for r in ScaleLevel.objects.all()}
        cache.set(SCALE_CACHE_KEY, rows, 3600)
    return rows


def scale_descriptions(axis: str) -> dict[int, str]:
    """Point → description of ``axis`` in the active language (administrators' wording, else
    the other language's, else the built-in one)."""
    from django.utils.translation import get_language

    english = (get_language() or "ja").startswith("en")
    rows = scale_rows()
    out = {}
    for value, default in SCALE_DEFAULTS[axis].items():
        ja, en = rows.get(f"{axis}:{value}", ["", ""])
        out[value] = (en or ja) if english else (ja or en)
        out[value] = out[value] or str(default)
    return out


def scale_choices(axis: str) -> list[tuple[int, str]]:
    return [(v, f"{v} — {d}") for v, d in scale_descriptions(axis).items()]
