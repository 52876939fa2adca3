"""The server-side SVG chart shared by the results page and the PDF."""

import re

from followup import charts
from followup.aggregation import aggregate


class Quest:
    def __init__(self, number, label):
        self.number, self.short_label = number, label


class Opt:
    def __init__(self, code, label):
        self.code, self.label = code, label


OPTIONS = [Opt(1, "実施している"), Opt(2, "検討している（令和6年度実施予定）"), Opt(3, "c"), Opt(4, "d"),
           Opt(5, "検討していない")]


def _fill(svg, label):
    return re.search(r'fill="(#[0-9a-f]{6})"><title>' + re.escape(label), svg).group(1)


def test_bars_mark_the_done_share_and_show_percentages_and_change():
    counts = {(2024, 1, 1, 1): 2, (2024, 1, 1, 2): 1, (2024, 1, 1, 5): 1,
              (2023, 1, 1, 5): 4}
    results = aggregate(counts, fiscal_year=2024, questions=[1])[1]
    svg = str(charts.stacked_bars(title="国立大学 <n=4>", questions=[Quest(1, "理解を促す取組")],
                                  options=OPTIONS, results=results))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "国立大学 &lt;n=4&gt;" in svg  # escaped
    assert "50.0%" in svg and "25.0%" in svg and "75.0%" in svg
    assert "+75.0pt" in svg
    # the done share (options 1 + 2) is outlined over 75% of the bar
    mark = re.search(r'width="([\d.]+)" height="\d+" fill="none"[^>]*class="done-share"', svg)
    assert float(mark.group(1)) == charts.BAR_W * 0.75
    assert "検討している（令和6年度実施予定）" in svg  # legend
    assert "Q1. 理解を促す取組" in svg  # the ministry's "Q1. " label


def test_the_options_done_by_year_end_are_orange_as_in_the_ministrys_charts():
    """The ministry shades in orange what is done by the end of the year (options 1 + 2)."""
    counts = {(2024, 1, 1, c): 1 for c in range(1, 6)}
    results = aggregate(counts, fiscal_year=2024, questions=[1])[1]
    svg = str(charts.stacked_bars(title="t", questions=[Quest(1, "x")], options=OPTIONS,
                                  results=results, fiscal_year=2024))

    def is_orange(hex_colour):
        r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return r > 180 and r > g > b + 40

    assert is_orange(_fill(svg, "実施している"))
    assert is_orange(_fill(svg, "検討している（令和6年度実施予定）"))
    for label in ("c:", "d:", "検討していない"):
        assert not is_orange(_fill(svg, label))
    assert "dasharray" not in svg  # no red dashed bracket any more


def test_question_without_answers_is_drawn_empty_and_legend_can_be_left_out():
    results = aggregate({}, fiscal_year=2024, questions=[1])[None]
    svg = str(charts.stacked_bars(title="t", questions=[Quest(1, "x")], options=OPTIONS,
                                  results=results, legend=False))
    assert "done-share" not in svg and "実施している" not in svg
