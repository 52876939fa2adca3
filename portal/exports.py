"""Exporter base classes and registry (pretix ``BaseExporter``).

An exporter has an ``identifier``, a ``verbose_name``, a ``permission`` code and
``render(params, *, user, progress) -> (filename, mimetype, bytes)``. A :class:`ListExporter`
yields a header row and rows and gets xlsx and csv for free; a :class:`MultiSheetListExporter`
yields several sheets. Every xlsx is written by :mod:`portal.xlsx` (the one writer: formula
guard, typed cells, Tokyo time, frozen header, filters, widths). Exports run
in the outbox job ``portal.build_file`` (:mod:`portal.jobs`) which checks
``available_for(owner)`` again before rendering.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone

from portal import xlsx
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


def safe_cell(value):
    """Guard a text cell against formula injection (OWASP CSV injection); see portal.xlsx."""
    return xlsx.guard_text(value) if isinstance(value, str) else value


unguard_cell = xlsx.unguard_text


def csv_value(value):
    """A cell of a CSV export: typed values written the way the xlsx writer shows them (dates
    ISO, datetimes in the portal's time zone to the minute), texts guarded."""
    value = xlsx.cell_value(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
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


class MultiSheetListExporter(BaseExporter):
    """Several list sheets in one workbook (pretix ``MultiSheetListExporter``).

    ``sheets`` lists ``(name, verbose title)``; each sheet is ``iterate_<name>(params, *, user,
    progress)`` yielding the header row first, then the rows. The xlsx has one list sheet each
    (:meth:`portal.xlsx.Workbook.list_sheet`: typed cells, formula guard, frozen header,
    auto-filter, widths); csv writes the sheet named by ``params["sheet"]`` (the first one by
    default). ``preamble_<name>`` may return rows written above a sheet's header.
    """

    formats = ("xlsx", "csv")
    sheets: tuple[tuple[str, str], ...] = ()
    filename_stem = "export"

    def iterate_sheet(self, name: str, params: dict, *, user, progress: Progress) -> Iterator:
        return getattr(self, f"iterate_{name}")(params, user=user, progress=progress)

    def preamble(self, name: str, params: dict, *, user) -> list:
        method = getattr(self, f"preamble_{name}", None)
        return list(method(params, user=user)) if method else []

    def filename(self, params: dict) -> str:
        return f"{self.filename_stem}-{self.timestamp()}"

    def render(self, params, *, user, progress):
        fmt = params.get("format", "xlsx")
        if fmt not in self.formats:
            raise ValueError(f"Unknown format {fmt}")
        stem = self.filename(params)
        if fmt == "csv":
            names = [name for name, _title in self.sheets]
            name = params.get("sheet") if params.get("sheet") in names else names[0]
            rows = iter(self.iterate_sheet(name, params, user=user, progress=progress))
            return f"{stem}.csv", CSV, rows_to_csv(next(rows, []), rows)
        book = xlsx.Workbook()
        for name, title in self.sheets:
            rows = iter(self.iterate_sheet(name, params, user=user, progress=progress))
            book.list_sheet(title, next(rows, []), rows,
                            preamble=self.preamble(name, params, user=user))
        return f"{stem}.xlsx", XLSX, book.save()


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
    writer.writerow([csv_value(str(h)) for h in headers])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    # UTF-8 with BOM so that Excel in Japanese locales opens it correctly.
    return buf.getvalue().encode("utf-8-sig")


def rows_to_xlsx(sheet_title: str, headers: list[str], rows: Iterable[Iterable]) -> bytes:
    return xlsx.rows_to_xlsx(sheet_title, headers, rows)
