"""The one xlsx writer: every Excel export of the portal writes its cells through it.

* **Formula injection guard** built in: a text beginning with ``= + - @`` (or a tab/CR) is
  written as text with a leading apostrophe (OWASP "CSV injection"), so a family name
  ``=HYPERLINK(...)`` from the roster is never a live formula; characters XML cannot hold are
  dropped.
* **Typed cells**: numbers (``int``, ``float``, ``Decimal``) are numbers, dates are dates,
  datetimes are converted to the portal's time zone (``TIME_ZONE``, Asia/Tokyo) and written as
  Excel datetimes, booleans stay booleans; a number written as text is a bug of the caller.
  :func:`number` turns the numeric strings a disclosure stores (``"1200000"``, ``"12.5"``) into
  numbers.
* **List sheets** (:meth:`Workbook.list_sheet`): a bold header row, frozen below it, an
  auto-filter over the header and the rows, column widths from the header and the first rows.
* Rows are streamed (openpyxl write-only workbook): memory stays flat whatever the row count.

:class:`portal.exports.ListExporter` / :class:`portal.exports.MultiSheetListExporter` use it;
exports with a layout of their own (the follow-up survey workbook, the risk register's heat
map) use :meth:`Workbook.sheet` with styled rows.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.utils import timezone
from django.utils.functional import Promise

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_IN_SHEET_NAMES = re.compile(r"[\x00-\x1f\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE

PLAIN, BOLD, RED = 0, 1, 2  # cell styles of styled rows
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
WIDTH_SAMPLE_ROWS = 100
MIN_WIDTH, MAX_WIDTH = 6, 60


def guard_text(value: str) -> str:
    """A text made safe for a cell: no formula, no character XML cannot hold."""
    value = _ILLEGAL.sub("", value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def unguard_text(value):
    """Undo :func:`guard_text` when reading our own export back in (round trip)."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_START:
        return value[1:]
    return value


def cell_value(value):
    """The typed value a cell holds for ``value`` (see the module docstring)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        value = str(value)
    return guard_text(value)


def number(value):
    """A number from a stored numeric string (``"1,200,000"``, ``"12.5"``), else the value as
    it is (an empty string becomes None). Used where a form stored amounts as text."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            return value
        if not parsed.is_finite():
            return value
        return int(parsed) if parsed == parsed.to_integral_value() else parsed
    return value


def date(value):
    """A date from a stored ISO string (``"2024-04-01"``), else the value as it is (an empty
    string becomes None)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    longest = max((len(line) + sum(unicodedata.east_asian_width(c) in "WF" for c in line)
                   for line in text.splitlines() or [""]), default=0)
    return longest


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


class Workbook:
    """A streamed xlsx workbook; ``save()`` returns the file's bytes."""

    def __init__(self):
        from openpyxl import Workbook as OpenpyxlWorkbook
        from openpyxl.styles import Font, PatternFill

        self._book = OpenpyxlWorkbook(write_only=True)
        self._bold = Font(bold=True)
        self._red = PatternFill("solid", fgColor="FFF8D7DA")

    # --- cells ------------------------------------------------------------------------------

    def _cell(self, sheet, value, style=PLAIN):
        """A plain value (openpyxl's fast path) or a styled/format-carrying WriteOnlyCell."""
        value = cell_value(value)
        is_datetime = isinstance(value, dt.datetime)
        if style == PLAIN and not is_datetime:
            return value  # dates get openpyxl's yyyy-mm-dd by themselves
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        if is_datetime:
            cell.number_format = DATETIME_FORMAT
        if style == BOLD:
            cell.font = self._bold
        elif style == RED:
            cell.fill = self._red
        return cell

    def _row(self, sheet, values, style=PLAIN, first_style=PLAIN) -> list:
        row = [self._cell(sheet, v, style) for v in values]
        if first_style != PLAIN and style == PLAIN and row:
            row[0] = self._cell(sheet, values[0], first_style)
        return row

    def _create(self, title: str):
        title = _NOT_IN_SHEET_NAMES.sub("", str(title))[:31] or None
        return self._book.create_sheet(title=title)

    # --- sheets -----------------------------------------------------------------------------

    def list_sheet(self, title, headers: Iterable, rows: Iterable[Iterable], *,
                   preamble: Iterable[Iterable] = (), widths: dict[int, float] | None = None,
                   row_styles: bool = False) -> None:
        """A list: optional preamble rows, a bold header row frozen with an auto-filter over it
        and the rows; widths from the header and the first rows unless given (0-based index).

        With ``row_styles`` each row is ``(values, style)`` or ``(values, style, first_style)``.
        """
        sheet = self._create(title)
        headers = [str(h) for h in headers]
        preamble = [list(p) for p in preamble]
        rows = iter(rows)
        sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
        measured = [display_width(h) for h in headers]
        for row in sample:
            values = row[0] if row_styles else row
            for i, v in enumerate(values):
                w = display_width(cell_value(v))
                if i < len(measured):
                    measured[i] = max(measured[i], w)
                else:
                    measured.append(w)
        for i, w in enumerate(measured):
            width = (widths or {}).get(i, min(MAX_WIDTH, max(MIN_WIDTH, w + 2)))
            sheet.column_dimensions[_column_letter(i + 1)].width = width
        header_row = len(preamble) + 1
        sheet.freeze_panes = f"A{header_row + 1}"
        for p in preamble:
            sheet.append(self._row(sheet, p, PLAIN, BOLD if p else PLAIN))
        sheet.append(self._row(sheet, headers, BOLD))
        count = 0
        for row in _chain(sample, rows):
            if row_styles:
                values, style, *first = row
                sheet.append(self._row(sheet, list(values), style, first[0] if first else PLAIN))
            else:
                sheet.append(self._row(sheet, list(row)))
            count += 1
        if headers:
            last = f"{_column_letter(len(headers))}{header_row + count}"
            sheet.auto_filter.ref = f"A{header_row}:{last}"

    def sheet(self, title, rows: Iterable, *, styled: bool = False, widths=None,
              freeze: str | None = None):
        """A sheet of a layout of its own: rows of values, or with ``styled`` rows of
        ``(values, style)`` / ``(values, style, first_style)``. Returns the openpyxl sheet (to
        add a chart to it)."""
        sheet = self._create(title)
        for i, width in (widths or {}).items():
            sheet.column_dimensions[_column_letter(i + 1)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        for row in rows:
            if styled:
                values, style, *first = row
                sheet.append(self._row(sheet, list(values), style, first[0] if first else PLAIN))
            else:
                sheet.append(self._row(sheet, list(row)))
        return sheet

    def new_sheet(self, title):
        """An empty sheet to fill with :meth:`append` (rows known one at a time)."""
        return self._create(title)

    def append(self, sheet, values, style=PLAIN, first_style=PLAIN) -> None:
        sheet.append(self._row(sheet, list(values), style, first_style))

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def _chain(first, rest):
    yield from first
    yield from rest


def rows_to_xlsx(sheet_title: str, headers: list, rows: Iterable[Iterable]) -> bytes:
    """One list sheet as an xlsx file."""
    book = Workbook()
    book.list_sheet(sheet_title, headers, rows)
    return book.save()
