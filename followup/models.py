"""The annual follow-up survey (フォローアップ調査): cycles, question sets, answers, regulations.

Question sets are data (fixtures/followup_question_sets.json): each fiscal year's set holds the
seven questions and the five answer options, whose "planned" labels name that year and the next,
so a later year can change its wording without touching code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.fiscal import fiscal_year_label
from portal.models import Institution, PublicModel, TimeStampedModel
from portal.storage import private_storage


def _is_english() -> bool:
    return (get_language() or "ja").startswith("en")


# The survey's official name, as the ministry publishes it (DOMAIN.md §3).
SURVEY_NAME_JA = "研究インテグリティの確保に係る取組状況のフォローアップ調査"
SURVEY_NAME_EN = "Follow-up survey on the status of efforts to ensure research integrity"


def question_set_titles(fiscal_year: int) -> tuple[str, str]:
    """(Japanese, English) title of a fiscal year's survey, e.g. 令和6年度 研究インテグリティの…."""
    from portal.fiscal import reiwa_label, reiwa_number

    return (f"{reiwa_label(fiscal_year)} {SURVEY_NAME_JA}",
            f"FY{fiscal_year} (Reiwa {reiwa_number(fiscal_year)}) {SURVEY_NAME_EN}")


class CategoryGroupManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class CategoryGroup(models.Model):
    """A group of institution categories the ministry reports together (国公立大学等).

    Its members are data, editable by administrators: the ministry's material does not say
    exactly which categories 国公立大学等 covers (DOMAIN.md §3); the reference data ships
    national and public universities, inter-university research institute corporations and
    colleges of technology.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    categories = models.ManyToManyField("portal.InstitutionCategory", related_name="groups",
                                        verbose_name=_("institution categories"))

    objects = CategoryGroupManager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("institution category group")
        verbose_name_plural = _("institution category groups")

    def __str__(self) -> str:
        return (self.name_en or self.name_ja) if _is_english() else self.name_ja

    def natural_key(self):
        return (self.code,)


class QuestionSet(models.Model):
    """The questions and answer options of one fiscal year's survey (one version of them)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["-fiscal_year", "-version"]
        verbose_name = _("question set")
        verbose_name_plural = _("question sets")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "version"],
                                    name="unique_question_set_version"),
        ]

    def __str__(self) -> str:
        return f"{fiscal_year_label(self.fiscal_year)} v{self.version}"

    @property
    def title(self) -> str:
        return (self.title_en or self.title_ja) if _is_english() else self.title_ja


class Question(models.Model):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE,
                                     related_name="questions")
    number = models.PositiveSmallIntegerField(_("number"))
    text_ja = models.TextField(_("question (Japanese)"))
    text_en = models.TextField(_("question (English)"), blank=True)
    short_label_ja = models.CharField(_("short label (Japanese)"), max_length=200)
    short_label_en = models.CharField(_("short label (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["question_set", "number"]
        verbose_name = pgettext_lazy("survey", "question")
        verbose_name_plural = pgettext_lazy("survey", "questions")
        constraints = [
            models.UniqueConstraint(fields=["question_set", "number"],
                                    name="unique_question_number"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=20),
                                   name="question_number_range"),
        ]

    def __str__(self) -> str:
        return f"Q{self.number}"

    @property
    def code(self) -> str:
        return f"Q{self.number}"

    @property
    def text(self) -> str:
        return (self.text_en or self.text_ja) if _is_english() else self.text_ja

    @property
    def chart_label(self) -> str:
        """"Q1. …か。" as the ministry labels its charts."""
        return f"Q{self.number}. {self.short_label}"

    @property
    def short_label(self) -> str:
        return (self.short_label_en or self.short_label_ja) if _is_english() else self.short_label_ja


class AnswerOption(models.Model):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE,
                                     related_name="options")
    code = models.PositiveSmallIntegerField(_("code"))
    label_ja = models.CharField(_("label (Japanese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    done_by_year_end = models.BooleanField(
        _("done by the end of the year"), default=False,
        help_text=_("Counted in the share of institutions done by the end of the fiscal year."),
    )
    is_implemented = models.BooleanField(_("implemented"), default=False)

    class Meta:
        ordering = ["question_set", "code"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        constraints = [
            models.UniqueConstraint(fields=["question_set", "code"], name="unique_option_code"),
            models.CheckConstraint(condition=Q(code__gte=1, code__lte=9), name="option_code_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.label}"

    @property
    def label(self) -> str:
        return (self.label_en or self.label_ja) if _is_english() else self.label_ja


class SurveyCycle(TimeStampedModel):
    """One fiscal year's survey. Addressed by its fiscal year (not an id) in URLs."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("survey cycle", "Open")
        CLOSED = "closed", pgettext_lazy("survey cycle", "Closed")

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT,
                                     related_name="cycles", verbose_name=_("question set"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    due_on = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("survey cycle")
        verbose_name_plural = _("survey cycles")

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)


class SurveyResponse(PublicModel):
    """One institution's answers to one cycle, in one version.

    The home institution's response moves draft → approved (by an administrator) → locked; an
    amendment after locking creates a new version (with a reason) and the old one is kept.
    Other institutions' responses come from imports and are stored locked.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        LOCKED = "locked", _("Locked")

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered in the portal")
        IMPORTED = "imported", pgettext_lazy("answer source", "Imported")

    cycle = models.ForeignKey(SurveyCycle, on_delete=models.CASCADE, related_name="responses",
                              verbose_name=_("survey cycle"))
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="survey_responses",
                                    verbose_name=_("institution"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.ENTERED)
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "institution", "-version"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "institution", "version"],
                                    name="unique_response_version"),
            models.UniqueConstraint(fields=["cycle", "institution"], condition=Q(is_current=True),
                                    name="one_current_response"),
        ]
        indexes = [models.Index(fields=["cycle", "is_current"])]

    def __str__(self) -> str:
        return f"{self.institution} {self.cycle} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.is_current and self.status == self.Status.DRAFT


class RegulationDocument(PublicModel):
    """An uploaded regulation (規程) PDF — evidence for Q2 (COI/COC) and Q4 (risk management)."""

    class Kind(models.TextChoices):
        CONFLICT_OF_INTEREST = "coi", _("Conflict of interest / commitment regulation (Q2)")
        RISK_MANAGEMENT = "risk", _("Risk management regulation (Q4)")
        OTHER = "other", _("Other regulation")

    QUESTIONS = {"coi": (2,), "risk": (4,), "other": ()}

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    enacted_on = models.DateField(_("enacted on"))
    revised_on = models.DateField(_("last revised on"), null=True, blank=True)
    file = models.FileField(_("file"), storage=private_storage,
                            upload_to="followup/regulations/%Y/")
    original_filename = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("uploaded by"))

    class Meta:
        ordering = ["-enacted_on", "title"]
        verbose_name = _("regulation document")
        verbose_name_plural = _("regulation documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(revised_on__isnull=True) | Q(revised_on__gte=models.F("enacted_on")),
                name="regulation_revised_after_enacted",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def questions(self) -> tuple[int, ...]:
        return self.QUESTIONS.get(self.kind, ())

    @property
    def effective_date(self):
        return self.revised_on or self.enacted_on


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE,
                                 related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(AnswerOption, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="answers", verbose_name=_("answer"))
    note = models.TextField(pgettext_lazy("survey answer", "note"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    documents = models.ManyToManyField(RegulationDocument, blank=True, related_name="answers",
                                       verbose_name=_("regulation documents"))

    class Meta:
        ordering = ["response", "question__number"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="unique_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.option.code if self.option_id else '-'}"
