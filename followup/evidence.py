"""Evidence for each question, suggested from the portal's own data for a fiscal year.

One provider per question (``q1`` … ``q7``), each returning a list of :class:`EvidenceItem`.
Providers that read another app's models look them up through the app registry, so a
deployment without that app (or an older schema) simply gets no suggestion for that question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.fiscal import fiscal_year_bounds
from portal.models import Role, RoleAssignment

from .aggregation import percent
from .models import RegulationDocument


@dataclass(frozen=True)
class EvidenceItem:
    question: int
    title: str
    detail: str = ""
    date: dt.date | None = None

    def as_text(self) -> str:
        parts = []
        if self.date:
            parts.append(self.date.isoformat())
        parts.append(self.title)
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)


def _model(label: str, name: str):
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _fields(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _bounds(fiscal_year: int):
    return fiscal_year_bounds(fiscal_year)


# --- Q1: awareness activities (followup.awareness) -------------------------------------------


def q1(fiscal_year: int) -> list[EvidenceItem]:
    """Trainings, seminars, e-learning and circulated notices held in the fiscal year."""
    Activity = _model("awareness", "AwarenessActivity")
    if Activity is None or "fiscal_year" not in _fields(Activity):
        return []
    qs = Activity.objects.filter(fiscal_year=fiscal_year).order_by("date", "id")
    if "attendances" in _fields(Activity):
        qs = qs.annotate(attended=Count("attendances", filter=Q(attendances__attended=True)))
    items = []
    for act in qs[:30]:
        participants = getattr(act, "participants_count", None) or getattr(act, "attended", 0)
        parts = [str(act.get_kind_display()) if hasattr(act, "get_kind_display") else ""]
        if hasattr(act, "get_audience_display"):
            parts.append(str(act.get_audience_display()))
        if participants:
            parts.append(_("%(n)s participants") % {"n": participants})
        items.append(EvidenceItem(1, act.title, ", ".join(p for p in parts if p), act.date))
    return items


# --- Q2 / Q4: regulation documents -----------------------------------------------------------


def _regulations(fiscal_year: int, kind: str, question: int) -> list[EvidenceItem]:
    _start, end = _bounds(fiscal_year)
    docs = RegulationDocument.objects.filter(kind=kind, enacted_on__lte=end).order_by("-enacted_on")
    items = []
    for doc in docs[:20]:
        detail = _("enacted %(date)s") % {"date": doc.enacted_on.isoformat()}
        if doc.revised_on:
            detail += ", " + _("revised %(date)s") % {"date": doc.revised_on.isoformat()}
        items.append(EvidenceItem(question, doc.title, detail, doc.effective_date))
    return items


def q2(fiscal_year: int) -> list[EvidenceItem]:
    return _regulations(fiscal_year, RegulationDocument.Kind.CONFLICT_OF_INTEREST, 2)


def q4(fiscal_year: int) -> list[EvidenceItem]:
    return _regulations(fiscal_year, RegulationDocument.Kind.RISK_MANAGEMENT, 4)


# --- Q3: roles and reviewers -----------------------------------------------------------------


def q3(fiscal_year: int) -> list[EvidenceItem]:
    counts = dict(
        RoleAssignment.objects.filter(user__is_active=True)
        .exclude(role=Role.RESEARCHER)
        .values_list("role").annotate(n=Count("id")).order_by()
    )
    departments = (RoleAssignment.objects.filter(role=Role.DEPT_REVIEWER, user__is_active=True)
                   .values("department").distinct().count())
    items = []
    if counts.get(Role.ADMIN):
        items.append(EvidenceItem(3, _("Administrators: %(n)s") % {"n": counts[Role.ADMIN]}))
    if counts.get(Role.OFFICE_STAFF):
        items.append(EvidenceItem(3, _("Research-office staff: %(n)s")
                                  % {"n": counts[Role.OFFICE_STAFF]}))
    if counts.get(Role.DEPT_REVIEWER):
        items.append(EvidenceItem(3, _("Department reviewers: %(n)s covering %(d)s departments")
                                  % {"n": counts[Role.DEPT_REVIEWER], "d": departments}))
    return items


# --- Q5: screening lists and screenings (riskmgmt) -------------------------------------------


def q5(fiscal_year: int) -> list[EvidenceItem]:
    """Screening lists in use (current release) and the screenings run in the fiscal year."""
    Release = _model("riskmgmt", "ScreeningListRelease")
    Run = _model("riskmgmt", "ScreeningRun")
    items = []
    start, end = _bounds(fiscal_year)
    if Release is not None:
        releases = (Release.objects.filter(is_current=True, screening_list__is_active=True,
                                           created_at__date__lte=end)
                    .select_related("screening_list").order_by("screening_list__name"))
        for rel in releases[:20]:
            detail = _("release %(n)s, %(entries)s entries") % {
                "n": rel.label or rel.number, "entries": rel.entry_count}
            items.append(EvidenceItem(5, _("Screening list in use: %(name)s")
                                      % {"name": rel.screening_list.name}, detail,
                                      timezone.localtime(rel.created_at).date()))
    if Run is not None:
        runs = Run.objects.filter(started_at__date__gte=start, started_at__date__lte=end,
                                  status="done")
        stats = runs.aggregate(n=Count("id"), names=Sum("names_checked"), hits=Sum("new_hits"))
        if stats["n"]:
            items.append(EvidenceItem(
                5, _("Screenings run in the fiscal year: %(n)s") % {"n": stats["n"]},
                _("%(names)s names checked, %(hits)s new hits to review")
                % {"names": stats["names"] or 0, "hits": stats["hits"] or 0}))
    return items


# --- Q6: cases with mitigation / contingency plans (riskmgmt) --------------------------------


def q6(fiscal_year: int) -> list[EvidenceItem]:
    """Cases assessed in the fiscal year, and how many got mitigation or contingency plans."""
    Case = _model("riskmgmt", "Case")
    Assessment = _model("riskmgmt", "RiskAssessment")
    if Case is None or Assessment is None:
        return []
    start, end = _bounds(fiscal_year)
    assessed = Case.objects.filter(assessments__created_at__date__gte=start,
                                   assessments__created_at__date__lte=end).distinct()
    total = assessed.count()
    if not total:
        return []
    high = assessed.filter(risk_level__in=["high", "critical"]).count()
    with_measures = assessed.filter(measures__isnull=False).distinct().count()
    with_plan = assessed.filter(contingency_plan__isnull=False).count()
    return [
        EvidenceItem(6, _("Cases assessed in the fiscal year: %(n)s") % {"n": total},
                     _("%(high)s judged high or critical") % {"high": high}),
        EvidenceItem(6, _("Cases with risk-mitigation measures: %(n)s") % {"n": with_measures}),
        EvidenceItem(6, _("Cases with a contingency plan: %(n)s") % {"n": with_plan}),
    ]


# --- Q7: update campaigns (disclosures) ------------------------------------------------------


def q7(fiscal_year: int) -> list[EvidenceItem]:
    """The fiscal year's update campaign and the share of researchers who updated or confirmed."""
    Campaign = _model("disclosures", "UpdateCampaign")
    Version = _model("disclosures", "DisclosureVersion")
    if Campaign is None or Version is None:
        return []
    campaign = Campaign.objects.filter(fiscal_year=fiscal_year).first()
    if campaign is None:
        return []
    responded = (Version.objects.filter(campaign=campaign, kind__in=["annual_update", "no_change"],
                                        submitted_at__isnull=False)
                 .values("disclosure__owner").distinct().count())
    researchers = (RoleAssignment.objects.filter(role=Role.RESEARCHER, user__is_active=True)
                   .values("user").distinct().count())
    share = percent(responded, researchers)
    return [
        EvidenceItem(7, _("Update campaign: %(title)s") % {"title": campaign.title},
                     _("%(start)s to %(due)s") % {"start": campaign.opens_on.isoformat(),
                                                  "due": campaign.due_date.isoformat()},
                     campaign.opens_on),
        EvidenceItem(7, _("Researchers who updated or confirmed: %(n)s of %(total)s (%(pct)s%%)")
                     % {"n": responded, "total": researchers, "pct": share}),
    ]


PROVIDERS: dict[int, Callable[[int], list[EvidenceItem]]] = {
    1: q1, 2: q2, 3: q3, 4: q4, 5: q5, 6: q6, 7: q7,
}


def suggestions_for(*, fiscal_year: int) -> dict[int, list[EvidenceItem]]:
    return {n: provider(fiscal_year) for n, provider in PROVIDERS.items()}

