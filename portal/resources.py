"""django-import-export resources of the roster: departments and people of the home institution.

Both resources save through :mod:`portal.services` (``department_save``, ``user_save``,
``role_assign``), so every row of an import is validated and audited like a change made by hand.
Rows arrive from :mod:`portal.roster` already normalised: every value is a stripped string and a
hidden ``_line`` column holds the row's line number in the uploaded file.

A row reports what it would change: ``row_result.changes`` is a list of
``(column, before, after)`` and ``row_result.new_roles`` the roles it would add. Unchanged rows
are skipped (nothing is saved, nothing is audited).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from portal import services
from portal.errors import ApplicationError
from portal.models import Department, Institution, Role, User

LINE = "_line"

DEPARTMENT_COLUMNS = ["code", "name_ja", "name_en", "parent_code"]
PERSON_COLUMNS = [
    "email", "family_name", "given_name", "family_name_en", "given_name_en",
    "employee_number", "researcher_number", "department_code", "roles",
]


class DepartmentCodeWidget(widgets.Widget):
    """A department of the home institution given by its code ('' → no department)."""

    def __init__(self, resource: RosterResource, label: str):
        super().__init__()
        self.resource = resource
        self.label = label

    def clean(self, value, row=None, **kwargs):
        code = (value or "").strip()
        if not code:
            return None
        dept = self.resource.department_by_code(code)
        if dept is None:
            raise ValueError(
                _("%(label)s “%(code)s” does not exist (import it in the departments file first).")
                % {"label": self.label, "code": code}
            )
        return dept

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


def _text(column: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(attribute=attribute or column, column_name=column,
                        widget=widgets.CharWidget())


def _display(value) -> str:
    if isinstance(value, Department):
        return value.code
    return "" if value is None else str(value)


class RosterResource(resources.ModelResource):
    """Shared plumbing: the home institution, the actor, change tracking, service errors."""

    #: attribute → column name, for error messages and the change list
    columns: dict[str, str] = {}
    #: the portal service that saves one row (``services.department_save``, ``user_save``)
    save_service = None

    def __init__(self, *, actor: User | None = None, institution: Institution | None = None,
                 on_row=None, dry_run: bool = False):
        super().__init__()
        self.actor = actor
        self.dry_run = dry_run
        self.on_row = on_row  # called after each row (progress of background imports)
        self.institution = institution or Institution.home()
        self._departments: dict[str, Department | None] = {}
        self._seen_keys: set[str] = set()

    # --- helpers -------------------------------------------------------------------------------

    def department_by_code(self, code: str) -> Department | None:
        if code not in self._departments:
            self._departments[code] = (
                Department.objects.filter(institution=self.institution, code=code).first()
                if self.institution is not None else None
            )
        return self._departments[code]

    def _forget_department(self, code: str) -> None:
        self._departments.pop(code, None)

    def tracked_attributes(self) -> list[str]:
        return list(self.columns)

    def after_init_instance(self, instance, new, row, **kwargs):
        # The values before the row, for the change list: a snapshot of the tracked attributes
        # (import-export's own diff deep-copies every instance, a quarter of a dry run's time;
        # the resources set skip_diff).
        instance._roster_before = None if new else {
            attribute: getattr(instance, attribute, None) for attribute in self.tracked_attributes()}

    def compute_changes(self, instance, original, row) -> list[tuple[str, str, str]]:
        changes = []
        before_values = getattr(instance, "_roster_before", None)
        for attribute in self.tracked_attributes():
            column = self.columns[attribute]
            if column not in row:
                continue
            before = _display(before_values.get(attribute)) if before_values is not None else ""
            after = _display(getattr(instance, attribute, None))
            if before != after:
                changes.append((column, before, after))
        return changes

    # --- import hooks ----------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        if self.institution is None:
            raise ValidationError(
                _("No home institution is set up. Mark one institution as home in the administration first.")
            )

    def before_import_row(self, row, **kwargs):
        key = self.row_key(row)
        if key:
            if key in self._seen_keys:
                raise ValidationError(
                    {self.key_attribute: _("“%(key)s” appears more than once in the file.") % {"key": key}}
                )
            self._seen_keys.add(key)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        instance._roster_changes = self.compute_changes(instance, original, row)
        existed = getattr(instance, "_roster_before", None) is not None
        return existed and not instance._roster_changes and not self.has_extra_changes(instance)

    def has_extra_changes(self, instance) -> bool:
        return False

    #: model fields the row never sets, left out of validation
    clean_exclude: tuple[str, ...] = ()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """When a column is already wrong, add the model's own validation so that every problem
        of the row is shown at once. Otherwise the service validates (full_clean) on save."""
        errors = dict(import_validation_errors or {})
        if not errors:
            return
        try:
            instance.full_clean(exclude=[*errors, *self.clean_exclude],
                                validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if self.on_row is not None:
            self.on_row()
        return result

    def after_import_row(self, row, row_result, **kwargs):
        instance = row_result.instance
        row_result.changes = getattr(instance, "_roster_changes", []) if instance is not None else []
        row_result.new_roles = getattr(instance, "_roster_new_roles", []) if instance is not None else []
        # The report needs only the above, the key and the line: a 50,000-row file keeps
        # neither its users nor a second copy of its cells.
        row_result.instance = None
        key_column = self.columns[self.key_attribute]
        row_result.row_values = {LINE: row.get(LINE), key_column: row.get(key_column)}

    #: whether a dry run validates a row without saving it (see PersonResource)
    validate_only_in_dry_run = False

    def validate_for_dry_run(self, instance) -> None:
        pass

    def save_instance(self, instance, is_create, row, **kwargs):
        if self.dry_run and self.validate_only_in_dry_run:
            self.validate_for_dry_run(instance)
            return
        try:
            self.save_through_service(instance)
        except ApplicationError as exc:
            raise ValidationError({exc.field or self.key_attribute: exc.message}) from exc
        self.after_service_save(instance, row)

    def save_through_service(self, instance):
        """Save one row through the portal service the subclass names (audited, validated)."""
        type(self).save_service(instance=instance, actor=self.actor)

    def after_service_save(self, instance, row) -> None:
        pass

    def row_key(self, row) -> str:
        return (row.get(self.columns[self.key_attribute]) or "").strip()

    key_attribute = ""


class DepartmentResource(RosterResource):
    """Columns: code, name_ja, name_en, parent_code. Rows are matched by ``code``."""

    columns = {"code": "code", "name_ja": "name_ja", "name_en": "name_en", "parent": "parent_code"}
    key_attribute = "code"

    code = _text("code")
    name_ja = _text("name_ja")
    name_en = _text("name_en")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["parent"] = fields.Field(
            attribute="parent", column_name="parent_code",
            widget=DepartmentCodeWidget(self, _("Parent department")),
        )

    class Meta:
        model = Department
        import_id_fields = ["code"]
        instance_loader_class = CachedInstanceLoader
        fields = ["code", "name_ja", "name_en", "parent"]
        skip_html_diff = True
        skip_diff = True
        store_instance = True
        store_row_values = True
        report_skipped = True

    def get_queryset(self):
        return Department.objects.filter(institution=self.institution).select_related("parent")

    def init_instance(self, row=None):
        return Department(institution=self.institution)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        _order_parents_first(dataset)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        code = (row.get("code") or "").strip()
        if not code:
            raise ValidationError({"code": _("The department code is required.")})
        if not (row.get("name_ja") or "").strip() and not (row.get("name_en") or "").strip():
            raise ValidationError({"name_ja": _("Give the department's name in Japanese or English.")})
        if (row.get("parent_code") or "").strip() == code:
            raise ValidationError({"parent": _("A department cannot be its own parent.")})

    save_service = services.department_save

    def after_service_save(self, instance, row) -> None:
        self._forget_department(instance.code)


def _order_parents_first(dataset) -> None:
    """Reorder department rows so that a parent is imported before its children."""
    headers = dataset.headers or []
    if "code" not in headers or "parent_code" not in headers:
        return
    code_i, parent_i = headers.index("code"), headers.index("parent_code")
    rows = list(dataset)
    codes = {str(r[code_i]).strip() for r in rows}
    placed: set[str] = set()
    ordered, pending = [], rows
    while pending:
        remaining = []
        for r in pending:
            parent = str(r[parent_i]).strip()
            if not parent or parent not in codes or parent in placed:
                ordered.append(r)
                placed.add(str(r[code_i]).strip())
            else:
                remaining.append(r)
        if len(remaining) == len(pending):  # a cycle: keep the file order, rows will fail
            ordered.extend(remaining)
            break
        pending = remaining
    del dataset[:]
    for r in ordered:
        dataset.append(r)


def parse_roles(value: str, resource: RosterResource) -> list[tuple[str, Department | None]]:
    """``"researcher;dept_reviewer:ENG"`` → ``[("researcher", None), ("dept_reviewer", <ENG>)]``."""
    result: list[tuple[str, Department | None]] = []
    errors = []
    for part in (value or "").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        code, _sep, scope = part.partition(":")
        code, scope = code.strip().lower(), scope.strip()
        if code not in Role.values:
            errors.append(_("Unknown role “%(role)s” (use one of: %(roles)s).")
                          % {"role": code, "roles": ", ".join(Role.values)})
            continue
        department = None
        if code == Role.DEPT_REVIEWER:
            if not scope:
                errors.append(_("The department reviewer role needs a department: dept_reviewer:CODE."))
                continue
            department = resource.department_by_code(scope)
            if department is None:
                errors.append(_("Department “%(code)s” in the roles does not exist.") % {"code": scope})
                continue
        elif scope:
            errors.append(_("Only the department reviewer role takes a department (“%(role)s”).")
                          % {"role": part})
            continue
        if (code, department) not in result:
            result.append((code, department))
    if errors:
        raise ValidationError(errors)
    return result


class PersonResource(RosterResource):
    """People of the roster, matched by e-mail address. Roles listed are added, never removed."""

    columns = {
        "email": "email", "family_name": "family_name", "given_name": "given_name",
        "family_name_en": "family_name_en", "given_name_en": "given_name_en",
        "employee_number": "employee_number", "researcher_number": "researcher_number",
        "department": "department_code",
    }
    key_attribute = "email"
    clean_exclude = ("password",)

    email = _text("email")
    family_name = _text("family_name")
    given_name = _text("given_name")
    family_name_en = _text("family_name_en")
    given_name_en = _text("given_name_en")
    employee_number = _text("employee_number")
    researcher_number = _text("researcher_number")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["department"] = fields.Field(
            attribute="department", column_name="department_code",
            widget=DepartmentCodeWidget(self, _("Department")),
        )

    class Meta:
        model = User
        import_id_fields = ["email"]
        instance_loader_class = CachedInstanceLoader
        fields = ["email", "family_name", "given_name", "family_name_en", "given_name_en",
                  "employee_number", "researcher_number", "department"]
        skip_html_diff = True
        skip_diff = True
        store_instance = True
        store_row_values = True
        report_skipped = True

    def get_queryset(self):
        return User.objects.select_related("department").prefetch_related("role_assignments")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        headers = dataset.headers or []
        if "email" in headers:  # matched case-insensitively (addresses are stored lower-case)
            index = headers.index("email")
            rows = [list(r) for r in dataset]
            for r in rows:
                r[index] = str(r[index] or "").strip().lower()
            del dataset[:]
            for r in rows:
                dataset.append(r)

    def before_import_row(self, row, **kwargs):
        row["email"] = (row.get("email") or "").strip().lower()
        super().before_import_row(row, **kwargs)
        if not row["email"]:
            raise ValidationError({"email": _("The e-mail address is required.")})

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            roles = parse_roles(row.get("roles", ""), self) if "roles" in row else []
        except ValidationError as exc:
            errors["roles"] = exc.messages
            roles = []
        held = set()
        if instance.pk:
            held = {(a.role, a.department_id) for a in instance.role_assignments.all()}
        instance._roster_new_roles = [
            (code, dept) for code, dept in roles
            if (code, dept.pk if dept else None) not in held
        ]
        if errors:
            raise ValidationError(errors)

    def has_extra_changes(self, instance) -> bool:
        return bool(getattr(instance, "_roster_new_roles", []))

    save_service = services.user_save

    #: A dry run of people checks each row as the service would (the fields, the department, the
    #: roles) without saving it, its roles or its audit entry: saving 50,000 people through the
    #: audited services only to roll them back took six minutes. Nothing refers to a person of
    #: the same upload, and the only unique column (the e-mail address) is the row's key, so the
    #: check is the same; the import itself saves through the services and validates again.
    validate_only_in_dry_run = True

    def validate_for_dry_run(self, instance) -> None:
        instance.email = (instance.email or "").strip().lower()
        instance.full_clean(exclude=["password", "department"], validate_unique=False,
                            validate_constraints=False)

    def after_service_save(self, instance, row) -> None:
        for code, dept in getattr(instance, "_roster_new_roles", []):
            services.role_assign(user=instance, role=code, department=dept, actor=self.actor)


def role_label(code: str, department: Department | None) -> str:
    label = str(Role(code).label)
    return f"{label} ({department.code})" if department is not None else label

