"""Importing other institutions' answers with django-import-export.

One row per institution in the layout of :mod:`followup.layout` (the same layout the Excel
export writes, so an export imports back unchanged). The import always runs in a transaction:
a dry run first, and nothing is stored when any row is bad (all-or-nothing).
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from import_export import resources
from import_export.results import RowResult

from portal import tabular
from portal.audit import audit_log
from portal.errors import ApplicationError
from portal.exports import unguard_cell
from portal.models import Institution, InstitutionCategory
from portal.services import institution_save

from . import layout as layouts
from . import services
from .models import CategoryGroup, SurveyCycle, SurveyResponse

MAX_ROWS = 20000


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(unguard_cell(value))).strip()


def parse_fiscal_year(value) -> int | None:
    text = _text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    m = re.fullmatch(r"(?:令和|R)(元|\d{1,2})(?:年度)?", text, re.IGNORECASE)
    if m:
        return 2018 + (1 if m.group(1) == "元" else int(m.group(1)))
    return None


@dataclass
class ParsedRow:
    code: str
    name: str
    category: InstitutionCategory
    fiscal_year: int
    codes: dict[int, int]
    institution: Institution | None


class SurveyRowResource(resources.ModelResource):
    """A row → one institution's current response to one fiscal year's cycle."""

    class Meta:
        model = SurveyResponse
        fields = ()
        skip_diff = True
        store_row_values = True
        use_transactions = True

    def __init__(self, *, actor=None, layout: layouts.Layout | None = None):
        super().__init__()
        self.actor = actor
        self.layout = layout or layouts.current()
        self._seen: set[tuple[str, int]] = set()
        categories = list(InstitutionCategory.objects.all())
        self._categories = {}
        for c in categories:
            for key in (c.code, c.name_ja, c.name_en):
                if key:
                    self._categories[unicodedata.normalize("NFKC", key).strip().lower()] = c
        # The ministry's 機関別データ may give a group (国公立大学等) where a category is expected.
        self._groups = {}
        for g in CategoryGroup.objects.prefetch_related("categories"):
            for key in (g.code, g.name_ja, g.name_en):
                if key:
                    self._groups[unicodedata.normalize("NFKC", key).strip().lower()] = g
        self._cycles: dict[int, SurveyCycle] = {}
        self._institutions: dict[str, Institution] = {}
        self._home_codes: dict[int, dict[int, int]] = {}
        self._existing: dict[tuple[str, int], tuple[int, int, dict[int, int]]] | None = None
        self._set_data: dict[int, tuple[dict, dict]] = {}

    def before_import(self, dataset, **kwargs):
        """Read, in a few queries, the institutions and current answers the file refers to."""
        column = self.layout.code
        codes = sorted({_text(v) for v in (dataset[column] if column in (dataset.headers or [])
                                           else []) if _text(v)})
        self._existing = {}
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            for inst in Institution.objects.select_related("category").filter(code__in=chunk):
                self._institutions[inst.code] = inst
            rows = (SurveyResponse.objects.filter(is_current=True, institution__code__in=chunk)
                    .values_list("pk", "version", "institution__code", "cycle__fiscal_year",
                                 "answers__question__number", "answers__option__code"))
            for pk, version, code, year, number, option in rows:
                entry = self._existing.setdefault((code, year), (pk, version, {}))
                if number is not None and option is not None:
                    entry[2][number] = option
        for cycle in SurveyCycle.objects.select_related("question_set"):
            self._cycles[cycle.fiscal_year] = cycle

    # -- parsing ------------------------------------------------------------------------------

    def _parse(self, row) -> ParsedRow:
        lay = self.layout
        errors: dict[str, list[str]] = {}

        def err(column, message):
            errors.setdefault(column, []).append(message)

        code = _text(row.get(lay.code))
        name = _text(row.get(lay.name))
        if not code:
            err(lay.code, _("The institution code is missing."))
        if not name:
            err(lay.name, _("The institution name is missing."))
        cat_text = _text(row.get(lay.category))
        category = self._categories.get(unicodedata.normalize("NFKC", cat_text).lower())
        group = self._groups.get(unicodedata.normalize("NFKC", cat_text).lower())
        if category is None and group is not None:
            # A group names no single category: the registry's category of the institution is
            # kept when it belongs to the group; a new institution needs its own category.
            known = self._institution(code) if code else None
            members = {c.pk for c in group.categories.all()}
            if known is not None and known.category_id in members:
                category = known.category
            elif known is not None:
                err(lay.category, _("The registry lists this institution as %(cat)s, which is "
                                    "not in %(group)s.")
                    % {"cat": known.category.name_ja, "group": group.name_ja})
            else:
                err(lay.category, _("“%(group)s” is a group of categories (%(members)s): give "
                                    "the category of an institution not yet in the registry.")
                    % {"group": group.name_ja,
                       "members": "、".join(c.name_ja for c in group.categories.all())})
        elif category is None:
            err(lay.category, _("Unknown institution category “%(value)s”.") % {"value": cat_text})
        year = parse_fiscal_year(row.get(lay.fiscal_year))
        if year is None or year < 2019:
            err(lay.fiscal_year, _("Give the fiscal year as 2024 or 令和6年度."))
        codes = {}
        for n in range(1, lay.questions + 1):
            column = lay.code_column(n)
            value = _text(row.get(column))
            if not re.fullmatch(r"[1-5]", value):
                err(column, _("The answer code must be 1 to 5 (got “%(value)s”).") % {"value": value})
            else:
                codes[n] = int(value)
        institution = None
        if code:
            institution = self._institution(code)
            if institution is not None and category is not None \
                    and institution.category_id != category.pk:
                err(lay.category, _("The registry lists this institution as %(cat)s.")
                    % {"cat": institution.category.name_ja})
        if code and year:
            key = (code, year)
            if key in self._seen:
                err(lay.code, _("This institution appears twice for the same fiscal year."))
            self._seen.add(key)
        if institution is not None and institution.is_home and year and not errors:
            if self._home_answers(year) != codes:
                err(lay.code, _("The home institution's answers are entered in the portal, "
                                "not imported."))
        if errors:
            raise ValidationError(errors)
        return ParsedRow(code, name, category, year, codes, institution)

    def _institution(self, code: str) -> Institution | None:
        if code not in self._institutions and self._existing is None:
            inst = Institution.objects.select_related("category").filter(code=code).first()
            if inst is None:
                return None
            self._institutions[code] = inst
        return self._institutions.get(code)

    def _home_answers(self, year: int) -> dict[int, int]:
        if year not in self._home_codes:
            self._home_codes[year] = dict(
                SurveyResponse.objects.filter(institution__is_home=True, is_current=True,
                                              cycle__fiscal_year=year)
                .values_list("answers__question__number", "answers__option__code")
                .exclude(answers__option__isnull=True)
            )
        return self._home_codes[year]

    def _cycle(self, year: int) -> SurveyCycle:
        if year not in self._cycles:
            self._cycles[year] = services.cycle_open(fiscal_year=year, actor=self.actor)
        return self._cycles[year]

    def _question_set_data(self, cycle: SurveyCycle) -> tuple[dict, dict]:
        key = cycle.question_set_id
        if key not in self._set_data:
            self._set_data[key] = (
                {o.code: o for o in cycle.question_set.options.all()},
                {q.number: q for q in cycle.question_set.questions.all()},
            )
        return self._set_data[key]

    # -- import-export hooks ------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        row["__parsed"] = self._parse(row)

    def get_or_init_instance(self, instance_loader, row):
        parsed: ParsedRow = row["__parsed"]
        if self._existing is not None:
            found = self._existing.get((parsed.code, parsed.fiscal_year))
            if found is None or parsed.institution is None:
                return SurveyResponse(), True
            pk, version, _codes = found
            instance = SurveyResponse(pk=pk, version=version, institution=parsed.institution,
                                      cycle=self._cycles.get(parsed.fiscal_year))
            instance._imported_codes = found[2]
            return instance, False
        if parsed.institution is not None:
            existing = (SurveyResponse.objects.filter(
                cycle__fiscal_year=parsed.fiscal_year, institution=parsed.institution,
                is_current=True).select_related("cycle", "institution").first())
            if existing is not None:
                return existing, False
        return SurveyResponse(), True

    def import_instance(self, instance, row, **kwargs):
        return None

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if instance.pk is None:
            return False
        parsed: ParsedRow = row["__parsed"]
        current = getattr(instance, "_imported_codes", None)
        if current is None:
            current = dict(instance.answers.filter(option__isnull=False)
                           .values_list("question__number", "option__code"))
        return current == parsed.codes

    def save_instance(self, instance, is_create, row, **kwargs):
        parsed: ParsedRow = row["__parsed"]
        institution = parsed.institution
        if institution is None:
            institution = Institution(code=parsed.code, name_ja=parsed.name,
                                      category=parsed.category)
            institution_save(instance=institution, actor=self.actor)
            self._institutions[parsed.code] = institution
            parsed.institution = institution
        cycle = self._cycle(parsed.fiscal_year)
        options, questions = self._question_set_data(cycle)
        try:
            response, _changed = services.response_import(
                cycle=cycle, institution=institution, codes=parsed.codes, actor=self.actor,
                options=options, questions=questions,
                known_new=is_create and self._existing is not None)
        except ApplicationError as exc:
            raise ValidationError({self.layout.code: [exc.message]})
        instance.pk = response.pk
        instance.cycle = response.cycle
        instance.institution = response.institution
        instance.version = response.version

    def save_m2m(self, instance, row, **kwargs):
        return None


# --- Reading files and running the import ----------------------------------------------------


def dataset_from_bytes(content: bytes, filename: str = "") -> tablib.Dataset:
    """A dataset from an uploaded .xlsx, .csv or .tsv, read by the core's tabular reader
    (format from the content, encodings detected, limits checked while streaming).

    ``dataset.lines`` holds the line of the file of each row, for the row errors.
    """
    try:
        table = tabular.read_table(content, name=filename, max_rows=MAX_ROWS,
                                   normalise=lambda h: h)
        headers = [_text(h) for h in table.header]
        kept = tablib.Dataset(headers=headers)
        lines = []
        width = len(headers)
        for row in table.rows:
            cells = list(row.cells)[:width]
            kept.append(cells + [""] * (width - len(cells)))
            lines.append(row.line)
    except tabular.TabularError as exc:
        raise ApplicationError(exc.message, field="file") from None
    kept.lines = lines
    return kept


@dataclass
class RowError:
    number: int
    messages: list[str]
    values: dict = field(default_factory=dict)


@dataclass
class ImportOutcome:
    dry_run: bool
    total: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    base_errors: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.base_errors

    @property
    def imported(self) -> bool:
        return self.ok and not self.dry_run


def _row_values(row_values) -> dict:
    return {k: v for k, v in (row_values or {}).items() if not str(k).startswith("__")}


def answers_import(*, content: bytes, filename: str = "", actor=None,
                   dry_run: bool = True) -> ImportOutcome:
    """Check (dry run) or import a file of other institutions' answers; all-or-nothing."""
    outcome = ImportOutcome(dry_run=dry_run)
    dataset = dataset_from_bytes(content, filename)
    layout = layouts.detect(dataset.headers or [])
    if layout is None:
        missing = [h for h in layouts.current().required() if h not in (dataset.headers or [])]
        outcome.base_errors.append(_("Columns are missing: %(cols)s") % {"cols": ", ".join(missing)})
        return outcome
    if not len(dataset):
        outcome.base_errors.append(_("The file has no rows."))
        return outcome
    lines = dataset.lines

    def line_of(number: int) -> int:  # import-export numbers the data rows from 1
        return lines[number - 1] if 0 < number <= len(lines) else number
    resource = SurveyRowResource(actor=actor, layout=layout)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False,
                                      use_transactions=True, rollback_on_validation_errors=True)
        outcome.total = result.total_rows
        for number, row in enumerate(result.rows, 1):
            if row.import_type == RowResult.IMPORT_TYPE_NEW:
                outcome.new += 1
            elif row.import_type == RowResult.IMPORT_TYPE_UPDATE:
                outcome.updated += 1
            elif row.import_type == RowResult.IMPORT_TYPE_SKIP:
                outcome.skipped += 1
            if len(outcome.preview) < 50 and row.import_type in (
                    RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE,
                    RowResult.IMPORT_TYPE_SKIP):
                outcome.preview.append({"number": line_of(number), "type": row.import_type,
                                        "values": _row_values(row.row_values)})
        for invalid in result.invalid_rows:
            messages = []
            for column, errs in invalid.error_dict.items():
                for e in errs:
                    text = e if isinstance(e, str) else " ".join(getattr(e, "messages", [str(e)]))
                    messages.append(f"{column}: {text}")
            outcome.errors.append(RowError(line_of(invalid.number), messages, _row_values(invalid.values
                                           if isinstance(invalid.values, dict) else {})))
        for number, errs in result.row_errors():
            for e in errs:
                if isinstance(e.error, DatabaseError):
                    raise e.error  # the server's problem, not the file's: "try again"
            outcome.errors.append(RowError(line_of(number), [str(e.error) for e in errs]))
        for err in result.base_errors:
            outcome.base_errors.append(str(err.error))
        outcome.errors.sort(key=lambda e: e.number)
        if outcome.imported:
            audit_log(action="followup.import.completed", actor=actor,
                      data={"filename": filename, "rows": outcome.total, "new": outcome.new,
                            "updated": outcome.updated, "skipped": outcome.skipped})
    return outcome


def csv_bytes(rows: list[list], headers: list[str] | None = None) -> bytes:
    """A CSV file in the current layout (used by tests and the template download)."""
    buf = io.StringIO()
    import csv

    writer = csv.writer(buf)
    writer.writerow(headers or layouts.current().required())
    for r in rows:
        writer.writerow(r)
    return buf.getvalue().encode("utf-8-sig")
