"""Exporter base classes and registry (pretix ``BaseExporter``).

An exporter has an ``identifier``, a ``verbose_name``, a ``permission`` code and
``render(params, *, user, progress) -> (filename, mimetype, bytes)``. A :class:`ListExporter`
yields a header row and rows and gets xlsx (openpyxl write-only) and csv for free. Exports run
in the outbox job ``portal.build_file`` (:mod:`portal.jobs`) which checks
``available_for(owner)`` again before rendering.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone

from portal.permissions import has_perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
PDF = "application/pdf"

_EXPORTERS: dict[str, type[BaseExporter]] = {}

Progress = Callable[[int, str], None]


def register(cls):
    if cls.identifier in _EXPORTERS and _EXPORTERS[cls.identifier] is not cls:
        raise ValueError(f"Exporter {cls.identifier} registered twice")
    _EXPORTERS[cls.identifier] = cls
    return cls


def get_exporter(identifier: str) -> BaseExporter:
    try:
        return _EXPORTERS[identifier]()
    except KeyError:
        raise LookupError(identifier) from None


def exporters_for(user) -> list[BaseExporter]:
    return [cls() for cls in _EXPORTERS.values() if cls().available_for(user)]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Guard a spreadsheet cell against formula injection (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def unguard_cell(value):
    """Undo :func:`safe_cell` when reading our own export back in (round trip)."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


class BaseExporter:
    identifier: str = ""
    verbose_name = ""
    permission: str = ""

    def available_for(self, user) -> bool:
        return bool(self.permission) and has_perm(user, self.permission)

    def render(self, params: dict, *, user, progress: Progress) -> tuple[str, str, bytes]:
        raise NotImplementedError

    def timestamp(self) -> str:
        return timezone.localtime().strftime("%Y%m%d-%H%M")


class ListExporter(BaseExporter):
    """Rows to xlsx or csv; subclasses implement ``headers`` and ``rows``."""

    formats = ("xlsx", "csv")
    sheet_title = "data"
    filename_stem = "export"

    def headers(self, params: dict) -> list[str]:
        raise NotImplementedError

    def rows(self, params: dict, *, user, progress: Progress) -> Iterator[Iterable]:
        raise NotImplementedError

    def render(self, params, *, user, progress):
        fmt = params.get("format", "xlsx")
        if fmt not in self.formats:
            raise ValueError(f"Unknown format {fmt}")
        headers = [str(h) for h in self.headers(params)]
        rows = self.rows(params, user=user, progress=progress)
        stem = f"{self.filename_stem}-{self.timestamp()}"
        if fmt == "csv":
            return f"{stem}.csv", CSV, rows_to_csv(headers, rows)
        return f"{stem}.xlsx", XLSX, rows_to_xlsx(self.sheet_title, headers, rows)


def rows_to_csv(headers: list[str], rows: Iterable[Iterable]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell("" if v is None else v) for v in row])
    # UTF-8 with BOM so that Excel in Japanese locales opens it correctly.
    return buf.getvalue().encode("utf-8-sig")


def rows_to_xlsx(sheet_title: str, headers: list[str], rows: Iterable[Iterable]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=safe_cell(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
