"""Reads of the follow-up survey; visibility is decided here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from portal.models import Institution, InstitutionCategory, User
from portal.permissions import has_perm

from . import aggregation
from .models import (
    AnswerOption,
    CategoryGroup,
    Question,
    RegulationDocument,
    SurveyAnswer,
    SurveyCycle,
    SurveyResponse,
)


def cycle_list_for(*, user: User) -> QuerySet[SurveyCycle]:
    if not has_perm(user, "followup.section.view"):
        return SurveyCycle.objects.none()
    return SurveyCycle.objects.select_related("question_set").annotate(
        institutions=Count("responses", filter=Q(responses__is_current=True)),
    ).order_by("-fiscal_year")


def cycle_get(*, user: User, fiscal_year: int) -> SurveyCycle:
    cycle = cycle_list_for(user=user).filter(fiscal_year=fiscal_year).first()
    if cycle is None:
        raise Http404
    return cycle


def questions_of(cycle: SurveyCycle) -> list[Question]:
    return list(cycle.question_set.questions.all())


def options_of(cycle: SurveyCycle) -> list[AnswerOption]:
    return list(cycle.question_set.options.all())


def home_response(*, cycle: SurveyCycle) -> SurveyResponse | None:
    """The home institution's current response with answers, options and documents loaded."""
    return (
        SurveyResponse.objects.filter(cycle=cycle, institution__is_home=True, is_current=True)
        .select_related("institution", "approved_by", "created_by")
        .prefetch_related(
            Prefetch("answers", SurveyAnswer.objects.select_related("question", "option")
                     .prefetch_related("documents").order_by("question__number"))
        )
        .first()
    )


def home_response_versions(*, cycle: SurveyCycle) -> list[SurveyResponse]:
    return list(SurveyResponse.objects.filter(cycle=cycle, institution__is_home=True)
                .select_related("approved_by", "created_by").order_by("-version"))


def response_get(*, user: User, public_id) -> SurveyResponse:
    if not has_perm(user, "followup.section.view"):
        raise Http404
    response = (SurveyResponse.objects.select_related("cycle", "cycle__question_set", "institution")
                .filter(public_id=public_id).first())
    if response is None:
        raise Http404
    return response


def regulation_list_for(*, user: User) -> QuerySet[RegulationDocument]:
    if not has_perm(user, "followup.regulation.view"):
        return RegulationDocument.objects.none()
    return RegulationDocument.objects.select_related("uploaded_by")


def regulation_get(*, user: User, public_id) -> RegulationDocument:
    doc = regulation_list_for(user=user).filter(public_id=public_id).first()
    if doc is None:
        raise Http404
    return doc


# --- Results ---------------------------------------------------------------------------------


# Only answers an institution has settled count in results and exports: imported answers are
# stored locked; the home institution's count once an administrator has approved them.
SETTLED = (SurveyResponse.Status.APPROVED, SurveyResponse.Status.LOCKED)


def answer_counts(*, fiscal_years: list[int]) -> dict[tuple[int, int, int, int], int]:
    """Counts of current, settled answers per (fiscal year, category id, question, option code).

    One grouped query in the database, whatever the number of institutions.
    """
    rows = (
        SurveyAnswer.objects.filter(response__cycle__fiscal_year__in=fiscal_years,
                                    response__is_current=True, response__status__in=SETTLED,
                                    option__isnull=False)
        .values_list("response__cycle__fiscal_year", "response__institution__category_id",
                     "question__number", "option__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(y, c, q, o): n for y, c, q, o, n in rows}


@dataclass
class CategoryResults:
    """The results of one category, of one group of categories (国公立大学等) or of everyone."""

    category: InstitutionCategory | None
    results: dict  # question number -> aggregation.QuestionResult
    group: CategoryGroup | None = None

    @property
    def name_ja(self) -> str:
        """The Japanese name written in the ministry's workbooks (全体 for everyone)."""
        if self.group is not None:
            return self.group.name_ja
        return self.category.name_ja if self.category is not None else "全体"

    @property
    def respondents(self) -> int:
        return max((r.total for r in self.results.values()), default=0)

    @property
    def label(self) -> str:
        from django.utils.translation import gettext as _

        if self.group is not None:
            return str(self.group)
        return str(self.category) if self.category is not None else _("All institutions")


@dataclass
class Results:
    fiscal_year: int
    cycle: SurveyCycle
    questions: list[Question]
    options: list[AnswerOption]
    categories: list[CategoryResults]

    @property
    def has_previous(self) -> bool:
        return any(r.previous is not None for c in self.categories for r in c.results.values())


def results_for(*, cycle: SurveyCycle, include_empty: bool = False) -> Results:
    """Aggregates of ``cycle`` per category (and all together), with the previous year's change."""
    questions = questions_of(cycle)
    options = options_of(cycle)
    counts = answer_counts(fiscal_years=[cycle.fiscal_year, cycle.fiscal_year - 1])
    categories = list(InstitutionCategory.objects.all())
    groups = list(CategoryGroup.objects.prefetch_related("categories"))
    # A group is aggregated as one more "category" (keyed by minus its id) summing its members.
    members = {g.pk: {c.pk for c in g.categories.all()} for g in groups}
    grouped: dict[aggregation.Key, int] = {}
    for (year, cat, question, code), n in counts.items():
        for gid, cats in members.items():
            if cat in cats:
                key = (year, -gid, question, code)
                grouped[key] = grouped.get(key, 0) + n
    done = [o.code for o in options if o.done_by_year_end] or list(aggregation.DONE_CODES)
    table = aggregation.aggregate(counts, fiscal_year=cycle.fiscal_year,
                                  questions=[q.number for q in questions],
                                  category_ids=[c.pk for c in categories], done_codes=done)
    group_table = aggregation.aggregate(
        grouped, fiscal_year=cycle.fiscal_year, questions=[q.number for q in questions],
        category_ids=[-g.pk for g in groups], include_all=False, done_codes=done)
    per_cat = []
    for group in groups:  # the ministry's headline groups first (国公立大学等)
        res = CategoryResults(None, group_table[-group.pk], group=group)
        if include_empty or res.respondents:
            per_cat.append(res)
    for cat in categories:
        res = CategoryResults(cat, table[cat.pk])
        if include_empty or res.respondents:
            per_cat.append(res)
    per_cat.append(CategoryResults(None, table[None]))
    return Results(cycle.fiscal_year, cycle, questions, options, per_cat)


def institution_rows(*, fiscal_year: int) -> Iterator[tuple[str, str, str, int, dict[int, int]]]:
    """(code, name, category name, fiscal year, {question: option code}) per institution.

    Streams current answers ordered by institution code (one query, no model instances).
    """
    rows = (
        SurveyAnswer.objects.filter(response__cycle__fiscal_year=fiscal_year,
                                    response__is_current=True, response__status__in=SETTLED)
        .order_by("response__institution__code", "question__number")
        .values_list("response__institution__code", "response__institution__name_ja",
                     "response__institution__category__name_ja", "question__number",
                     "option__code")
    )
    current_code, current = None, None
    for code, name, category, number, option in rows.iterator(chunk_size=5000):
        if code != current_code:
            if current is not None:
                yield current
            current_code = code
            current = (code, name, category, fiscal_year, {})
        if option is not None:
            current[4][number] = option
    if current is not None:
        yield current


def institution_count(*, fiscal_year: int) -> int:
    return SurveyResponse.objects.filter(cycle__fiscal_year=fiscal_year, is_current=True,
                                         status__in=SETTLED).count()


def institution_list(*, query: str = "", category: str = "") -> QuerySet[Institution]:
    """The institution registry with the number of cycles each has answered."""
    qs = Institution.objects.select_related("category").annotate(
        answered=Count("survey_responses", filter=Q(survey_responses__is_current=True)))
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(code__icontains=query) | Q(name_ja__icontains=query)
                       | Q(name_en__icontains=query))
    if category:
        qs = qs.filter(category__code=category)
    return qs


def institutions_for(*, codes: list[str]) -> dict[str, Institution]:
    return {i.code: i for i in Institution.objects.filter(code__in=codes).select_related("category")}
