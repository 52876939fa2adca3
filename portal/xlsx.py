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
* Rows are streamed (openpyxl write-only workbook, each row written as one element without a
  cell object per value, see :func:`_sheet_class`): memory stays flat whatever the row count.

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
TIME_FORMAT = "hh:mm"
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
        self._ids: dict[tuple, int | None] = {}

    def _create(self, title: str):
        title = _NOT_IN_SHEET_NAMES.sub("", str(title))[:31] or None
        sheet = _sheet_class()(parent=self._book, title=title)
        self._book._add_sheet(sheet)  # what create_sheet does, with our sheet class
        sheet._styles_of = self._style_ids
        return sheet

    def _style_ids(self, sheet, style: int, value) -> int | None:
        """The workbook's style index of a cell of ``style`` holding ``value`` (a date or
        datetime brings its number format), registered once per combination."""
        fmt = (DATETIME_FORMAT if isinstance(value, dt.datetime)
               else DATE_FORMAT if isinstance(value, dt.date)
               else TIME_FORMAT if isinstance(value, dt.time) else None)
        key = (style, fmt)
        if key not in self._ids:
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(sheet)
            if fmt:
                cell.number_format = fmt
            if style == BOLD:
                cell.font = self._bold
            elif style == RED:
                cell.fill = self._red
            self._ids[key] = cell.style_id if (fmt or style != PLAIN) else None
        return self._ids[key]

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
            sheet.append_values(p, PLAIN, BOLD if p else PLAIN)
        sheet.append_values(headers, BOLD)
        count = 0
        for row in _chain(sample, rows):
            if row_styles:
                values, style, *first = row
                sheet.append_values(values, style, first[0] if first else PLAIN)
            else:
                sheet.append_values(row)
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
                sheet.append_values(values, style, first[0] if first else PLAIN)
            else:
                sheet.append_values(row)
        return sheet

    def new_sheet(self, title):
        """An empty sheet to fill with :meth:`append` (rows known one at a time)."""
        return self._create(title)

    def append(self, sheet, values, style=PLAIN, first_style=PLAIN) -> None:
        sheet.append_values(values, style, first_style)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


_SHEET_CLASS = None


def _sheet_class():
    """openpyxl's streamed sheet whose rows are written without a cell object per value.

    openpyxl turns every appended value into a ``WriteOnlyCell`` (type inference, checks, a
    coordinate) and writes it with an element per cell: ≈ 10 µs a cell, most of an export of
    hundreds of thousands. Here the values are typed once by :func:`cell_value` (the formula
    guard included) and each row is one lxml element written into openpyxl's own stream;
    styles are openpyxl's (registered once per combination, :meth:`Workbook._style_ids`), the
    sheet keeps everything else of openpyxl (widths, frozen panes, filters, charts).
    """
    global _SHEET_CLASS
    if _SHEET_CLASS is not None:
        return _SHEET_CLASS
    from lxml.etree import Element, SubElement
    from openpyxl.utils.datetime import to_excel
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    space = "{http://www.w3.org/XML/1998/namespace}space"

    class StreamedSheet(WriteOnlyWorksheet):
        _styles_of = None

        def append_values(self, values, style=PLAIN, first_style=PLAIN) -> None:
            self._get_writer()
            if self._rows is None:
                self._rows = self._write_values()
                next(self._rows)
            self._rows.send((values, style, first_style))

        def append(self, row):  # openpyxl's own API, for callers holding the sheet
            self.append_values(row)

        def _write_values(self):
            xf = self._writer.xf.send(True)
            letters = []
            epoch = self.parent.epoch
            styles_of = self._styles_of
            with xf.element("sheetData"):
                number = 1
                try:
                    while True:
                        values, style, first_style = (yield)
                        row = Element("row", r=str(number))
                        suffix = str(number)
                        for col, raw in enumerate(values):
                            value = cell_value(raw)
                            if value == "":
                                value = None  # an empty cell, as openpyxl writes it
                            cell_style = first_style if col == 0 and first_style else style
                            if value is None and cell_style == PLAIN:
                                continue
                            while len(letters) <= col:
                                letters.append(_column_letter(len(letters) + 1))
                            c = SubElement(row, "c", r=letters[col] + suffix)
                            if isinstance(value, dt.date | dt.time) or cell_style != PLAIN:
                                sid = styles_of(self, cell_style, value)
                                if sid is not None:
                                    c.set("s", str(sid))
                            if value is None:
                                continue
                            if isinstance(value, str):
                                c.set("t", "inlineStr")
                                t = SubElement(SubElement(c, "is"), "t")
                                value = value[:32767]
                                t.text = value
                                if value != value.strip():
                                    t.set(space, "preserve")
                            elif isinstance(value, bool):
                                c.set("t", "b")
                                SubElement(c, "v").text = "1" if value else "0"
                            elif isinstance(value, dt.date | dt.time):
                                c.set("t", "n")
                                SubElement(c, "v").text = repr(to_excel(value, epoch))
                            else:
                                c.set("t", "n")
                                SubElement(c, "v").text = (repr(value) if isinstance(value, float)
                                                           else str(value))
                        xf.write(row)
                        number += 1
                except GeneratorExit:
                    pass
            self._writer.xf.send(None)

    _SHEET_CLASS = StreamedSheet
    return StreamedSheet


def _chain(first, rest):
    yield from first
    yield from rest


def rows_to_xlsx(sheet_title: str, headers: list, rows: Iterable[Iterable]) -> bytes:
    """One list sheet as an xlsx file."""
    book = Workbook()
    book.list_sheet(sheet_title, headers, rows)
    return book.save()
