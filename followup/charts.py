"""Server-side SVG charts: one stacked horizontal bar per question with the five options.

The same SVG is inlined in the results page and in the PDF (WeasyPrint renders inline SVG),
so the browser and the report show one picture. The "done by the end of the year" share
(options 1+2) is marked with a bracket over the bar, the change from the previous year is
written at the right.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

COLOURS = {1: "#1f4e79", 2: "#4f8ac9", 3: "#a9c7e8", 4: "#f4b183", 5: "#c9c9c9"}
TEXT_ON = {1: "#ffffff", 2: "#ffffff", 3: "#1b1b1b", 4: "#1b1b1b", 5: "#1b1b1b"}
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
                 legend: bool = True) -> SafeString:
    """SVG of one category: ``results`` maps question number → aggregation.QuestionResult.

    ``legend=False`` leaves the legend out (the PDF prints it once, not under every chart:
    WeasyPrint lays SVG text out letter by letter, so fewer letters make the report faster).
    """
    done_label = escape(_("Done by year end"))
    change_label = escape(_("vs. previous year"))
    empty_label = escape(_("No answers"))
    legend_done = escape(_("Done by year end (options 1 + 2)"))
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
        label = f"Q{q.number} {q.short_label}"
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
            bx = LEFT + done_w
            parts.append(
                f'<path d="M{LEFT} {bar_y - 3} H{bx:.2f} V{bar_y + BAR_H + 3}" fill="none" '
                f'stroke="#c00000" stroke-width="1.5" stroke-dasharray="4 2" class="done-mark"/>'
            )
        parts.append(f'<text x="{LEFT + BAR_W + 14}" y="{bar_y + 13}" font-weight="bold" '
                     f'fill="#c00000">{_fmt_pct(res.done_percent)}</text>')
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
    parts.append(f'<path d="M{lx} {yy + 6} H{lx + 12}" stroke="#c00000" stroke-width="1.5" '
                 f'stroke-dasharray="4 2"/>')
    parts.append(f'<text x="{lx + 18}" y="{yy + 10}" font-size="10">'
                 f"{legend_done}</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def category_charts(results, *, legend: bool = True) -> list[tuple[object, SafeString]]:
    """(CategoryResults, svg) for each category of a :class:`selectors.Results`."""
    out = []
    for i, cat in enumerate(results.categories):
        svg = stacked_bars(title=f"{results.cycle.label} {cat.label} (n={cat.respondents})",
                           questions=results.questions, options=results.options,
                           results=cat.results, chart_id=f"chart-{i}", legend=legend)
        out.append((cat, svg))
    return out
