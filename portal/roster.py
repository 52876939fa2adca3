"""Roster import: administrators load departments and people from CSV/XLSX files.

The flow is upload → dry run → confirm:

1. :func:`roster_upload_store` checks each file (size; content sniffed, not just the name),
   stores it in the private storage under a random token and returns a :class:`StoredUpload`
   holding the files' SHA-256 digests. The caller keeps it in the server-side session.
2. :func:`roster_run` with ``dry_run=True`` imports everything inside a transaction that is
   always rolled back, and reports per row what would change and which rows are wrong.
3. On confirm, :func:`roster_run` reads the *stored* files again (never a new upload), checks
   their digests against the ones recorded at upload, and imports in one transaction: when any
   row of any file is wrong, nothing is imported.

Departments are imported before people so that people may reference departments of the same
upload. Every row is saved through the core services, so every change is audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import tablib
from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_log, register_renderer, task_actor
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
from portal.storage import private_storage

logger = logging.getLogger(__name__)

KINDS = ("departments", "people")
#: Uploads with more rows than this are checked and imported by a Celery task with a progress
#: page, so that a large roster never hits the web server's request timeout.
SYNC_MAX_ROWS = 300
REQUIRED = {"departments": ["code"], "people": ["email"]}
COLUMNS = {"departments": DEPARTMENT_COLUMNS, "people": PERSON_COLUMNS}
MAX_ROWS = 50_000
MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before openpyxl opens it
UPLOAD_MAX_AGE_SECONDS = 3600
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


register_renderer(
    "portal.roster.imported",
    gettext_lazy("Roster imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged"),
)


class RosterError(ApplicationError):
    """A file that cannot be read as a roster (shown above the form)."""


# --- Reading files ---------------------------------------------------------------------------


def sniff_format(name: str, data: bytes) -> str:
    """``"csv"`` or ``"xlsx"`` from the content (and a matching name); RosterError otherwise."""
    lowered = (name or "").lower()
    if lowered.endswith(".xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            raise RosterError(_("“%(name)s” is not an Excel (.xlsx) workbook.") % {"name": name})
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                expanded = sum(info.file_size for info in zf.infolist())
        except zipfile.BadZipFile:
            raise RosterError(_("“%(name)s” is not an Excel (.xlsx) workbook.") % {"name": name})
        if expanded > MAX_XLSX_EXPANDED_BYTES:
            raise RosterError(_("“%(name)s” expands to more data than a roster can have.")
                              % {"name": name})
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise RosterError(_("“%(name)s” is not an Excel (.xlsx) workbook.") % {"name": name})
        return "xlsx"
    if lowered.endswith(".csv"):
        if b"\x00" in data or data.startswith(b"PK\x03\x04") or data.startswith(b"%PDF"):
            raise RosterError(_("“%(name)s” is not a text CSV file.") % {"name": name})
        return "csv"
    raise RosterError(_("“%(name)s”: only .csv and .xlsx files can be imported.") % {"name": name})


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(_("The CSV file is neither UTF-8 nor Shift_JIS text."))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows_from(fmt: str, data: bytes) -> list[list[str]]:
    if fmt == "csv":
        text = _decode_csv(data)
        try:
            return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as exc:
            raise RosterError(_("The CSV file cannot be read: %(error)s") % {"error": exc})
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise RosterError(_("The Excel workbook cannot be read."))
    try:
        ws = wb.worksheets[0]
        return [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def read_table(kind: str, fmt: str, data: bytes) -> tablib.Dataset:
    """The file as a dataset of stripped strings with a ``_line`` column; RosterError if the
    header is missing a required column or has an unknown one."""
    rows = _rows_from(fmt, data)
    header_index = next((i for i, r in enumerate(rows) if any(r)), None)
    if header_index is None:
        raise RosterError(_("The file is empty."))
    headers = [h.strip().lower().lstrip("\ufeff") for h in rows[header_index]]
    while headers and not headers[-1]:
        headers.pop()
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
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = (row + [""] * width)[:width]
        if not any(values):
            continue
        if any(row[width:]):
            raise RosterError(_("Line %(line)s has more cells than the header.") % {"line": offset})
        dataset.append([*values, str(offset)])
        if len(dataset) > MAX_ROWS:
            raise RosterError(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
    if not len(dataset):
        raise RosterError(_("The file has a header but no rows."))
    return dataset


# --- Stored uploads --------------------------------------------------------------------------


@dataclass
class StoredFile:
    kind: str
    name: str
    path: str
    fmt: str
    sha256: str
    size: int
    rows: int = 0


@dataclass
class StoredUpload:
    token: str
    user_id: int
    created: float
    files: list[StoredFile]

    @property
    def total_rows(self) -> int:
        return sum(f.rows for f in self.files)

    def to_session(self) -> dict:
        return {"token": self.token, "user_id": self.user_id, "created": self.created,
                "files": [f.__dict__ for f in self.files]}

    @classmethod
    def from_session(cls, data: dict) -> StoredUpload:
        return cls(token=data["token"], user_id=data["user_id"], created=data["created"],
                   files=[StoredFile(**f) for f in data["files"]])


def roster_upload_store(*, user: User, uploads: dict) -> StoredUpload:
    """Check and store the uploaded files (``{"departments": file, "people": file}``).

    The files are read once, checked, parsed (so that an unreadable file is refused now) and
    written to the private storage under a new random token.
    """
    require(user, "portal.roster.import")
    files = []
    checked = []
    for kind in KINDS:
        upload = uploads.get(kind)
        if not upload:
            continue
        if upload.size > settings.PORTAL_MAX_UPLOAD_BYTES:
            raise RosterError(
                _("“%(name)s” is larger than %(max)s MB.")
                % {"name": upload.name, "max": settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        data = upload.read()
        fmt = sniff_format(upload.name, data)
        rows = len(read_table(kind, fmt, data))
        checked.append((kind, upload.name, fmt, data, rows))
    if not checked:
        raise RosterError(_("Choose a departments file, a people file, or both."))
    token = secrets.token_urlsafe(24)
    for kind, name, fmt, data, rows in checked:
        path = private_storage().save(f"roster/{token}/{kind}.{fmt}", ContentFile(data))
        files.append(StoredFile(kind=kind, name=name[:200], path=path, fmt=fmt,
                                sha256=hashlib.sha256(data).hexdigest(), size=len(data), rows=rows))
    return StoredUpload(token=token, user_id=user.pk, created=timezone.now().timestamp(),
                        files=files)


def _load_stored(upload: StoredUpload) -> list[tuple[StoredFile, bytes]]:
    loaded = []
    for f in upload.files:
        try:
            with private_storage().open(f.path, "rb") as fh:
                data = fh.read()
        except OSError:
            raise RosterError(_("The uploaded file is no longer available. Upload it again."))
        if hashlib.sha256(data).hexdigest() != f.sha256:
            raise RosterError(_("The stored file has changed since the dry run. Upload it again."))
        loaded.append((f, data))
    return loaded


def roster_upload_discard(*, upload: StoredUpload) -> None:
    storage = private_storage()
    paths = [f.path for f in upload.files] + [_job_path(upload, k) for k in JOB_KINDS]
    for path in paths:
        if storage.exists(path):
            storage.delete(path)


def upload_from_session(session, *, user: User, token: str) -> StoredUpload:
    """The upload ``token`` recorded in this session for this user (RosterError otherwise)."""
    data = (session.get("roster_uploads") or {}).get(token)
    if not data:
        raise RosterError(_("This import has expired or was already done. Upload the file again."))
    upload = StoredUpload.from_session(data)
    age = timezone.now().timestamp() - upload.created
    if upload.user_id != user.pk or age > UPLOAD_MAX_AGE_SECONDS:
        raise RosterError(_("This import has expired or was already done. Upload the file again."))
    return upload


def remember_upload(session, upload: StoredUpload) -> None:
    uploads = dict(session.get("roster_uploads") or {})
    now = timezone.now().timestamp()
    for token, data in list(uploads.items()):
        if now - data.get("created", 0) > UPLOAD_MAX_AGE_SECONDS:
            roster_upload_discard(upload=StoredUpload.from_session(data))
            uploads.pop(token)
    uploads[upload.token] = upload.to_session()
    session["roster_uploads"] = uploads


def forget_upload(session, token: str) -> None:
    uploads = dict(session.get("roster_uploads") or {})
    uploads.pop(token, None)
    session["roster_uploads"] = uploads


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


class _Rollback(Exception):
    pass


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


def _file_report(stored: StoredFile, result) -> FileReport:
    report = FileReport(kind=stored.kind, name=stored.name)
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
            rr.errors.append(_("Unexpected error: %(error)s") % {"error": err.error})
        report.rows.append(rr)
    return report


def _line_of(row_values) -> int:
    try:
        return int(row_values.get(LINE) or 0)
    except (TypeError, ValueError):
        return 0


def roster_run(*, user: User, upload: StoredUpload, dry_run: bool,
               progress: Callable[[int], None] | None = None) -> RosterReport:
    """Dry-run or import the stored files; all-or-nothing across every file and row."""
    require(user, "portal.roster.import")
    loaded = _load_stored(upload)
    total = max(1, upload.total_rows)
    done = [0]

    def on_row():
        done[0] += 1
        if progress is not None and (done[0] % 25 == 0 or done[0] == total):
            progress(min(99, int(100 * done[0] / total)))

    order = {k: i for i, k in enumerate(KINDS)}
    loaded.sort(key=lambda pair: order[pair[0].kind])
    report = RosterReport(files=[], dry_run=dry_run)
    try:
        with transaction.atomic():
            for stored, data in loaded:
                dataset = read_table(stored.kind, stored.fmt, data)
                resource_class = DepartmentResource if stored.kind == "departments" else PersonResource
                resource = resource_class(actor=user, on_row=on_row)
                result = resource.import_data(
                    dataset, dry_run=False, use_transactions=True, raise_errors=False,
                    rollback_on_validation_errors=False, retain_instance_in_row_result=True,
                )
                report.files.append(_file_report(stored, result))
            if dry_run or not report.ok:
                raise _Rollback
            audit_log(
                action="portal.roster.imported", actor=user,
                data={
                    "files": [{"kind": f.kind, "name": f.name, "sha256": f.sha256}
                              for f in upload.files],
                    "new": sum(f.new for f in report.files),
                    "updated": sum(f.updated for f in report.files),
                    "unchanged": sum(f.unchanged for f in report.files),
                },
            )
            report.imported = True
    except _Rollback:
        pass
    return report


# --- Large uploads: a Celery task with a progress page ----------------------------------------

JOB_KINDS = ("dry-run", "import")


def _job_path(upload: StoredUpload, kind: str) -> str:
    return f"roster/{upload.token}/job-{kind}.json"


def job_state(*, upload: StoredUpload, kind: str) -> dict | None:
    """``{"status": pending|running|done|failed, "progress": 0-100, "message", "report"}``."""
    path = _job_path(upload, kind)
    storage = private_storage()
    if not storage.exists(path):
        return None
    with storage.open(path, "rb") as fh:
        state = json.loads(fh.read().decode("utf-8"))
    if state.get("report"):
        state["report"] = report_from_dict(state["report"])
    return state


def _write_state(upload: StoredUpload, kind: str, **state) -> None:
    path = _job_path(upload, kind)
    storage = private_storage()
    if storage.exists(path):
        storage.delete(path)
    storage.save(path, ContentFile(json.dumps(state, ensure_ascii=False).encode("utf-8")))


def roster_job_start(*, user: User, upload: StoredUpload, dry_run: bool) -> str:
    """Queue the dry run or the import of a large upload; returns the job kind."""
    require(user, "portal.roster.import")
    kind = "dry-run" if dry_run else "import"
    _write_state(upload, kind, status="pending", progress=0)
    data = upload.to_session()
    transaction.on_commit(
        lambda: run_roster_job.delay(user_id=user.pk, upload=data, dry_run=dry_run)
    )
    return kind


def roster_job_run(*, user_id: int, upload: dict, dry_run: bool) -> None:
    """Body of the task: re-checks the permission, runs, records progress and the report."""
    stored = StoredUpload.from_session(upload)
    kind = "dry-run" if dry_run else "import"
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.pk != stored.user_id:
        _write_state(stored, kind, status="failed", progress=0,
                     message=_("You are not allowed to import the roster."))
        return
    with task_actor(user):
        try:
            _write_state(stored, kind, status="running", progress=1)
            report = roster_run(
                user=user, upload=stored, dry_run=dry_run,
                progress=lambda p: _write_state(stored, kind, status="running", progress=p),
            )
        except ApplicationError as exc:
            _write_state(stored, kind, status="failed", progress=0, message=exc.message)
        except PermissionDenied:
            _write_state(stored, kind, status="failed", progress=0,
                         message=_("You are not allowed to import the roster."))
        except Exception:
            logger.exception("Roster %s %s failed", kind, stored.token)
            _write_state(stored, kind, status="failed", progress=0,
                         message=_("The import failed. Please try again or contact the administrator."))
        else:
            _write_state(stored, kind, status="done", progress=100, report=report_to_dict(report))


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=58 * 60)
def run_roster_job(*, user_id: int, upload: dict, dry_run: bool) -> None:
    roster_job_run(user_id=user_id, upload=upload, dry_run=dry_run)
