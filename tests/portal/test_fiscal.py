import datetime as dt

import pytest
from django.utils import translation

from portal.fiscal import fiscal_year_bounds, fiscal_year_label, fiscal_year_of, reiwa_label


@pytest.mark.parametrize("year,label", [(2019, "令和元年度"), (2020, "令和2年度"), (2024, "令和6年度")])
def test_reiwa_labels(year, label):
    assert reiwa_label(year) == label


def test_years_before_reiwa_are_refused():
    with pytest.raises(ValueError):
        reiwa_label(2018)


@pytest.mark.parametrize("day,year", [
    (dt.date(2024, 3, 31), 2023), (dt.date(2024, 4, 1), 2024), (dt.date(2025, 3, 31), 2024),
    (dt.date(2025, 1, 15), 2024), (dt.date(2019, 4, 1), 2019),
])
def test_fiscal_year_starts_on_the_first_of_april(day, year):
    assert fiscal_year_of(day) == year


def test_aware_datetimes_use_japan_time(settings):
    # 2024-03-31 15:30 UTC is 2024-04-01 00:30 in Tokyo: already FY2024
    moment = dt.datetime(2024, 3, 31, 15, 30, tzinfo=dt.UTC)
    assert fiscal_year_of(moment) == 2024


def test_bounds_and_language_dependent_label():
    assert fiscal_year_bounds(2024) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    with translation.override("ja"):
        assert fiscal_year_label(2024) == "令和6年度"
    with translation.override("en"):
        assert "2024" in fiscal_year_label(2024) and "6" in fiscal_year_label(2024)
