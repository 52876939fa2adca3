"""Risk management: flagging rules, screening lists, flags, cases and their plans, the register,
funding-agency inquiries.

Nothing here describes a person: rules read organisations, their countries, money, roles,
contracts and dates. A rule's parameters are validated against its rule type's declared schema
(:mod:`riskmgmt.rules`), which has no way to name nationality, race, religion or birthplace.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from portal.models import Organisation, PublicModel, TimeStampedModel
from portal.storage import private_storage


class Concern(models.TextChoices):
    """What a case is about; one open case per researcher and concern."""

    FOREIGN_SUPPORT = "foreign_support", _("Foreign funding or in-kind support")
    TALENT_PROGRAMME = "talent_programme", _("Talent or host programme")
    SCREENING_MATCH = "screening_match", _("Screening list match")
    UNDECLARED_FUNDING = "undeclared_funding", _("Funding not declared in applications")
    EFFORT = "effort", _("Total effort over the threshold")
    CONTRACT_CLAUSES = "contract_clauses", _("Contract clauses of concern")
    SPECIFIED_CATEGORY = "specified_category", _("Specified-category relationship")
    SUBSTANTIVE_CHANGE = "substantive_change", _("Substantive change")
    RECORD_DISCREPANCY = "record_discrepancy", _("Discrepancy with external records")
    AWARENESS = "awareness", _("Checklist answer")
    OTHER = "other", _("Other")


# --- Rules -----------------------------------------------------------------------------------


class Rule(TimeStampedModel):
    """One configured instance of a built-in rule type (see :mod:`riskmgmt.rules`).

    ``params`` may only hold the keys the rule type declares; ``full_clean`` rejects anything
    else. There is deliberately no field about people.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    rule_type = models.CharField(_("rule type"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    concern = models.CharField(_("concern"), max_length=30, choices=Concern.choices)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("flagging rule")
        verbose_name_plural = _("flagging rules")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (built-in names are stored in English msgids)."""
        from django.utils.translation import gettext

        return gettext(self.name) if self.name else ""

    @property
    def description_label(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.description) if self.description else ""

    def clean(self):
        from riskmgmt.rules import validate_params

        self.params = validate_params(self.rule_type, self.params)


class RuleChange(models.Model):
    """The history of a rule's switch and parameters (who, when, before → after)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")

    def __str__(self) -> str:
        return f"{self.rule_id} {self.changed_at:%Y-%m-%d %H:%M}"


# --- Screening lists -------------------------------------------------------------------------


class ListFormat(models.TextChoices):
    METI = "meti", _("METI End User List (Excel)")
    CSL = "csl", _("US Consolidated Screening List (CSV)")
    CSL_JSON = "csl_json", _("US Consolidated Screening List (JSON)")
    FTM = "ftm", _("OpenSanctions entities (FollowTheMoney JSON lines)")
    GENERIC = "generic", _("Generic CSV (name, aliases, country, source, note)")


class ListKind(models.TextChoices):
    """What being on a list means; shown on every hit (page, check, flags, exports)."""

    EXPORT_CONTROL = "export_control", _("Export control")
    NAMED_RESEARCH_ORGANISATION = "named_research_org", _("Named research organisation")
    MILITARY_END_USER = "military_end_user", _("Military end user")
    SANCTIONS = "sanctions", _("Sanctions")
    OTHER = "other", _("Other")


# The kind a new list of each format gets unless one is chosen.
DEFAULT_KIND = {"meti": ListKind.EXPORT_CONTROL, "csl": ListKind.EXPORT_CONTROL,
                "csl_json": ListKind.EXPORT_CONTROL, "ftm": ListKind.SANCTIONS,
                "generic": ListKind.OTHER}


class ScreeningList(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    format = models.CharField(_("format"), max_length=10, choices=ListFormat.choices)
    kind = models.CharField(_("kind of list"), max_length=20, choices=ListKind.choices,
                            default=ListKind.OTHER)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("screening list")
        verbose_name_plural = _("screening lists")

    def __str__(self) -> str:
        return self.name

    @property
    def current_release(self):
        return self.releases.filter(is_current=True).first()


class ScreeningListRelease(PublicModel):
    """One imported version of a list; only the current release is screened against."""

    screening_list = models.ForeignKey(ScreeningList, on_delete=models.CASCADE,
                                       related_name="releases", verbose_name=_("list"))
    number = models.PositiveIntegerField(_("release number"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    source_filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("imported by"))
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["screening_list", "-number"]
        verbose_name = _("screening list release")
        verbose_name_plural = _("screening list releases")
        constraints = [
            models.UniqueConstraint(fields=["screening_list", "number"], name="unique_release_number"),
            models.UniqueConstraint(fields=["screening_list"], condition=Q(is_current=True),
                                    name="one_current_release_per_list"),
        ]

    def __str__(self) -> str:
        return f"{self.screening_list} #{self.number}"


class ScreeningEntry(models.Model):
    """One listed entity of a release. ``entry_key`` identifies it across releases;
    ``fingerprint`` changes whenever what the list says about it changes."""

    release = models.ForeignKey(ScreeningListRelease, on_delete=models.CASCADE,
                                related_name="entries")
    entry_key = models.CharField(max_length=64, db_index=True)
    fingerprint = models.CharField(max_length=64)
    source_row = models.PositiveIntegerField(_("row"), default=0)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=500)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    keys = models.JSONField(default=list, blank=True, editable=False)
    country = CountryField(_("country/region"), blank=True)
    country_label = models.CharField(_("country/region as listed"), max_length=200, blank=True)
    concerns = models.JSONField(_("type of concern"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["release", "source_row"]
        verbose_name = _("screening list entry")
        verbose_name_plural = _("screening list entries")

    def __str__(self) -> str:
        return self.name

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


class ScreeningRun(PublicModel):
    """One screening pass (a new release over the registry, or one disclosure's organisations)."""

    class Kind(models.TextChoices):
        REGISTRY = "registry", _("Registry re-screening")
        DISCLOSURE = "disclosure", _("Disclosure screening")
        ADHOC = "adhoc", _("Ad-hoc check")
        OUTPUTS = "outputs", _("Co-author screening")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("screening run status", "Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        FULL = "full", _("Full pass")
        INCREMENTAL = "incremental", _("Changes only")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    release = models.ForeignKey(ScreeningListRelease, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="runs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    names_checked = models.PositiveIntegerField(_("names checked"), default=0)
    new_hits = models.PositiveIntegerField(_("new hits"), default=0)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    message = models.CharField(max_length=300, blank=True)
    # Registry runs: how the pass was made, so that the next one can build on it.
    mode = models.CharField(_("pass"), max_length=12, choices=Mode.choices, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    matcher_version = models.CharField(max_length=32, blank=True, editable=False)
    baseline = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("built on"))
    # Co-author runs: the highest contributor id the run screened (contributor rows are never
    # edited, so a later run compares only the newer ones against every entry).
    watermark = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RegistrySnapshot(models.Model):
    """What a registry run saw of each organisation: a 64-bit digest of its names per
    organisation id, packed by :mod:`riskmgmt.services`. Only the latest successful run of a list
    keeps one; the next run compares against it to find the organisations changed since.
    Apart from :class:`ScreeningRun` so that listing runs never loads it."""

    run = models.OneToOneField(ScreeningRun, on_delete=models.CASCADE,
                               related_name="registry_snapshot")
    organisations = models.PositiveIntegerField(default=0)
    digests = models.BinaryField()

    class Meta:
        verbose_name = _("registry snapshot")
        verbose_name_plural = _("registry snapshots")

    def __str__(self) -> str:
        return f"{self.run} ({self.organisations})"


class ScreeningHit(PublicModel):
    """A name (of a registry organisation) that matched a list entry, with score and why."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        CONFIRMED = "confirmed", _("Confirmed")
        CLEARED = "cleared", _("Cleared as false positive")

    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="screening_hits", verbose_name=_("organisation"))
    # A hit of a co-author's / co-inventor's affiliation on a publication or patent.
    contributor = models.ForeignKey("disclosures.OutputContributor", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="screening_hits",
                                    verbose_name=_("co-author or co-inventor"))
    query_name = models.CharField(_("name checked"), max_length=500)
    entry = models.ForeignKey(ScreeningEntry, on_delete=models.CASCADE, related_name="hits",
                              verbose_name=_("list entry"))
    entry_key = models.CharField(max_length=64, db_index=True)
    entry_fingerprint = models.CharField(max_length=64)
    matched_name = models.CharField(_("matched name"), max_length=500)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    explanation = models.CharField(_("why it matched"), max_length=500)
    # The arguments of riskmgmt.matching.explain: the explanation is rendered in the reader's
    # language (``explanation_display``); ``explanation`` is the sentence written at screening
    # time (what older hits, with no parameters, show).
    explanation_params = models.JSONField(default=dict, blank=True, editable=False)
    # Which key matched which: {"query", "query_key", "query_steps", "matched", "matched_key",
    # "matched_steps", "score"} (riskmgmt.matching.Match.key_details).
    match_keys = models.JSONField(_("compared keys"), default=dict, blank=True, editable=False)
    run = models.ForeignKey(ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="hits")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")
        indexes = [models.Index(fields=["organisation", "entry_key"]),
                   models.Index(fields=["contributor", "entry_key"])]

    def __str__(self) -> str:
        return f"{self.query_name} ≈ {self.matched_name} ({self.score})"

    @property
    def explanation_display(self) -> str:
        """Why it matched, in the active language."""
        from riskmgmt.matching import explanation_display

        return explanation_display(self.explanation_params, self.explanation)

    def step_labels(self) -> dict:
        """The normalisation steps of each side, translated (for the hit page)."""
        from riskmgmt.matching import step_labels

        labels = step_labels()
        return {side: [labels.get(s, s) for s in self.match_keys.get(f"{side}_steps", [])]
                for side in ("query", "matched")}


class FalsePositiveClearance(models.Model):
    """"This organisation is not that entry": stays valid while the entry's fingerprint holds."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="screening_clearances")
    entry_key = models.CharField(max_length=64)
    entry_fingerprint = models.CharField(max_length=64)
    reason = models.TextField(_("reason"))
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    cleared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("false-positive clearance")
        verbose_name_plural = _("false-positive clearances")
        indexes = [models.Index(fields=["organisation", "entry_key"])]

    def __str__(self) -> str:
        return f"{self.organisation_id} ≠ {self.entry_key}"


# --- Cases -----------------------------------------------------------------------------------


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


def risk_level_for(likelihood: int, impact: int) -> str:
    """Likelihood × impact (1–5 each) → level: ≤4 low, ≤9 medium, ≤15 high, else critical."""
    score = int(likelihood) * int(impact)
    if score <= 4:
        return RiskLevel.LOW
    if score <= 9:
        return RiskLevel.MEDIUM
    if score <= 15:
        return RiskLevel.HIGH
    return RiskLevel.CRITICAL


class ScaleAxis(models.TextChoices):
    LIKELIHOOD = "likelihood", _("Likelihood")
    IMPACT = "impact", _("Impact")


class ScaleLevel(TimeStampedModel):
    """What one point of a 1–5 assessment scale means, as administrators word it (in both
    languages); a point without a row reads as the built-in wording
    (``riskmgmt.selectors.SCALE_DEFAULTS``)."""

    axis = models.CharField(_("scale"), max_length=12, choices=ScaleAxis.choices)
    value = models.PositiveSmallIntegerField(
        _("point"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    description_ja = models.CharField(_("description (Japanese)"), max_length=200, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["axis", "value"]
        verbose_name = _("assessment scale point")
        verbose_name_plural = _("assessment scale points")
        constraints = [models.UniqueConstraint(fields=["axis", "value"],
                                               name="one_description_per_scale_point")]

    def __str__(self) -> str:
        return f"{self.axis} {self.value}"


class Case(PublicModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("case status", "Open")
        ASSESSING = "assessing", _("Being assessed")
        MITIGATING = "mitigating", _("Mitigation in progress")
        MONITORING = "monitoring", _("Monitoring")
        CLOSED = "closed", pgettext_lazy("case status", "Closed")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        NO_ACTION = "no_action", _("No action")
        MITIGATE = "mitigate", _("Mitigate")
        ESCALATE = "escalate", _("Escalate")
        REFUSE = "refuse", _("Refuse")

    SCOPE_DEPARTMENT_FIELD = "department_id"
    SCOPE_OWNER_FIELD = "researcher_id"

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="risk_cases", verbose_name=_("researcher"))
    department = models.ForeignKey("portal.Department", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("department"))
    concern = models.CharField(_("concern"), max_length=30, choices=Concern.choices)
    title = models.CharField(_("title"), max_length=300)
    # A title made at opening as "concern — researcher" stores the researcher's name here and
    # reads in the reader's language (``title_display``); a title given by hand has none.
    title_params = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.OPEN, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_risk_cases",
                                 verbose_name=_("assignee"))
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices,
                                  blank=True, db_index=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), null=True, blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), null=True, blank=True)
    rationale = models.TextField(_("rationale of the current assessment"), blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices,
                                blank=True)
    decision_note = models.TextField(_("reasons for the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.TextField(_("reason for closing"), blank=True)
    flag_count = models.PositiveIntegerField(_("flags"), default=0)
    # The level as a number (0 unassessed … 4 critical), computed and stored by the database so
    # that the review queue sorts by it through an index instead of a CASE over every case.
    risk_rank = models.GeneratedField(
        expression=models.Case(
            *[models.When(risk_level=level, then=models.Value(rank))
              for rank, level in enumerate(RiskLevel.values, start=1)],
            default=models.Value(0), output_field=models.PositiveSmallIntegerField()),
        output_field=models.PositiveSmallIntegerField(), db_persist=True, editable=False)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["researcher", "concern"], condition=~Q(status="closed"),
                                    name="one_open_case_per_researcher_concern"),
        ]
        indexes = [
            models.Index(fields=["status", "-opened_at"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "risk_rank", "id"], name="riskmgmt_case_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @staticmethod
    def generated_title_params(researcher) -> dict:
        """``title_params`` of a title made as "concern — researcher": the researcher's name as
        each language writes it (read without a query for the researcher)."""
        from django.utils import translation

        names = {}
        for language in ("ja", "en"):
            with translation.override(language):
                names[language] = researcher.display_name
        return {"names": names}

    @property
    def title_display(self) -> str:
        """The title in the active language (the concern's label — the researcher's name)."""
        from django.utils.translation import get_language

        names = (self.title_params or {}).get("names")
        if not names:
            return self.title
        language = "en" if (get_language() or "ja").startswith("en") else "ja"
        return f"{self.get_concern_display()} — {names.get(language, '')}"[:300]

    @property
    def scope_department_id(self):
        return self.department_id

    @property
    def scope_owner_id(self):
        return self.researcher_id

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("riskmgmt:case_detail", args=[self.public_id])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def age_days(self) -> int:
        return (timezone.now() - self.opened_at).days


class FlagState(models.TextChoices):
    """What a carried-forward flag was in one disclosure version."""

    NEW = "new", pgettext_lazy("flag change", "New")
    UNCHANGED = "unchanged", _("Unchanged")
    CHANGED = "changed", _("Changed")
    RESOLVED = "resolved", _("Resolved")


class Flag(TimeStampedModel):
    """One rule firing (or one screening hit, or one checklist answer) that joined a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="flags", verbose_name=_("rule"))
    reason = models.TextField(_("reason"))
    # The reason as a key and parameters (riskmgmt.reasons), rendered in the reader's language
    # (``reason_display``); ``reason`` is the text written at evaluation time, which older
    # flags (no key) show and search and the audit trail quote.
    reason_key = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)
    version = models.ForeignKey("disclosures.DisclosureVersion", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="risk_flags",
                                verbose_name=_("disclosure version"))
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("source"), max_length=300, blank=True)
    item_labels = models.JSONField(_("items"), default=list, blank=True)
    hit = models.ForeignKey(ScreeningHit, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="flags")
    # A concern raised by a rule on a disclosure is one flag for as long as it persists:
    # ``concern_key`` names it ("disclosure:<id>:rule:<id>", plus ":org:<id>" for a screening
    # match), ``fingerprint`` is a digest of its reason's key and parameters (whatever the
    # language of the evaluation) and items (to tell "unchanged" from
    # "changed"), ``resolved_version`` the version in which it no longer fired. ``version`` is
    # the version that first raised it; :class:`FlagVersion` says what it was in each one.
    concern_key = models.CharField(max_length=120, blank=True, db_index=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    resolved_version = models.ForeignKey("disclosures.DisclosureVersion", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+",
                                         verbose_name=_("resolved in version"))
    # The latest :class:`FlagVersion` and the items' keys beside ``item_labels``, kept on the
    # flag so that the case page lists flags, states and item links in one query.
    last_version = models.ForeignKey("disclosures.DisclosureVersion", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("last evaluated version"))
    last_state = models.CharField(_("state"), max_length=10, choices=FlagState.choices,
                                  blank=True)
    item_keys = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return self.reason[:80]

    @property
    def reason_display(self) -> str:
        """Why the flag was raised, in the active language."""
        from riskmgmt.reasons import render_or

        return render_or(self.reason_key, self.reason_params, self.reason)

    @property
    def item_links(self) -> list[tuple[str, str]]:
        """(label, item key or "") of each item that raised the flag."""
        keys = list(self.item_keys or [])
        return [(label, keys[i] if i < len(keys) else "") for i, label in
                enumerate(self.item_labels or [])]


class FlagVersion(models.Model):
    """What a carried-forward flag was in one disclosure version: new, unchanged, changed or
    resolved (the concern no longer fired)."""

    State = FlagState

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="versions")
    version = models.ForeignKey("disclosures.DisclosureVersion", on_delete=models.CASCADE,
                                related_name="flag_states", verbose_name=_("disclosure version"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)

    class Meta:
        ordering = ["version_id"]
        verbose_name = _("flag in a version")
        verbose_name_plural = _("flags in versions")
        constraints = [models.UniqueConstraint(fields=["flag", "version"],
                                               name="one_flag_state_per_version")]

    def __str__(self) -> str:
        return f"{self.flag_id}@{self.version_id}: {self.state}"


class FlagItem(models.Model):
    """A disclosure item that triggered a flag (by its stable ``item_key``)."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="items")
    item_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    item_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("item_type", "item_id")
    item_key = models.UUIDField(null=True, blank=True, db_index=True)
    label = models.CharField(_("item"), max_length=300)

    class Meta:
        verbose_name = _("flagged item")
        verbose_name_plural = _("flagged items")

    def __str__(self) -> str:
        return self.label


class RiskAssessment(TimeStampedModel):
    """An assessment of a case; the newest is the case's current level (history kept)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    impact = models.PositiveSmallIntegerField(
        _("impact"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    rationale = models.TextField(_("rationale"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("assessed by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5),
                                   name="assessment_likelihood_1_5"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5),
                                   name="assessment_impact_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.likelihood}×{self.impact} {self.get_level_display()}"


class MeasureKind(models.TextChoices):
    """The catalogue of mitigation measures (DOMAIN.md §4)."""

    FACILITY_ACCESS = "facility_access", _("Facility access control")
    RESEARCH_LOCATION = "research_location", _("Research location / meeting participants")
    DATA_ACCESS = "data_access", _("Data-access restrictions")
    CYBER = "cyber", _("Cyber security")
    EXPORT_CONTROL = "export_control", _("Export-control classification and transaction review")
    CONTRACT = "contract", _("Contract renegotiation")
    EMPLOYMENT_TERMS = "employment_terms", _("Employment-contract terms")
    FUNDING_SEPARATION = "funding_separation", _("Separation of funding")
    FA_DISCLOSURE = "fa_disclosure", _("Disclosure to the funding agency")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class MitigationMeasure(TimeStampedModel):
    """One measure of a case's mitigation plan, one agreed with an FA for a project, or one of a
    project under due diligence (its checklist area and cost line:
    ``riskmgmt.duediligence.ProjectMeasure``)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("measure status", "Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="measures")
    inquiry = models.ForeignKey("FundingAgencyInquiry", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="measures")
    project = models.ForeignKey("duediligence.Project", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="measures",
                                verbose_name=_("project under due diligence"))
    kind = models.CharField(_("measure"), max_length=30, choices=MeasureKind.choices)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="mitigation_measures", verbose_name=_("owner"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PLANNED, db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("mitigation measure")
        verbose_name_plural = _("mitigation measures")
        constraints = [
            models.CheckConstraint(condition=Q(case__isnull=False) | Q(inquiry__isnull=False)
                                   | Q(project__isnull=False),
                                   name="measure_belongs_somewhere"),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # The register's overdue list: open measures in due-date order, read from the front.
            models.Index(fields=["due_date"], condition=Q(status__in=["planned", "in_progress"]),
                         name="riskmgmt_measure_open_due_idx"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_date < timezone.localdate()

    def get_absolute_url(self) -> str:
        """The page of the case (or inquiry) the measure belongs to."""
        target = self.case if self.case_id else (self.inquiry if self.inquiry_id else self.project)
        return target.get_absolute_url()


class ContingencyPlan(TimeStampedModel):
    """有事対応策: what the institution does if the risk materialises."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="contingency_plan")
    trigger = models.TextField(_("when it applies"))
    actions = models.TextField(_("what is done"))
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("responsible"))

    class Meta:
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")

    def __str__(self) -> str:
        return self.trigger[:80]


class MonitoringReview(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reviewed by"))
    note = models.TextField(_("findings"))
    next_review_date = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("monitoring review")
        verbose_name_plural = _("monitoring reviews")

    def __str__(self) -> str:
        return self.note[:80]


class InformationRequest(PublicModel):
    """A staff question to the researcher through a case, answered in the portal."""

    SCOPE_OWNER_FIELD = "researcher_id"
    SCOPE_DEPARTMENT_FIELD = "case__department_id"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="information_requests",
                                   verbose_name=_("researcher"))
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("asked by"))
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    due_date = models.DateField(_("answer by"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # The files sent with the answer ({"id": public_id, "name", "size"} each), written once
    # with it (an answer never changes): the case page and the thread list them without a
    # query of their own. :class:`RequestAttachment` rows hold the files.
    attachment_list = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["asked_at"]
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        indexes = [models.Index(fields=["researcher", "answered_at"])]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def scope_owner_id(self):
        return self.researcher_id

    @property
    def scope_department_id(self):
        return self.case.department_id

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def get_absolute_url(self) -> str:
        """The researcher's page where the question is answered."""
        from django.urls import reverse

        return reverse("riskmgmt:my_request_detail", args=[self.public_id])


# --- Funding-agency inquiries ----------------------------------------------------------------


def request_attachment_path(instance, filename):
    return f"riskmgmt/requests/{uuid.uuid4().hex}"


class RequestAttachment(PublicModel):
    """A file the researcher sent with an answer (a copy of a contract, an approval): checked by
    :func:`portal.uploads.check_upload`, stored privately, downloaded by the researcher and by
    staff who may see the case."""

    SCOPE_OWNER_FIELD = "request__researcher_id"
    SCOPE_DEPARTMENT_FIELD = "request__case__department_id"

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE,
                                related_name="attachments", verbose_name=_("question"))
    file = models.FileField(storage=private_storage, upload_to=request_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment to an answer")
        verbose_name_plural = _("attachments to answers")

    def __str__(self) -> str:
        return self.original_name


class FundingAgencyInquiry(PublicModel):
    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("inquiry status", "Received")
        IN_PROGRESS = "in_progress", _("In progress")
        RESPONDED = "responded", _("Responded")
        CLOSED = "closed", pgettext_lazy("inquiry status", "Closed")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    agency = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("funding agency"))
    agency_name = models.CharField(_("funding agency (as written)"), max_length=300, blank=True)
    programme = models.CharField(_("programme"), max_length=300)
    project_title = models.CharField(_("project"), max_length=300)
    project_number = models.CharField(_("project number"), max_length=60, blank=True)
    researchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                         verbose_name=_("researchers"))
    cases = models.ManyToManyField(Case, blank=True, related_name="inquiries",
                                   verbose_name=_("cases"))
    disclosures = models.ManyToManyField("disclosures.Disclosure", blank=True, related_name="+",
                                         verbose_name=_("disclosures"))
    question = models.TextField(_("question"))
    received_on = models.DateField(pgettext_lazy("inquiry", "received on"), default=dt.date.today)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.RECEIVED, db_index=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), null=True, blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices,
                                  blank=True)
    assessment = models.TextField(_("project-level assessment"), blank=True)
    response_text = models.TextField(_("response"), blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("handled by"))

    class Meta:
        ordering = ["deadline"]
        verbose_name = _("funding-agency inquiry")
        verbose_name_plural = _("funding-agency inquiries")

    def __str__(self) -> str:
        return f"{self.reference} {self.project_title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("riskmgmt:inquiry_detail", args=[self.public_id])

    @property
    def agency_label(self) -> str:
        return str(self.agency) if self.agency_id else self.agency_name

    @property
    def is_overdue(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.IN_PROGRESS) and \
            self.deadline < timezone.localdate()
