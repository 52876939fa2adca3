"""Awareness: training records, self-assessment checklists and the case library (事例集).

The follow-up survey's Q1 (関係者に適切な理解を促す取組) reads its evidence here:

* :class:`AwarenessActivity` — one training, seminar, e-learning course or circulated notice,
  with its date (and so its fiscal year), audience, materials and participant count;
* :class:`Attendance` — one person's attendance or completion of an activity, imported from a
  roster file, marked by the office, or self-recorded after an e-learning course (with a quiz).

Checklists are versioned: a :class:`Checklist` has :class:`ChecklistVersion` rows; editing a
published version creates a new draft version, and a :class:`ChecklistResponse` keeps pointing
at the version it answered. Case studies (:class:`CaseStudy`) are tagged by :class:`RiskType`
and searched through ``search_text``, an NFKC-normalised copy of their text fields.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from followup.awareness.uploads import material_storage
from portal.fiscal import fiscal_year_of
from portal.models import BilingualNameMixin, Department, PublicModel, TimeStampedModel
from riskmgmt.models import Concern


def normalize_for_search(value: str) -> str:
    """NFKC + casefold, whitespace collapsed: full-/half-width and case fold together."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return " ".join(text.split())


# --- Awareness activities (Q1 evidence) --------------------------------------------------------


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("Training")
    SEMINAR = "seminar", _("Seminar / briefing")
    ELEARNING = "elearning", _("E-learning")
    NOTICE = "notice", _("Circulated notice")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Researchers and staff")
    RESEARCHERS = "researchers", _("All researchers")
    STAFF = "staff", _("Staff")
    DEPARTMENTS = "departments", _("Selected departments")


class AwarenessActivity(PublicModel):
    """A training, seminar, e-learning course or circulated notice (Q1 evidence)."""

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), help_text=_("The day it was held, opened or circulated."))
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), editable=False, db_index=True,
        help_text=_("Derived from the date (April–March)."),
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.RESEARCHERS
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="awareness_activities",
        verbose_name=_("departments"),
        help_text=_("For the audience 'Selected departments': these and the departments below."),
    )
    description = models.TextField(_("description"), blank=True)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    participants_count = models.PositiveIntegerField(
        _("number of participants"), null=True, blank=True,
        help_text=_("Head count when it is known without a list (e.g. a seminar); "
                    "otherwise the recorded attendance is counted."),
    )
    is_required = models.BooleanField(
        _("required"), default=False,
        help_text=_("Everyone in the audience must attend or complete it."),
    )
    due_date = models.DateField(_("complete by"), null=True, blank=True)
    self_completion = models.BooleanField(
        _("participants record completion themselves"), default=False,
        help_text=_("For e-learning: researchers record their own completion "
                    "(after passing the quiz, when one is attached)."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80,
        help_text=_("Share of quiz questions to answer correctly to complete."),
    )
    url = models.URLField(_("course URL"), blank=True)
    case_studies = models.ManyToManyField(
        "awareness.CaseStudy", blank=True, related_name="activities",
        verbose_name=_("case studies"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("awareness activity")
        verbose_name_plural = _("awareness activities")
        indexes = [models.Index(fields=["fiscal_year", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="awareness_pass_mark_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def clean(self):
        if self.date:
            self.fiscal_year = fiscal_year_of(self.date)


class ActivityMaterial(TimeStampedModel):
    """A handout, slide deck or notice attached to an activity (PDF or image, private storage)."""

    activity = models.ForeignKey(
        AwarenessActivity, on_delete=models.CASCADE, related_name="materials",
        verbose_name=_("activity"),
    )
    file = models.FileField(_("file"), storage=material_storage, upload_to="awareness/materials/%Y/")
    filename = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.filename


class QuizQuestion(models.Model):
    """A question of the short quiz attached to an e-learning activity."""

    activity = models.ForeignKey(
        AwarenessActivity, on_delete=models.CASCADE, related_name="quiz_questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("question text"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")

    def __str__(self) -> str:
        return self.text[:80]


class QuizChoice(models.Model):
    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("choice"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("quiz choice")
        verbose_name_plural = _("quiz choices")

    def __str__(self) -> str:
        return self.text


class AttendanceSource(models.TextChoices):
    IMPORT = "import", _("Imported from a file")
    MARKED = "marked", _("Marked by the office")
    SELF = "self", _("Self-recorded")


class Attendance(TimeStampedModel):
    """One person's attendance at (or completion of) an awareness activity."""

    SCOPE_OWNER_FIELD = "user"
    SCOPE_DEPARTMENT_FIELD = "user__department"

    activity = models.ForeignKey(
        AwarenessActivity, on_delete=models.CASCADE, related_name="attendances",
        verbose_name=_("activity"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="awareness_attendances",
        verbose_name=_("person"),
    )
    attended = models.BooleanField(_("attended / completed"), default=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    source = models.CharField(_("how recorded"), max_length=10, choices=AttendanceSource.choices)
    quiz_score = models.PositiveSmallIntegerField(_("quiz score (%)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-completed_at", "-id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="awareness_one_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.activity}"

    @property
    def scope_owner_id(self):
        return self.user_id

    @property
    def scope_department_id(self):
        return self.user.department_id if self.user_id else None


# --- Checklists ---------------------------------------------------------------------------------


class ChecklistTarget(models.TextChoices):
    RESEARCHER = "researcher", _("For researchers")
    INSTITUTION = "institution", _("For the institution")


class ChecklistCategory(models.TextChoices):
    FOREIGN_CONTRACTS = "foreign_contracts", _("Contracts with foreign organisations")
    SIDE_JOBS = "side_jobs", _("Side jobs and other affiliations")
    FUNDING = "funding", _("Research funding and support")
    DISCLOSURE = "disclosure", _("Disclosure and reporting")
    TECH_LEAKAGE = "tech_leakage", _("Prevention of technology leakage")
    EXPORT_CONTROL = "export_control", _("Export control")
    ORGANISATION = "organisation", _("Organisation and rules")
    OTHER = "other", _("Other")


class ChecklistManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Checklist(PublicModel):
    """A self-assessment checklist; its questions live in versions."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    target = models.CharField(_("for"), max_length=20, choices=ChecklistTarget.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ChecklistManager()

    class Meta:
        ordering = ["target", "title"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.title

    def natural_key(self):
        return (self.code,)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Superseded")


class ChecklistVersion(TimeStampedModel):
    """One version of a checklist's questions. Published versions are never edited in place."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        ordering = ["checklist", "-number"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "number"], name="awareness_version_number"),
            models.UniqueConstraint(
                fields=["checklist"], condition=Q(status="published"),
                name="awareness_one_published_version",
            ),
            models.UniqueConstraint(
                fields=["checklist"], condition=Q(status="draft"),
                name="awareness_one_draft_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checklist} v{self.number}"


class AnswerKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / No")
    YES_NO_NA = "yes_no_na", _("Yes / No / Not applicable")
    TEXT = "text", _("Free text")


class ChecklistItem(models.Model):
    """One question of a checklist version. ``key`` stays the same across versions."""

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(_("key"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=30, choices=ChecklistCategory.choices)
    text = models.TextField(_("question text"))
    help_text = models.TextField(_("guidance"), blank=True)
    answer_kind = models.CharField(
        _("answer"), max_length=20, choices=AnswerKind.choices, default=AnswerKind.YES_NO
    )
    risk_answer = models.CharField(
        _("answer that signals a risk"), max_length=10, blank=True,
        choices=[("yes", _("Yes")), ("no", _("No"))],
    )
    opens_case = models.BooleanField(
        _("opens a risk case"), default=False,
        help_text=_("A researcher's risk answer opens (or joins) a case in risk management."),
    )
    risk_concern = models.CharField(
        _("concern of the case"), max_length=40, blank=True, choices=Concern.choices,
        help_text=_("What the risk case is about (one open case per researcher and concern)."),
    )

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="awareness_item_key"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def signals_risk(self, value: str) -> bool:
        return bool(self.risk_answer) and value == self.risk_answer


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ChecklistResponse(PublicModel):
    """A filled checklist for one fiscal year: a researcher's own, or the institution's."""

    SCOPE_OWNER_FIELD = "respondent"
    SCOPE_DEPARTMENT_FIELD = "respondent__department"

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="responses",
        verbose_name=_("version answered"),
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), db_index=True)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="checklist_responses", verbose_name=_("researcher"),
        help_text=_("Empty for the institution's own checklist."),
    )
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("filled in by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year", "-submitted_at", "-id"]
        verbose_name = _("checklist response")
        verbose_name_plural = _("checklist responses")
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "respondent", "fiscal_year"],
                condition=Q(respondent__isnull=False), name="awareness_one_response_per_year",
            ),
            models.UniqueConstraint(
                fields=["checklist", "fiscal_year"], condition=Q(respondent__isnull=True),
                name="awareness_one_institution_response_per_year",
            ),
        ]

    def __str__(self) -> str:
        who = self.respondent if self.respondent_id else _("Institution")
        return f"{self.checklist} {self.fiscal_year} — {who}"

    @property
    def scope_owner_id(self):
        return self.respondent_id

    @property
    def scope_department_id(self):
        return self.respondent.department_id if self.respondent_id else None


ANSWER_VALUES = [("yes", _("Yes")), ("no", _("No")), ("na", _("Not applicable"))]


class ChecklistAnswer(models.Model):
    #: A risk flag raised by an answer carries the answer in its reason: only those who may
    #: read checklist answers (the research office) see it on a case (riskmgmt.selectors).
    flag_reason_permission = "awareness.checklist.view_responses"

    response = models.ForeignKey(ChecklistResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(_("answer"), max_length=10, blank=True, choices=ANSWER_VALUES)
    comment = models.TextField(_("comment"), blank=True)
    signals_risk = models.BooleanField(_("signals a risk"), default=False)
    # The risk case this answer opened or joined (riskmgmt), kept generic so that the
    # checklist does not depend on how risk management stores its cases.
    case_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_object_id = models.CharField(max_length=64, blank=True, default="")
    case = GenericForeignKey("case_content_type", "case_object_id")

    class Meta:
        ordering = ["item__order", "id"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="awareness_one_answer"),
        ]

    def __str__(self) -> str:
        answer = self.get_value_display() if self.value else self.comment[:60]
        return f"{self.item.text[:80]} — {answer}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("awareness:response_detail", args=[self.response.public_id])


# --- Case library (事例集) ---------------------------------------------------------------------


class RiskTypeManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class RiskType(BilingualNameMixin, models.Model):
    """A tag for case studies: the kind of new risk a case illustrates."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = RiskTypeManager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("risk type")
        verbose_name_plural = _("risk types")

    def __str__(self) -> str:
        return self.localized_name()

    def natural_key(self):
        return (self.code,)


class CaseStudyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class CaseStudy(PublicModel):
    """A case of a new risk written for training: what happened and what was learnt."""

    SEARCH_FIELDS = ("title", "summary", "scenario", "warning_signs", "institution_response",
                     "lessons", "related_rules")

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    scenario = models.TextField(_("scenario"))
    warning_signs = models.TextField(_("warning signs"), blank=True)
    institution_response = models.TextField(_("what the institution did"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    related_rules = models.TextField(_("related rules and measures"), blank=True)
    risk_types = models.ManyToManyField(
        RiskType, blank=True, related_name="case_studies", verbose_name=_("risk types")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStudyStatus.choices, default=CaseStudyStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("author"),
    )
    related_measures = models.ManyToManyField(
        "riskmgmt.MitigationMeasure", blank=True, related_name="case_studies",
        verbose_name=_("related mitigation measures"),
        help_text=_("Mitigation measures in risk management that this case illustrates."),
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")

    def __str__(self) -> str:
        return self.title

    def build_search_text(self) -> str:
        return normalize_for_search("\n".join(getattr(self, f) or "" for f in self.SEARCH_FIELDS))



@receiver(pre_save, sender=AwarenessActivity)
def _derive_fiscal_year(sender, instance, **kwargs):
    """The fiscal year follows the date (also for fixtures, which load with raw saves)."""
    if instance.date:
        instance.fiscal_year = fiscal_year_of(instance.date)


@receiver(pre_save, sender=CaseStudy)
def _derive_search_text(sender, instance, **kwargs):
    """Keep the normalised search copy in step (also for fixtures loaded with loaddata)."""
    instance.search_text = instance.build_search_text()


@receiver(pre_save)
def _fixtures_never_overwrite(sender, instance, raw=False, **kwargs):
    """Reference fixtures create rows once; loading them again changes nothing.

    Staff may edit the shipped checklist and cases (publishing a new checklist version retires
    the shipped one): a later ``loaddata`` keeps the rows as they are now.
    """
    if not raw or sender not in _FIXTURE_MODELS or instance.pk is None:
        return
    existing = sender._default_manager.filter(pk=instance.pk).first()
    if existing is None:
        return
    for f in sender._meta.concrete_fields:
        setattr(instance, f.attname, getattr(existing, f.attname))


_FIXTURE_MODELS = {RiskType, Checklist, ChecklistVersion, ChecklistItem, CaseStudy}
