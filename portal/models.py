"""The shared core: institutions, departments, users and roles, organisations, audit, files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portal.names import normalize_name
from portal.storage import private_storage


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicModel(TimeStampedModel):
    """A model addressed in URLs by a UUID, never by its integer id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


def localized(ja: str, en: str) -> str:
    """Of a Japanese and an English text, the one in the active language (else the other)."""
    if (get_language() or "ja").startswith("en"):
        return en or ja
    return ja or en


class BilingualNameMixin:
    """``name`` in the active language, falling back to the other one."""

    def localized_name(self) -> str:
        return localized(self.name_ja, self.name_en)

    @property
    def name(self) -> str:
        return self.localized_name()

    def __str__(self) -> str:
        return self.localized_name()


class InstitutionCategoryManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class InstitutionCategory(BilingualNameMixin, models.Model):
    """Institution categories used to aggregate the follow-up survey (editable list)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = InstitutionCategoryManager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("institution category")
        verbose_name_plural = _("institution categories")

    def natural_key(self):
        return (self.code,)


class Institution(BilingualNameMixin, PublicModel):
    code = models.CharField(
        _("institution code"), max_length=20, unique=True,
        help_text=_("MEXT school code or another stable code."),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.ForeignKey(
        InstitutionCategory, on_delete=models.PROTECT, related_name="institutions",
        verbose_name=_("category"),
    )
    is_home = models.BooleanField(
        _("home institution"), default=False,
        help_text=_("The institution whose researchers use this deployment."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"], condition=Q(is_home=True), name="one_home_institution"
            )
        ]

    @classmethod
    def home(cls) -> Institution | None:
        return cls.objects.filter(is_home=True).select_related("category").first()


class Department(BilingualNameMixin, PublicModel):
    """A 部局 in the home institution's tree."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="departments",
        verbose_name=_("institution"),
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent department"),
    )
    code = models.CharField(_("department code"), max_length=40)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="unique_department_code"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="department_not_own_parent"
            ),
        ]

    def ancestors(self) -> list[Department]:
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address.

    Deliberately holds no nationality, race, religion or birthplace: nothing in the portal may
    use who a person is as a risk factor.
    """

    username = None
    first_name = None
    last_name = None
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name_en = models.CharField(_("family name (romanised)"), max_length=100, blank=True)
    given_name_en = models.CharField(_("given name (romanised)"), max_length=100, blank=True)
    employee_number = models.CharField(
        _("staff number"), max_length=40, blank=True, db_index=True
    )
    researcher_number = models.CharField(
        _("researcher number (e-Rad)"), max_length=20, blank=True, db_index=True
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        verbose_name=_("department"),
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="ja"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        ordering = ["family_name", "given_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "ja").startswith("en") and (self.family_name_en or self.given_name_en):
            return f"{self.given_name_en} {self.family_name_en}".strip()
        name = f"{self.family_name} {self.given_name}".strip()
        return name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.family_name or self.email

    @property
    def role_codes(self) -> set[str]:
        """Role codes held by this user, cached on the instance."""
        cache = getattr(self, "_role_codes", None)
        if cache is None:
            cache = {a.role for a in self.role_assignments.all()}
            self._role_codes = cache
        return cache


class Role(models.TextChoices):
    RESEARCHER = "researcher", _("Researcher")
    DEPT_REVIEWER = "dept_reviewer", _("Department reviewer")
    OFFICE_STAFF = "office_staff", _("Research-office staff")
    ADMIN = "admin", _("Administrator")


class RoleAssignment(TimeStampedModel):
    """A role held by a user; a department reviewer's role is scoped to one department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE,
        related_name="role_assignments", verbose_name=_("department scope"),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department"], name="unique_role_assignment"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(department__isnull=True),
                name="unique_unscoped_role_assignment",
            ),
            models.CheckConstraint(
                condition=Q(role="dept_reviewer", department__isnull=False)
                | ~Q(role="dept_reviewer"),
                name="reviewer_role_needs_department",
            ),
        ]

    def __str__(self) -> str:
        if self.department_id:
            return f"{self.get_role_display()} ({self.department})"
        return str(self.get_role_display())


class OrganisationKind(models.TextChoices):
    UNIVERSITY = "university", _("University / research institute")
    COMPANY = "company", _("Company")
    GOVERNMENT = "government", _("Government or public body")
    FUNDER = "funder", _("Funding agency / foundation")
    NONPROFIT = "nonprofit", _("Non-profit organisation")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


class Organisation(BilingualNameMixin, PublicModel):
    """One entity in the shared organisation registry (employers, funders, counterparts).

    Disclosures, screening and review all point here so that they talk about the same entity.
    ``successor`` links a merged or renamed organisation to the one that continues it (e.g.
    東京工業大学 → 東京科学大学), so that old names resolve to one entity.
    """

    name_ja = models.CharField(_("name (Japanese)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    country = CountryField(_("country/region"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    ror_id = models.CharField(_("ROR ID"), max_length=40, blank=True, db_index=True)
    website = models.URLField(_("website"), blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors",
        verbose_name=_("successor organisation"),
    )
    is_verified = models.BooleanField(
        _("verified"), default=False,
        help_text=_("Checked by the research office or imported from a trusted registry."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name_en", "name_ja"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_ja="") | ~Q(name_en=""), name="organisation_has_a_name"
            ),
            models.UniqueConstraint(
                fields=["ror_id"], condition=~Q(ror_id=""), name="unique_organisation_ror_id"
            ),
        ]

    @property
    def is_foreign(self) -> bool:
        return bool(self.country) and self.country.code != "JP"

    def all_names(self) -> list[str]:
        names = [n for n in (self.name_ja, self.name_en) if n]
        names += [a.name for a in self.aliases.all()]
        return names


class OrganisationAlias(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("alias"), max_length=300)
    normalized = models.CharField(max_length=300, db_index=True, editable=False)
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("organisation alias")
        verbose_name_plural = _("organisation aliases")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_alias_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


class AuditEntry(models.Model):
    """Append-only record of a change (pretix ``LogEntry``).

    ``action`` is a dotted code (``disclosures.disclosure.submitted``); ``data`` holds details
    with secrets masked, including ``before``/``after`` where a service changed fields.
    """

    class ActorKind(models.TextChoices):
        USER = "user", _("User")
        SYSTEM = "system", _("System")
        TASK = "task", _("Background task")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("actor"),
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    # Who the actor was when the entry was written: kept when the user is deleted (the FK is
    # then NULL), so the history of who read or changed a record never loses a person.
    actor_name = models.CharField(_("actor's name"), max_length=200, blank=True)
    actor_email = models.CharField(_("actor's e-mail"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=120, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")

    @property
    def actor_label(self) -> str:
        """The actor as a person reads it: the user's name now, else the name kept on the
        entry (a deleted user), else the kind (system, background task)."""
        if self.actor_id is not None and self.actor is not None:
            return self.actor.display_name
        if self.actor_name or self.actor_email:
            return self.actor_name or self.actor_email
        return str(self.get_actor_kind_display())

    @property
    def actor_address(self) -> str:
        if self.actor_id is not None and self.actor is not None:
            return self.actor.email
        return self.actor_email or str(self.get_actor_kind_display())


class GeneratedFile(PublicModel):
    """A file built by a background export, downloadable by its owner until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generated_files",
        verbose_name=_("requested by"),
    )
    exporter = models.CharField(_("export"), max_length=100)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    file = models.FileField(storage=private_storage, upload_to="generated/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    mimetype = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # The language the requester was reading when they asked: the worker builds the file (its
    # words, sheet titles and file name) in it, not in the worker's default.
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generated file")
        verbose_name_plural = _("generated files")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_at_most_100")
        ]

    def __str__(self) -> str:
        return self.filename or self.title or self.exporter

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at < timezone.now()


class ImportUpload(PublicModel):
    """An uploaded file (or files) on its way through the one import pipeline.

    upload → stored privately → checked in the background → confirmed → applied in one
    transaction (see :mod:`portal.imports`). The state lives here, not in a file or a session.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked: waiting for confirmation")
        INVALID = "invalid", _("Not importable")
        APPLYING = "applying", _("Being imported")
        APPLIED = "applied", pgettext_lazy("import status", "Imported")
        FAILED = "failed", _("Interrupted")
        DISCARDED = "discarded", _("Discarded")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="import_uploads", verbose_name=_("uploaded by"))
    kind = models.CharField(_("import"), max_length=60)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.CHECKING)
    step = models.CharField(max_length=10, default="check")  # the step that ran last
    params = models.JSONField(default=dict, blank=True)
    files = models.JSONField(default=list, blank=True)  # [{role, name, path, sha256, size}]
    report = models.JSONField(default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import upload")
        verbose_name_plural = _("import uploads")
        indexes = [models.Index(fields=["expires_at"], name="importupload_expires")]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.CHECKING, self.Status.APPLYING}

    @property
    def is_expired(self) -> bool:
        return self.expires_at < timezone.now()
