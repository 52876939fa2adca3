"""The arithmetic of the survey results, kept apart from the database so it can be tested.

Input: counts of answers keyed by ``(fiscal_year, category_id, question_number, option_code)``.
Output, per fiscal year × category × question: the number answering, count and percentage of
each option, the share "done by the end of the year" (options counted as done — 1 実施している
and 2 検討している（当年度実施予定）) and the change from the previous fiscal year in points.

Percentages are of the institutions that answered that question, rounded half-up to one
decimal place; the year-over-year change is computed from the unrounded shares, then rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

DONE_CODES = frozenset({1, 2})
IMPLEMENTED_CODES = frozenset({1})
OPTION_CODES = (1, 2, 3, 4, 5)


def percent(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, one decimal, half-up; 0 when nobody answered."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def points(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or before is None:
        return None
    return (now - before).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _exact(part: int, whole: int) -> Decimal | None:
    return Decimal(part) * 100 / Decimal(whole) if whole else None


@dataclass
class QuestionResult:
    fiscal_year: int
    category_id: int | None
    question: int
    counts: dict[int, int] = field(default_factory=dict)
    total: int = 0
    done_codes: frozenset[int] = DONE_CODES
    previous: QuestionResult | None = None

    def count(self, code: int) -> int:
        return self.counts.get(code, 0)

    def percent(self, code: int) -> Decimal:
        return percent(self.count(code), self.total)

    @property
    def percents(self) -> list[tuple[int, int, Decimal]]:
        return [(code, self.count(code), self.percent(code)) for code in OPTION_CODES]

    @property
    def done_count(self) -> int:
        return sum(self.count(c) for c in self.done_codes)

    @property
    def done_percent(self) -> Decimal:
        return percent(self.done_count, self.total)

    @property
    def implemented_percent(self) -> Decimal:
        return percent(sum(self.count(c) for c in IMPLEMENTED_CODES), self.total)

    @property
    def done_change(self) -> Decimal | None:
        """Change of the done-by-year-end share from the previous year, in points."""
        if self.previous is None or not self.previous.total or not self.total:
            return None
        now = _exact(self.done_count, self.total)
        before = _exact(self.previous.done_count, self.previous.total)
        return (now - before).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def implemented_change(self) -> Decimal | None:
        if self.previous is None or not self.previous.total or not self.total:
            return None
        now = _exact(self.count(1), self.total)
        before = _exact(self.previous.count(1), self.previous.total)
        return (now - before).quantize(Decimal("0.1"), ROUND_HALF_UP)


Key = tuple[int, int | None, int, int]


def aggregate(
    counts: Mapping[Key, int] | Iterable[tuple[Key, int]],
    *,
    fiscal_year: int,
    questions: Iterable[int] = range(1, 8),
    category_ids: Iterable[int | None] | None = None,
    include_all: bool = True,
    done_codes: Iterable[int] = DONE_CODES,
) -> dict[int | None, dict[int, QuestionResult]]:
    """Results of ``fiscal_year`` per category id (``None`` = all categories) and question.

    ``counts`` may hold other years; the previous year's counts give the YoY change.
    """
    items = counts.items() if isinstance(counts, Mapping) else counts
    table: dict[tuple[int, int | None, int], dict[int, int]] = {}
    for (year, cat, question, code), n in items:
        if year not in (fiscal_year, fiscal_year - 1) or code is None:
            continue
        table.setdefault((year, cat, question), {}).setdefault(code, 0)
        table[(year, cat, question)][code] += n
        if include_all:
            table.setdefault((year, None, question), {}).setdefault(code, 0)
            table[(year, None, question)][code] += n
    if category_ids is None:
        category_ids = sorted({k[1] for k in table if k[1] is not None})
    cats = list(category_ids) + ([None] if include_all and None not in category_ids else [])
    questions = list(questions)
    done_codes = frozenset(done_codes)
    result: dict[int | None, dict[int, QuestionResult]] = {}
    for cat in cats:
        per_q = {}
        for q in questions:
            prev_counts = table.get((fiscal_year - 1, cat, q))
            previous = None
            if prev_counts:
                previous = QuestionResult(fiscal_year - 1, cat, q, dict(prev_counts),
                                          sum(prev_counts.values()), done_codes)
            cur = table.get((fiscal_year, cat, q), {})
            per_q[q] = QuestionResult(fiscal_year, cat, q, dict(cur), sum(cur.values()),
                                      done_codes, previous=previous)
        result[cat] = per_q
    return result
