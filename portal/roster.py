"""Roster import: administrators load departments and people from CSV/TSV/XLSX files.

It is one kind of the import pipeline (:mod:`portal.imports`): the files are uploaded and stored
privately, checked in a dry run (in the request for a small upload, in the background with a
progress page for a large one), then confirmed and imported in one transaction: when any row of
any file is wrong, nothing is imported. Files are read by :mod:`portal.tabular` (encodings,
limits, line numbers).

Departments are imported before people so that people may reference departments of the same
upload. Every row is saved through the core services, so every change is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import tablib
from django.db import DatabaseError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import imports, tabular
from portal.audit import audit_log, register_renderer
from portal.errors import ApplicationError
from portal.models import User
from portal.permissions import require
from portal.resources import (
    DEPARTMENT_COLUMNS,
    LINE,
    PERSON_COLUMNS,
    DepartmentResource,
    PersonResource,
    role_label,
)

logger = logging.getLogger(__name__)

KINDS = ("departments", "people")
REQUIRED = {"departments": ["code"], "people": ["email"]}
COLUMNS = {"departments": DEPARTMENT_COLUMNS, "people": PERSON_COLUMNS}
MAX_ROWS = tabular.MAX_ROWS


register_renderer(
    "portal.roster.imported",
    gettext_lazy("Roster imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged"),
)


class RosterError(ApplicationError):
    """A file that cannot be read as a roster (shown with the report)."""


# --- Reading files ---------------------------------------------------------------------------


def read_table(kind: str, data: bytes, *, name: str = "") -> tablib.Dataset:
    """The file as a dataset of stripped strings with a ``_line`` column; RosterError if the
    header is missing a required column or has an unknown one."""
    table = tabular.read_table(data, name=name, max_rows=MAX_ROWS,
                               normalise=lambda h: h.strip().lower())
    headers = table.header
    allowed = COLUMNS[kind]
    if "" in headers:
        raise RosterError(_("Column %(n)s of the header has no name.") % {"n": headers.index("") + 1})
    unknown = [h for h in headers if h not in allowed]
    if unknown or not headers:
        raise RosterError(
            _("Unknown column(s): %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(unknown) or "—", "columns": ", ".join(allowed)}
        )
    if len(set(headers)) != len(headers):
        raise RosterError(_("A column appears twice in the header."))
    missing = [c for c in REQUIRED[kind] if c not in headers]
    if missing:
        raise RosterError(_("Missing column(s): %(missing)s.") % {"missing": ", ".join(missing)})
    dataset = tablib.Dataset(headers=[*headers, LINE])
    width = len(headers)
    for row in table.rows:
        cells = [tabular.cell_text(c) for c in row.cells]
        if any(cells[width:]):
            raise RosterError(_("Line %(line)s has more cells than the header.") % {"line": row.line})
        dataset.append([*(cells + [""] * width)[:width], str(row.line)])
    if not len(dataset):
        raise RosterError(_("The file has a header but no rows."))
    return dataset


# --- Running the import ----------------------------------------------------------------------


@dataclass
class RowReport:
    line: int
    key: str
    action: str  # new / update / skip / invalid / error
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    new_roles: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


@dataclass
class FileReport:
    kind: str
    name: str
    rows: list[RowReport] = field(default_factory=list)
    base_errors: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("skip")

    @property
    def error_rows(self) -> list[RowReport]:
        return [r for r in self.rows if r.has_errors]

    @property
    def ok(self) -> bool:
        return not self.base_errors and not self.error_rows


@dataclass
class RosterReport:
    files: list[FileReport]
    dry_run: bool
    imported: bool = False

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def error_count(self) -> int:
        return sum(len(f.error_rows) + len(f.base_errors) for f in self.files)

    @property
    def change_count(self) -> int:
        return sum(f.new + f.updated for f in self.files)


def report_to_dict(report: RosterReport) -> dict:
    return asdict(report)


def report_from_dict(data: dict) -> RosterReport:
    files = []
    for f in data.get("files", []):
        rows = [RowReport(**{**r, "changes": [tuple(c) for c in r.get("changes", [])]})
                for r in f.get("rows", [])]
        files.append(FileReport(kind=f["kind"], name=f["name"], rows=rows,
                                base_errors=list(f.get("base_errors", []))))
    return RosterReport(files=files, dry_run=data.get("dry_run", True),
                        imported=data.get("imported", False))


def _messages(error) -> list[str]:
    """Readable messages of a row's ValidationError, prefixed by the column."""
    out = []
    if hasattr(error, "message_dict"):
        for attribute, messages in error.message_dict.items():
            column = {"department": "department_code", "parent": "parent_code",
                      "__all__": ""}.get(attribute, attribute)
            for message in messages:
                out.append(f"{column}: {message}" if column else str(message))
    else:
        out.extend(str(m) for m in getattr(error, "messages", [error]))
    return out


def _file_report(kind: str, name: str, result) -> FileReport:
    report = FileReport(kind=kind, name=name)
    for base in result.base_errors:
        error = base.error
        report.base_errors.extend(
            [str(m) for m in error.messages] if hasattr(error, "messages") else [str(error)]
        )
    for row_result in result.rows:
        values = row_result.row_values or {}
        key = str(values.get("email") or values.get("code") or "")
        rr = RowReport(line=_line_of(values), key=key, action=row_result.import_type)
        rr.changes = list(getattr(row_result, "changes", []) or [])
        rr.new_roles = [role_label(c, d) for c, d in getattr(row_result, "new_roles", []) or []]
        if row_result.validation_error is not None:
            rr.errors = _messages(row_result.validation_error)
        for err in row_result.errors:
            if isinstance(err.error, DatabaseError):
                raise err.error  # the server's problem, not the file's: "try again"
            rr.errors.append(_("Unexpected error: %(error)s") % {"error": err.error})
        report.rows.append(rr)
    return report


def _line_of(row_values) -> int:
    try:
        return int(row_values.get(LINE) or 0)
    except (TypeError, ValueError):
        return 0


def roster_run(*, user: User, files: dict[str, bytes], names: dict[str, str], dry_run: bool,
               progress: Callable[[float], None] | None = None) -> RosterReport:
    """Import the files (``{"departments": bytes, "people": bytes}``), departments first.

    The caller owns the transaction (the pipeline rolls a dry run back, and an import whose
    report is not ``ok``); a dry run writes no audit entry of its own.
    """
    require(user, "portal.roster.import")
    datasets = [(kind, read_table(kind, files[kind], name=names.get(kind, "")))
                for kind in KINDS if kind in files]
    total = max(1, sum(len(d) for _kind, d in datasets))
    done = [0]

    def on_row():
        done[0] += 1
        if progress is not None and (done[0] % 100 == 0 or done[0] == total):
            progress(done[0] / total)

    report = RosterReport(files=[], dry_run=dry_run)
    for kind, dataset in datasets:
        resource_class = DepartmentResource if kind == "departments" else PersonResource
        resource = resource_class(actor=user, on_row=on_row, dry_run=dry_run)
        # A row that saves runs in its own savepoint (a failed row leaves the transaction
        # usable for the next one); a dry run of people saves nothing, so it needs none (the
        # savepoints were 40 % of a 50,000-row dry run's time).
        writes = not (dry_run and resource.validate_only_in_dry_run)
        result = resource.import_data(
            dataset, dry_run=False, use_transactions=writes, raise_errors=False,
            rollback_on_validation_errors=False, retain_instance_in_row_result=True,
        )
        report.files.append(_file_report(kind, names.get(kind, kind), result))
    if not dry_run and report.ok:
        audit_log(
            action="portal.roster.imported", actor=user,
            data={
                "files": [{"kind": kind, "name": names.get(kind, kind)} for kind, _d in datasets],
                "new": sum(f.new for f in report.files),
                "updated": sum(f.updated for f in report.files),
                "unchanged": sum(f.unchanged for f in report.files),
            },
        )
        report.imported = True
    return report


# --- The roster's import kind ----------------------------------------------------------------


def _check(ctx: imports.ImportContext) -> dict:
    report = roster_run(user=ctx.user, files=ctx.files, names=ctx.names, dry_run=True,
                        progress=ctx.progress)
    return {**report_to_dict(report), "ok": report.ok}


def _apply(ctx: imports.ImportContext) -> dict:
    report = roster_run(user=ctx.user, files=ctx.files, names=ctx.names, dry_run=False,
                        progress=ctx.progress)
    return {**report_to_dict(report), "ok": report.ok}


def _done_message(upload) -> str:
    report = report_from_dict(upload.report)
    return _("Roster imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
        "new": sum(f.new for f in report.files),
        "updated": sum(f.updated for f in report.files),
        "unchanged": sum(f.unchanged for f in report.files),
    }


IMPORT = imports.register(imports.ImportKind(
    code="portal.roster", label=gettext_lazy("Roster import"), permission="portal.roster.import",
    check=_check, apply=_apply, report_template="portal/partials/_roster_report.html",
    load_report=report_from_dict, done_message=_done_message, reauthenticate=True,
    done_url=lambda upload: reverse("portal:roster_import"),
    back_url=lambda upload: reverse("portal:roster_import"), testid="roster",
))
