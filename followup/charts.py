"""Server-side SVG charts: one stacked horizontal bar per question with the five options.

The same SVG is inlined in the results page and in the PDF (WeasyPrint renders inline SVG),
so the browser and the report show one picture. As in the ministry's charts, the options done
by the end of the fiscal year (実施している + 今年度実施予定) are shaded in orange and the other
options in blues and grey (「オレンジ網掛部分までが令和N年度中までに実施・整備済部分」); the
done share and the change from the previous year are written at the right.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Orange for the options done by the end of the year (1, 2), blues and grey for the rest.
COLOURS = {1: "#c55a11", 2: "#f4b183", 3: "#9dc3e6", 4: "#deebf7", 5: "#bfbfbf"}
TEXT_ON = {1: "#ffffff", 2: "#1b1b1b", 3: "#1b1b1b", 4: "#1b1b1b", 5: "#1b1b1b"}
DONE_TEXT = "#843c0c"  # dark orange: the done share written at the right of each bar


def done_legend(fiscal_year: int | None) -> str:
    """The ministry's note under its charts, for ``fiscal_year`` (its label if none)."""
    from portal.fiscal import fiscal_year_label

    if fiscal_year is None:
        return _("Shaded in orange: implemented or to be implemented by the end of the year")
    return _("Shaded in orange: implemented or to be implemented by the end of %(year)s") % {
        "year": fiscal_year_label(fiscal_year)}
FONT = "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif"

WIDTH = 760
LEFT = 8
BAR_W = 520
ROW_H = 52
BAR_H = 18


def _fmt_pct(value: Decimal) -> str:
    return f"{value:.1f}%"


def _fmt_change(value: Decimal | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("±" if value == 0 else "")
    return f"{sign}{value:.1f}pt"


def stacked_bars(*, title: str, questions, options, results, chart_id: str = "",
                 legend: bool = True, fiscal_year: int | None = None) -> SafeString:
    """SVG of one category: ``results`` maps question number → aggregation.QuestionResult.

    ``legend=False`` leaves the legend out (the PDF prints it once, not under every chart:
    WeasyPrint lays SVG text out letter by letter, so fewer letters make the report faster).
    """
    done_label = escape(_("Done by year end"))
    change_label = escape(_("vs. previous year"))
    empty_label = escape(_("No answers"))
    legend_done = escape(done_legend(fiscal_year))
    legend_h = 18 * ((len(options) + 1) // 2) + 8 if legend else 0
    top = 26
    height = top + ROW_H * len(questions) + legend_h + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="followup-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="{FONT}" font-size="11"'
        + (f' id="{escape(chart_id)}"' if chart_id else "")
        + f' aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT + BAR_W + 14}" y="16" font-size="10" fill="#444">'
        f"{done_label}</text>",
        f'<text x="{LEFT + BAR_W + 130}" y="16" font-size="10" fill="#444">'
        f"{change_label}</text>",
    ]
    for i, q in enumerate(questions):
        res = results.get(q.number)
        y = top + i * ROW_H
        label = chart_label(q)
        parts.append(f'<text x="{LEFT}" y="{y + 12}" font-size="11">{escape(label)}</text>')
        bar_y = y + 18
        total = res.total if res else 0
        if not total:
            parts.append(f'<rect x="{LEFT}" y="{bar_y}" width="{BAR_W}" height="{BAR_H}" '
                         f'fill="#f2f2f2" stroke="#ccc"/>')
            parts.append(f'<text x="{LEFT + 6}" y="{bar_y + 13}" fill="#666">'
                         f"{empty_label}</text>")
            continue
        x = float(LEFT)
        for opt in options:
            count = res.count(opt.code)
            if not count:
                continue
            w = BAR_W * count / total
            pct = res.percent(opt.code)
            parts.append(
                f'<rect x="{x:.2f}" y="{bar_y}" width="{w:.2f}" height="{BAR_H}" '
                f'fill="{COLOURS.get(opt.code, "#888")}">'
                f"<title>{escape(opt.label)}: {count} ({_fmt_pct(pct)})</title></rect>"
            )
            if w >= 34:
                parts.append(
                    f'<text x="{x + w / 2:.2f}" y="{bar_y + 13}" text-anchor="middle" '
                    f'font-size="10" fill="{TEXT_ON.get(opt.code, "#000")}">{_fmt_pct(pct)}</text>'
                )
            x += w
        done_w = BAR_W * res.done_count / total
        if done_w > 0:
            parts.append(
                f'<rect x="{LEFT}" y="{bar_y}" width="{done_w:.2f}" height="{BAR_H}" '
                f'fill="none" stroke="{DONE_TEXT}" stroke-width="1" class="done-share"/>'
            )
        parts.append(f'<text x="{LEFT + BAR_W + 14}" y="{bar_y + 13}" font-weight="bold" '
                     f'fill="{DONE_TEXT}">{_fmt_pct(res.done_percent)}</text>')
        change = res.done_change
        colour = "#1a7f37" if change and change > 0 else ("#b42318" if change and change < 0
                                                           else "#444")
        parts.append(f'<text x="{LEFT + BAR_W + 130}" y="{bar_y + 13}" fill="{colour}">'
                     f'{escape(_fmt_change(change))}</text>')
    if not legend:
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
    ly = top + ROW_H * len(questions) + 6
    for j, opt in enumerate(options):
        lx = LEFT + (j % 2) * (WIDTH // 2)
        yy = ly + (j // 2) * 18
        parts.append(f'<rect x="{lx}" y="{yy}" width="12" height="12" '
                     f'fill="{COLOURS.get(opt.code, "#888")}"/>')
        parts.append(f'<text x="{lx + 18}" y="{yy + 10}" font-size="10">'
                     f'{opt.code}. {escape(opt.label)}</text>')
    j = len(options)
    lx = LEFT + (j % 2) * (WIDTH // 2)
    yy = ly + (j // 2) * 18
    parts.append(f'<rect x="{lx}" y="{yy}" width="12" height="12" fill="{COLOURS[1]}" '
                 f'stroke="{DONE_TEXT}"/>')
    parts.append(f'<text x="{lx + 18}" y="{yy + 10}" font-size="10">'
                 f"{legend_done}</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def chart_label(question) -> str:
    """"Q1. 関係者に適切な理解を促す取組を実施しているか。" — as the ministry labels its charts."""
    return f"Q{question.number}. {question.short_label}"


def category_charts(results, *, legend: bool = True) -> list[tuple[object, SafeString]]:
    """(CategoryResults, svg) for each category of a :class:`selectors.Results`."""
    out = []
    for i, cat in enumerate(results.categories):
        svg = stacked_bars(title=f"{results.cycle.label} {cat.label} (n={cat.respondents})",
                           questions=results.questions, options=results.options,
                           results=cat.results, chart_id=f"chart-{i}", legend=legend,
                           fiscal_year=results.fiscal_year)
        out.append((cat, svg))
    return out
