"""The column layout of the per-institution sheet (import and export), versioned.

The ministry's own Excel layout (機関別データ) is not published in a form we could verify
(DOMAIN.md §3), so the portal defines its own, documented here and in EXCEL_LAYOUT.md. A later
layout gets a new version; the importer recognises each version by its header row.

Layout ``v1`` — one row per institution, first sheet of the workbook, header in row 1:

===========  ===========================================================  ==========
header       content                                                      on import
===========  ===========================================================  ==========
機関コード     institution code (MEXT school code, e.g. F101110100010)        required
機関名        institution name in Japanese                                   required
機関区分       category: its Japanese name (国立大学 …) or its code             required
年度          fiscal year, Western starting year (2024) or 令和6年度             required
Q1 … Q7      answer code 1–5 (DOMAIN.md §3 order)                           required
Q1回答 … Q7回答 the option's label for that year                              ignored
===========  ===========================================================  ==========
"""

from __future__ import annotations

from dataclasses import dataclass

CURRENT_VERSION = "v1"


@dataclass(frozen=True)
class Layout:
    version: str
    code: str = "機関コード"
    name: str = "機関名"
    category: str = "機関区分"
    fiscal_year: str = "年度"
    question_code: str = "Q{n}"
    question_label: str = "Q{n}回答"
    questions: int = 7

    def code_column(self, n: int) -> str:
        return self.question_code.format(n=n)

    def label_column(self, n: int) -> str:
        return self.question_label.format(n=n)

    def headers(self, with_labels: bool = True) -> list[str]:
        cols = [self.code, self.name, self.category, self.fiscal_year]
        for n in range(1, self.questions + 1):
            cols.append(self.code_column(n))
            if with_labels:
                cols.append(self.label_column(n))
        return cols

    def required(self) -> list[str]:
        return self.headers(with_labels=False)


LAYOUTS: dict[str, Layout] = {"v1": Layout(version="v1")}


def current() -> Layout:
    return LAYOUTS[CURRENT_VERSION]


def detect(headers) -> Layout | None:
    """The layout whose required columns are all present in ``headers`` (newest first)."""
    present = {str(h).strip() for h in headers if h is not None}
    for version in sorted(LAYOUTS, reverse=True):
        layout = LAYOUTS[version]
        if set(layout.required()) <= present:
            return layout
    return None
