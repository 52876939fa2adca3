"""Reads of the awareness app, with visibility filtered here once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from followup.awareness.models import (
    ActivityKind,
    Attendance,
    Audience,
    AwarenessActivity,
    CaseStudy,
    CaseStudyStatus,
    Checklist,
    ChecklistResponse,
    ChecklistTarget,
    ChecklistVersion,
    ResponseStatus,
    VersionStatus,
    normalize_for_search,
)
from portal.fiscal import fiscal_year_of
from portal.models import Department, Role, RoleAssignment, User
from portal.permissions import has_perm, roles_of, scope_queryset

# --- Activities ------------------------------------------------------------------------------


def department_chain_ids(user: User) -> list[int]:
    """The user's department and every department above it (one query)."""
    if not user.department_id:
        return []
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    chain, node = [], user.department_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def audience_q(user: User, prefix: str = "") -> Q:
    """Activities whose audience includes ``user`` (by role and department)."""
    roles = roles_of(user)
    kinds = [Audience.EVERYONE]
    if Role.RESEARCHER in roles:
        kinds.append(Audience.RESEARCHERS)
    if roles & {Role.OFFICE_STAFF, Role.ADMIN, Role.DEPT_REVIEWER}:
        kinds.append(Audience.STAFF)
    q = Q(**{f"{prefix}audience__in": kinds})
    chain = department_chain_ids(user)
    if chain:
        q |= Q(**{f"{prefix}audience": Audience.DEPARTMENTS, f"{prefix}departments__in": chain})
    return q


def activity_list_for(*, user: User) -> QuerySet[AwarenessActivity]:
    """Staff see every activity; researchers see those meant for them and those they attended."""
    qs = AwarenessActivity.objects.all()
    if not has_perm(user, "awareness.activity.view"):
        return qs.none()
    if not (has_perm(user, "awareness.activity.manage") or has_perm(user, "awareness.completion.view")):
        ids = AwarenessActivity.objects.filter(
            audience_q(user) | Q(attendances__user=user)
        ).values("pk")
        qs = qs.filter(pk__in=ids)
    return qs.annotate(
        attended_count=Count("attendances", filter=Q(attendances__attended=True), distinct=True),
    )


def activity_summary(*, fiscal_year: int) -> list[dict]:
    """Q1 evidence for the follow-up survey: per kind, how many activities and participants.

    Participants are the head count entered for an activity, or else its recorded attendance.
    Two queries; for the survey's evidence page and exports (callers check permissions).
    """
    acts = list(AwarenessActivity.objects.filter(fiscal_year=fiscal_year).annotate(
        attended=Count("attendances", filter=Q(attendances__attended=True)),
    ).values("kind", "participants_count", "attended"))
    rows = []
    for kind, label in ActivityKind.choices:
        mine = [a for a in acts if a["kind"] == kind]
        rows.append({
            "kind": kind, "label": label, "count": len(mine),
            "participants": sum(a["participants_count"] if a["participants_count"] is not None
                                else a["attended"] for a in mine),
        })
    return rows


def attendance_list(activity: AwarenessActivity) -> QuerySet[Attendance]:
    return activity.attendances.select_related("user", "user__department", "recorded_by").order_by(
        "user__family_name", "user__given_name", "user__email"
    )


def own_attendance(*, user: User, activity: AwarenessActivity) -> Attendance | None:
    return Attendance.objects.filter(user=user, activity=activity).first()


def training_history_for(*, user: User) -> QuerySet[Attendance]:
    """A researcher's own attendance, newest first."""
    return scope_queryset(
        user, "awareness.training.view_own", Attendance.objects.all(), owner_field="user"
    ).select_related("activity").order_by("-activity__date", "-id")


def required_activities_for(*, user: User, fiscal_year: int | None = None) -> list[dict]:
    """Required activities of the year meant for ``user``, each with whether it is done."""
    fiscal_year = fiscal_year or fiscal_year_of()
    done = Attendance.objects.filter(activity=OuterRef("pk"), user=user, attended=True)
    ids = AwarenessActivity.objects.filter(
        audience_q(user), is_required=True, fiscal_year=fiscal_year
    ).values("pk")
    acts = AwarenessActivity.objects.filter(pk__in=ids).annotate(done=Exists(done)).order_by(
        "due_date", "date"
    )
    return list(acts)


def due_activities_for(*, user: User) -> list[AwarenessActivity]:
    return [a for a in required_activities_for(user=user) if not a.done]


# --- Completion by department ----------------------------------------------------------------


@dataclass
class DeptRow:
    department: Department
    depth: int
    members: int = 0
    completed: int = 0
    total_members: int = 0
    total_completed: int = 0
    children: list = field(default_factory=list)

    @property
    def rate(self) -> int | None:
        if not self.total_members:
            return None
        return round(100 * self.total_completed / self.total_members)


def completion_by_department(*, user: User, activities: list[AwarenessActivity]) -> list[DeptRow]:
    """Researchers who completed all of ``activities`` per department, with subtree totals.

    Rows are the department tree in order (depth for indenting); a department reviewer sees
    only their subtree. Four queries whatever the number of departments.
    """
    visible = scope_queryset(user, "awareness.completion.view", Department.objects.all(),
                             department_field="id")
    departments = list(visible.filter(is_active=True).order_by("code"))
    if not departments or not activities:
        return []
    researcher_ids = RoleAssignment.objects.filter(role=Role.RESEARCHER).values("user_id")
    researchers = User.objects.filter(is_active=True, pk__in=researcher_ids,
                                      department__in=departments)
    members: dict[int, int] = {}
    for row in researchers.order_by().values("department").annotate(n=Count("pk")):
        members[row["department"]] = row["n"]
    complete_ids = None
    for activity in activities:
        ids = set(Attendance.objects.filter(activity=activity, attended=True,
                                            user__in=researchers).values_list("user_id", flat=True))
        complete_ids = ids if complete_ids is None else complete_ids & ids
    completed: dict[int, int] = {}
    for dept_id in researchers.filter(pk__in=complete_ids or []).values_list("department", flat=True):
        completed[dept_id] = completed.get(dept_id, 0) + 1
    by_id = {d.pk: DeptRow(department=d, depth=0, members=members.get(d.pk, 0),
                           completed=completed.get(d.pk, 0)) for d in departments}
    roots = []
    for d in departments:
        row = by_id[d.pk]
        parent = by_id.get(d.parent_id)
        if parent is not None:
            parent.children.append(row)
        else:
            roots.append(row)
    ordered: list[DeptRow] = []

    def walk(row: DeptRow, depth: int) -> tuple[int, int]:
        row.depth = depth
        ordered.append(row)
        tm, tc = row.members, row.completed
        for child in row.children:
            cm, cc = walk(child, depth + 1)
            tm, tc = tm + cm, tc + cc
        row.total_members, row.total_completed = tm, tc
        return tm, tc

    for root in roots:
        walk(root, 0)
    return ordered


def department_members_status(*, user: User, department: Department,
                              activities: list[AwarenessActivity]) -> list[dict]:
    """Researchers of one department (not below) and which of ``activities`` they completed."""
    people = scope_queryset(
        user, "awareness.completion.view",
        User.objects.filter(is_active=True, role_assignments__role=Role.RESEARCHER,
                            department=department).distinct(),
        department_field="department",
    ).order_by("family_name", "given_name", "email")
    done = set(Attendance.objects.filter(activity__in=activities, attended=True,
                                         user__in=people).values_list("user_id", "activity_id"))
    return [{"person": p, "done": [(a, (p.pk, a.pk) in done) for a in activities]}
            for p in people]


# --- Checklists ------------------------------------------------------------------------------


def checklist_list_for(*, user: User) -> QuerySet[Checklist]:
    if has_perm(user, "awareness.checklist.manage"):
        qs = Checklist.objects.all()
    else:
        targets = []
        if has_perm(user, "awareness.checklist.fill_own"):
            targets.append(ChecklistTarget.RESEARCHER)
        if has_perm(user, "awareness.checklist.fill_institution"):
            targets.append(ChecklistTarget.INSTITUTION)
        qs = Checklist.objects.filter(target__in=targets, is_active=True,
                                      versions__status=VersionStatus.PUBLISHED)
    return qs.prefetch_related(
        Prefetch("versions", queryset=ChecklistVersion.objects.order_by("-number"))
    ).distinct()


def checklists_to_fill(*, user: User, fiscal_year: int | None = None) -> list[dict]:
    """Researcher checklists open this year, each with the user's response if any."""
    fiscal_year = fiscal_year or fiscal_year_of()
    if not has_perm(user, "awareness.checklist.fill_own"):
        return []
    lists = list(Checklist.objects.filter(
        target=ChecklistTarget.RESEARCHER, is_active=True,
        versions__status=VersionStatus.PUBLISHED,
    ).distinct())
    responses = {r.checklist_id: r for r in ChecklistResponse.objects.filter(
        respondent=user, fiscal_year=fiscal_year, checklist__in=lists)}
    return [{"checklist": c, "response": responses.get(c.pk)} for c in lists]


def unfilled_checklists_for(*, user: User) -> list[Checklist]:
    return [row["checklist"] for row in checklists_to_fill(user=user)
            if row["response"] is None or row["response"].status != ResponseStatus.SUBMITTED]


def response_of(*, checklist: Checklist, respondent: User | None,
                fiscal_year: int) -> ChecklistResponse | None:
    return ChecklistResponse.objects.select_related("version").filter(
        checklist=checklist, respondent=respondent, fiscal_year=fiscal_year).first()


def response_list_for(*, user: User) -> QuerySet[ChecklistResponse]:
    """Responses the user may read: staff by scope, researchers their own."""
    base = ChecklistResponse.objects.select_related(
        "checklist", "version", "respondent", "respondent__department", "filled_by"
    ).annotate(risk_count=Count("answers", filter=Q(answers__signals_risk=True)))
    if has_perm(user, "awareness.checklist.view_responses"):
        scoped = scope_queryset(user, "awareness.checklist.view_responses", base,
                                department_field="respondent__department")
        if has_perm(user, "awareness.checklist.fill_institution"):
            scoped = base.filter(Q(pk__in=scoped.values("pk")) | Q(respondent__isnull=True))
        elif not has_perm(user, "awareness.checklist.manage"):
            scoped = scoped.filter(respondent__isnull=False)
        if has_perm(user, "awareness.checklist.fill_own"):
            scoped = base.filter(Q(pk__in=scoped.values("pk")) | Q(respondent=user))
        return scoped
    return scope_queryset(user, "awareness.checklist.fill_own", base, owner_field="respondent")


# --- Case library ----------------------------------------------------------------------------


def case_study_list_for(*, user: User) -> QuerySet[CaseStudy]:
    if not has_perm(user, "awareness.casestudy.view"):
        return CaseStudy.objects.none()
    qs = CaseStudy.objects.all()
    if not has_perm(user, "awareness.casestudy.manage"):
        qs = qs.filter(status=CaseStudyStatus.PUBLISHED)
    return qs.prefetch_related("risk_types")


def case_study_search(qs: QuerySet[CaseStudy], *, query: str = "", risk_type: str = "") -> QuerySet:
    """Japanese full text: every word of the NFKC-normalised query must appear somewhere.

    Substring search over a normalised copy of the text works for Japanese without word
    segmentation, and behaves the same on SQLite and PostgreSQL (``search_text`` is already
    casefolded, so a plain ``contains`` is used, not a database-specific ``icontains``).
    """
    for word in normalize_for_search(query).split():
        qs = qs.filter(search_text__contains=word)
    if risk_type:
        qs = qs.filter(risk_types__code=risk_type)
    return qs.distinct()
