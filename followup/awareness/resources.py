"""Attendance import (django-import-export): CSV or XLSX, people matched by e-mail or staff number.

The file needs a column ``email`` (メールアドレス) or ``staff_number`` (職員番号); optional
columns are ``attended`` (出席: yes/no, 1/0, ○/×, 出席/欠席), ``completed_at`` (修了日時) and
``note`` (備考). Every row is checked in a dry run first; when any row is bad nothing is imported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from followup.awareness.models import Attendance, AttendanceSource, AwarenessActivity
from followup.awareness.uploads import check_size
from portal import tabular
from portal.errors import ValidationFailed
from portal.models import User

COLUMN_ALIASES = {
    "email": "email", "e-mail": "email", "mail": "email", "メールアドレス": "email",
    "メール": "email", "staff_number": "staff_number", "staff number": "staff_number",
    "employee_number": "staff_number", "職員番号": "staff_number", "教職員番号": "staff_number",
    "attended": "attended", "出席": "attended", "受講": "attended", "修了": "attended",
    "completed_at": "completed_at", "completed": "completed_at", "date": "completed_at",
    "修了日時": "completed_at", "受講日": "completed_at", "日付": "completed_at",
    "note": "note", "備考": "note", "name": "name", "氏名": "name",
}
COLUMNS = ["email", "staff_number", "attended", "completed_at", "note"]
TRUE_WORDS = {"", "1", "yes", "y", "true", "○", "〇", "◯", "出席", "済", "修了", "はい", "受講"}
FALSE_WORDS = {"0", "no", "n", "false", "×", "✕", "欠席", "未", "未修了", "いいえ"}


@dataclass
class ImportReport:
    """What a dry run or an import found: rows to import and row errors (by file line)."""

    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, list[str]]] = field(default_factory=list)
    imported: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def new_count(self) -> int:
        return sum(1 for r in self.rows if r["new"])

    @property
    def update_count(self) -> int:
        return sum(1 for r in self.rows if not r["new"])


def read_dataset(upload) -> tablib.Dataset:
    """Read a CSV/TSV (UTF-8 with or without BOM, Shift_JIS or EUC-JP) or XLSX upload into a
    dataset, through the core's tabular reader (encodings, limits, lines of the file).

    ``dataset.lines`` holds the line of the file of each row, for the row errors.
    """
    check_size(upload)
    upload.seek(0)
    raw = upload.read()
    try:
        table = tabular.read_table(raw, name=getattr(upload, "name", ""),
                                   normalise=lambda h: COLUMN_ALIASES.get(h.strip().lower()))
        header = table.header
        if "email" not in header and "staff_number" not in header:
            raise ValidationFailed(
                _("The first row must name a column 'email' (メールアドレス) or 'staff_number' "
                  "(職員番号)."), field="file",
            )
        # "user" is filled in by the resource once the person is resolved.
        dataset = tablib.Dataset(headers=[*COLUMNS, "user"])
        lines = []
        for row in table.rows:
            values = dict.fromkeys(COLUMNS, "")
            for name, value in zip(header, row.cells, strict=False):
                if name in values:
                    values[name] = value if value is not None else ""
            dataset.append([*(values[c] for c in COLUMNS), ""])
            lines.append(row.line)
    except tabular.TabularError as exc:
        raise ValidationFailed(exc.message, field="file") from None
    dataset.lines = lines
    return dataset


def _number(value) -> str:
    """A staff number as text (Excel may hand over 1001.0 for a numeric cell)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value or "").strip()


def _chunks(values: list[str], size: int = 500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _parse_attended(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(
        {"attended": _("'%(value)s' is not yes or no.") % {"value": value}}
    )


def _parse_when(value, default: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        return default
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time(12, 0)))
    text = str(value).strip().replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            parsed = parsed.replace(hour=12)
        return timezone.make_aware(parsed)
    raise ValidationError(
        {"completed_at": _("'%(value)s' is not a date (YYYY-MM-DD).") % {"value": value}}
    )


class ResolvedPersonWidget(widgets.Widget):
    """The person resolved in ``before_import_row`` (no query per row)."""

    def clean(self, value, row=None, **kwargs):
        return (row or {}).get("_person")

    def render(self, value, obj=None, **kwargs):
        return getattr(value, "pk", "")


class ActivityAttendanceLoader(BaseInstanceLoader):
    """The activity's existing attendance, loaded once and found by the resolved person."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.by_user = {a.user_id: a for a in resource.get_queryset()}

    def get_instance(self, row):
        user_id = row.get("user")
        return self.by_user.get(int(user_id)) if user_id else None


class AttendanceResource(resources.ModelResource):
    """Rows of one activity's attendance; the person is resolved before the row is imported."""

    user = fields.Field(attribute="user", column_name="user", widget=ResolvedPersonWidget())
    attended = fields.Field(attribute="attended", column_name="attended",
                            widget=widgets.BooleanWidget())
    completed_at = fields.Field(attribute="completed_at", column_name="completed_at",
                                widget=widgets.DateTimeWidget())
    note = fields.Field(attribute="note", column_name="note", widget=widgets.CharWidget())

    class Meta:
        model = Attendance
        fields = ("user", "attended", "completed_at", "note")
        import_id_fields = ("user",)
        # the activity's existing rows are loaded once, not one query per row
        instance_loader_class = ActivityAttendanceLoader
        skip_diff = True
        use_bulk = False

    def __init__(self, *, activity: AwarenessActivity, actor=None, dataset=None):
        super().__init__()
        self.activity = activity
        self.actor = actor
        self.preview: list[dict] = []
        self._seen: dict[int, int] = {}
        self._default_when = timezone.make_aware(dt.datetime.combine(activity.date, dt.time(12)))
        self._by_email: dict[str, User] = {}
        self._by_number: dict[str, list[User]] = {}
        if dataset is not None:
            self._preload_people(dataset)

    def _preload_people(self, dataset) -> None:
        """Load everyone the file names in two queries (instead of two per row)."""
        emails = {str(v).strip().lower() for v in dataset["email"] if str(v or "").strip()}
        numbers = {_number(v) for v in dataset["staff_number"] if str(v or "").strip()}
        active = User.objects.filter(is_active=True).select_related("department")
        for chunk in _chunks(sorted(emails)):
            for user in active.filter(email__in=chunk):
                self._by_email[user.email.lower()] = user
        for chunk in _chunks(sorted(numbers)):
            for user in active.filter(employee_number__in=chunk):
                self._by_number.setdefault(user.employee_number, []).append(user)
        self._preloaded = True

    def get_queryset(self):
        return Attendance.objects.filter(activity=self.activity)

    def _resolve_user(self, email: str, number: str) -> User:
        by_email = by_number = None
        preloaded = getattr(self, "_preloaded", False)
        if email:
            if preloaded:
                by_email = self._by_email.get(email.lower())
            else:
                by_email = User.objects.filter(email__iexact=email, is_active=True).first()
            if by_email is None:
                raise ValidationError(
                    {"email": _("Nobody with the e-mail address %(email)s.") % {"email": email}}
                )
        if number:
            if preloaded:
                matches = self._by_number.get(number, [])
            else:
                matches = list(User.objects.filter(employee_number=number, is_active=True)[:2])
            if not matches:
                raise ValidationError(
                    {"staff_number": _("Nobody with the staff number %(n)s.") % {"n": number}}
                )
            if len(matches) > 1:
                raise ValidationError(
                    {"staff_number": _("The staff number %(n)s is shared by several people.")
                     % {"n": number}}
                )
            by_number = matches[0]
        if by_email and by_number and by_email.pk != by_number.pk:
            raise ValidationError(
                _("The e-mail address and the staff number belong to different people.")
            )
        person = by_email or by_number
        if person is None:
            raise ValidationError(_("Give an e-mail address or a staff number."))
        return person

    def before_import_row(self, row, **kwargs):
        email = str(row.get("email") or "").strip()
        number = _number(row.get("staff_number"))
        person = self._resolve_user(email, number)
        line = kwargs.get("row_number", 0) + 1
        if person.pk in self._seen:
            raise ValidationError(
                _("%(person)s is already on line %(line)s.")
                % {"person": person.email, "line": self._seen[person.pk]}
            )
        self._seen[person.pk] = line
        errors: dict = {}
        try:
            attended = _parse_attended(row.get("attended", ""))
        except ValidationError as exc:
            errors.update(exc.message_dict)
            attended = True
        try:
            when = _parse_when(row.get("completed_at"), self._default_when)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            when = None
        if errors:
            raise ValidationError(errors)
        row["user"] = person.pk
        row["attended"] = attended
        row["completed_at"] = when if attended else None
        row["note"] = str(row.get("note") or "").strip()[:300]
        row["_person"] = person

    def before_save_instance(self, instance, row, **kwargs):
        instance.activity = self.activity
        instance.source = AttendanceSource.IMPORT
        instance.recorded_by = self.actor if getattr(self.actor, "pk", None) else None

    def after_import_row(self, row, row_result, **kwargs):
        person = row.get("_person")
        if person is not None:
            self.preview.append({
                "line": kwargs.get("row_number", 0) + 1,
                "person": person,
                "attended": row["attended"],
                "completed_at": row["completed_at"],
                "new": row_result.import_type == row_result.IMPORT_TYPE_NEW,
            })


def run_import(*, activity: AwarenessActivity, dataset: tablib.Dataset, actor,
               dry_run: bool) -> ImportReport:
    """Import ``dataset`` (or only check it). Callers wrap the real run in a transaction."""
    resource = AttendanceResource(activity=activity, actor=actor, dataset=dataset)
    result = resource.import_data(
        dataset, dry_run=dry_run, raise_errors=False, use_transactions=True,
        rollback_on_validation_errors=True,
    )
    report = ImportReport(rows=resource.preview)
    lines = getattr(dataset, "lines", None) or []

    def line_of(number: int) -> int:  # import-export numbers the data rows from 1
        return lines[number - 1] if 0 < number <= len(lines) else number + 1

    for row in report.rows:
        row["line"] = line_of(row["line"] - 1)
    for invalid in result.invalid_rows:
        messages = []
        for name, errs in invalid.field_specific_errors.items():
            messages += [f"{name}: {e}" for e in errs]
        messages += list(invalid.non_field_specific_errors)
        report.errors.append((line_of(invalid.number), messages))
    for error_row in result.error_rows:
        for error in error_row.errors:
            if isinstance(error.error, DatabaseError):
                raise error.error  # the server's problem, not the file's: "try again"
        report.errors.append((line_of(error_row.number), [str(e.error) for e in error_row.errors]))
    for error in result.base_errors:
        report.errors.append((0, [str(error.error)]))
    report.errors.sort(key=lambda e: e[0])
    report.imported = not dry_run and not report.errors
    return report
