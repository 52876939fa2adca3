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
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from portal.fiscal import fiscal_year_bounds
from portal.models import Role, RoleAssignment

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
    return []


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
    return []


# --- Q6: cases with mitigation / contingency plans (riskmgmt) --------------------------------


def q6(fiscal_year: int) -> list[EvidenceItem]:
    return []


# --- Q7: update campaigns (disclosures) ------------------------------------------------------


def q7(fiscal_year: int) -> list[EvidenceItem]:
    return []


PROVIDERS: dict[int, Callable[[int], list[EvidenceItem]]] = {
    1: q1, 2: q2, 3: q3, 4: q4, 5: q5, 6: q6, 7: q7,
}


def suggestions_for(*, fiscal_year: int) -> dict[int, list[EvidenceItem]]:
    return {n: provider(fiscal_year) for n, provider in PROVIDERS.items()}


_unused = Q  # kept for providers that filter with Q objects
