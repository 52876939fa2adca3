"""Building the Excel workbook and the PDF report of one fiscal year's results.

Used by the background exporters (followup/exports.py) and by ``manage.py followup_export``.
Both read through selectors that aggregate in the database; the workbook is written with
openpyxl's write-only mode so memory stays flat with thousands of institutions.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import xlsx
from portal.fiscal import reiwa_label
from portal.models import Institution

from . import charts, layout, selectors
from .evidence import suggestions_for
from .models import SURVEY_NAME_JA, SurveyCycle

Progress = Callable[[int, str], None]


def _noop(_p: int, _m: str = "") -> None:
    return None


def _options_by_code(cycle: SurveyCycle) -> dict[int, str]:
    return {o.code: o.label_ja for o in selectors.options_of(cycle)}


def build_xlsx(*, cycle: SurveyCycle, progress: Progress = _noop) -> bytes:
    from openpyxl.chart import BarChart, Reference

    lay = layout.current()
    labels = _options_by_code(cycle)
    # The layout is the ministry's (EXCEL_LAYOUT.md); only the cells go through the writer
    # (formula guard, typed values).
    wb = xlsx.Workbook()

    def header(ws, values):
        wb.append(ws, [str(v) for v in values], xlsx.BOLD)

    # 1. One row per institution, in the import layout (first sheet, so it imports back).
    ws = wb.new_sheet("機関別データ")
    header(ws, lay.headers())
    total = max(selectors.institution_count(fiscal_year=cycle.fiscal_year), 1)
    for i, (code, name, category, year, answers) in enumerate(
            selectors.institution_rows(fiscal_year=cycle.fiscal_year)):
        # 年度 as the ministry writes it (令和6年度); the import reads it back (parse_fiscal_year).
        row = [code, name, category, reiwa_label(year)]
        for n in range(1, lay.questions + 1):
            opt = answers.get(n)
            row += [opt, labels.get(opt, "") if opt else ""]
        wb.append(ws, row)
        if i % 500 == 0:
            progress(5 + int(45 * i / total), _("Writing institutions"))
    progress(50, _("Aggregating"))

    # 2. Aggregates per category × question × option.
    results = selectors.results_for(cycle=cycle)
    ws = wb.new_sheet("集計")
    header(ws, ["年度", "機関区分", "設問", "設問（略称）", "選択肢コード", "選択肢", "件数",
                "割合(%)", "回答機関数", "年度末までに実施(%)", "前年度比(pt)"])
    for cat in results.categories:
        cat_label = cat.name_ja
        for q in results.questions:
            res = cat.results[q.number]
            change = res.done_change
            for opt in results.options:
                wb.append(ws, [
                    reiwa_label(cycle.fiscal_year), cat_label, f"Q{q.number}", q.short_label_ja,
                    opt.code, opt.label_ja, res.count(opt.code), float(res.percent(opt.code)),
                    res.total, float(res.done_percent),
                    float(change) if change is not None else None,
                ])
    progress(70, _("Drawing charts"))

    # 3. A sheet per question: percentages per category with a native stacked bar chart.
    for q in results.questions:
        ws = wb.new_sheet(f"Q{q.number}")
        wb.append(ws, [f"Q{q.number} {q.text_ja}"])
        header(ws, ["機関区分"] + [o.label_ja for o in results.options]
               + ["年度末までに実施(%)", "前年度比(pt)", "回答機関数"])
        for cat in results.categories:
            res = cat.results[q.number]
            change = res.done_change
            wb.append(ws, [cat.name_ja]
                      + [float(res.percent(o.code)) for o in results.options]
                      + [float(res.done_percent), float(change) if change is not None else None,
                         res.total])
        n_rows = len(results.categories)
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "percentStacked"
        chart.overlap = 100
        chart.title = f"Q{q.number}. {q.short_label_ja}"
        chart.y_axis.title = "%"
        data = Reference(ws, min_col=2, max_col=1 + len(results.options), min_row=2,
                         max_row=2 + n_rows)
        cats = Reference(ws, min_col=1, min_row=3, max_row=2 + n_rows)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        for series, opt in zip(chart.series, results.options, strict=False):
            # the ministry's colours: the options done by the end of the year in orange
            series.graphicalProperties.solidFill = charts.COLOURS.get(opt.code, "#888888")[1:]
        chart.height = 3 + 1.2 * n_rows
        chart.width = 24
        ws.add_chart(chart, f"A{n_rows + 5}")

    # 4. What the columns mean (the layout is versioned).
    ws = wb.new_sheet("説明")
    wb.append(ws, ["layout", lay.version])
    wb.append(ws, ["年度", reiwa_label(cycle.fiscal_year), cycle.fiscal_year])
    wb.append(ws, ["調査名", f"{reiwa_label(cycle.fiscal_year)} {SURVEY_NAME_JA}"])
    wb.append(ws, ["作成日時", timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    for opt in results.options:
        wb.append(ws, ["選択肢", opt.code, opt.label_ja,
                       "年度末までに実施" if opt.done_by_year_end else ""])
    for q in results.questions:
        wb.append(ws, [f"Q{q.number}", q.text_ja, q.short_label_ja])
    data = wb.save()
    progress(95, _("Saving"))
    return data


def report_context(*, cycle: SurveyCycle) -> dict:
    results = selectors.results_for(cycle=cycle)
    home = Institution.home()
    response = selectors.home_response(cycle=cycle)
    answers = []
    if response is not None:
        suggestions = suggestions_for(fiscal_year=cycle.fiscal_year)
        for a in response.answers.all():
            answers.append({"answer": a, "suggestions": suggestions.get(a.question.number, []),
                            "warning": answer_needs_warning(a)})
    return {
        "cycle": cycle,
        "reiwa": reiwa_label(cycle.fiscal_year),
        "survey_name": SURVEY_NAME_JA,
        "results": results,
        "charts": charts.category_charts(results, legend=False),
        "colours": charts.COLOURS,
        "home": home,
        "response": response,
        "home_answers": answers,
        "generated_at": timezone.localtime(),
    }


def answer_needs_warning(answer) -> bool:
    """実施している (implemented) without any evidence written or attached."""
    implemented = answer.option_id is not None and answer.option.is_implemented
    has_docs = bool(answer.documents.all())
    return implemented and not answer.evidence.strip() and not has_docs


def build_pdf(*, cycle: SurveyCycle, progress: Progress = _noop) -> bytes:
    from weasyprint import HTML

    progress(10, _("Aggregating"))
    html = render_to_string("followup/pdf/report.html", report_context(cycle=cycle))
    progress(40, _("Rendering the PDF"))
    return HTML(string=html).write_pdf()
