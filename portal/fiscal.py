"""Japanese fiscal years (年度): 1 April – 31 March, stored as the Western starting year."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

REIWA_OFFSET = 2018  # 令和N年度 = FY(2018 + N); FY2019 = 令和元年度


def fiscal_year_of(day: dt.date | dt.datetime | None = None) -> int:
    if day is None:
        day = timezone.localdate()
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def reiwa_number(year: int) -> int:
    return year - REIWA_OFFSET


def reiwa_label(year: int) -> str:
    """令和6年度 for 2024; 令和元年度 for 2019. Raises for years before Reiwa."""
    n = reiwa_number(year)
    if n < 1:
        raise ValueError(f"Fiscal year {year} is before the Reiwa era")
    return "令和元年度" if n == 1 else f"令和{n}年度"


def fiscal_year_label(year: int) -> str:
    """The label shown to a person: 令和6年度 in Japanese, "FY2024 (Reiwa 6)" in English."""
    if (get_language() or "ja").startswith("en"):
        return _("FY%(year)s (Reiwa %(n)s)") % {"year": year, "n": reiwa_number(year)}
    return reiwa_label(year)
