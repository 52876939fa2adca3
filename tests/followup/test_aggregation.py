"""The arithmetic of the results on a hand-computed example."""

from decimal import Decimal

from followup.aggregation import aggregate, percent

# Category 1 in FY2024, Q1: options 1×3, 2×1, 3×2, 4×1, 5×1 (8 answers).
# Category 1 in FY2023, Q1: options 1×1, 2×1, 5×4 (6 answers).
# Category 2 in FY2024, Q1: option 1×2 (2 answers), nothing in FY2023.
COUNTS = {
    (2024, 1, 1, 1): 3, (2024, 1, 1, 2): 1, (2024, 1, 1, 3): 2, (2024, 1, 1, 4): 1,
    (2024, 1, 1, 5): 1,
    (2023, 1, 1, 1): 1, (2023, 1, 1, 2): 1, (2023, 1, 1, 5): 4,
    (2024, 2, 1, 1): 2,
    (2022, 1, 1, 1): 99,  # two years back: ignored
}


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.7")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 → 6.3, not banker's 6.2
    assert percent(0, 0) == Decimal("0.0")


def test_counts_and_percentages_per_option_in_a_category():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1])[1][1]
    assert res.total == 8
    assert [(c, n, str(p)) for c, n, p in res.percents] == [
        (1, 3, "37.5"), (2, 1, "12.5"), (3, 2, "25.0"), (4, 1, "12.5"), (5, 1, "12.5")]


def test_done_by_year_end_is_options_one_and_two():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1])[1][1]
    assert res.done_count == 4
    assert res.done_percent == Decimal("50.0")
    assert res.implemented_percent == Decimal("37.5")


def test_year_over_year_change_in_points_uses_unrounded_shares():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1])[1][1]
    # 50.000 − 33.333… = 16.666… → 16.7 points
    assert res.previous.total == 6
    assert res.done_change == Decimal("16.7")
    # implemented: 37.5 − 16.666… = 20.833… → 20.8
    assert res.implemented_change == Decimal("20.8")


def test_no_previous_year_means_no_change():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1])[2][1]
    assert res.done_percent == Decimal("100.0")
    assert res.done_change is None


def test_all_categories_together():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1])[None][1]
    assert res.total == 10
    assert res.count(1) == 5
    assert res.percent(1) == Decimal("50.0")
    assert res.done_percent == Decimal("60.0")
    # 60.0 − 33.333… = 26.666… → 26.7
    assert res.done_change == Decimal("26.7")


def test_question_without_answers_is_empty_not_an_error():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1, 2])[1][2]
    assert res.total == 0
    assert res.done_percent == Decimal("0.0")
    assert res.done_change is None


def test_done_codes_come_from_the_question_set():
    res = aggregate(COUNTS, fiscal_year=2024, questions=[1], done_codes=[1])[1][1]
    assert res.done_percent == Decimal("37.5")
