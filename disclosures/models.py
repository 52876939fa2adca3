"""What researchers disclose: the disclosure, its immutable versions and their items.

A researcher has one :class:`Disclosure`. Each filing is a :class:`DisclosureVersion`; once
submitted a version never changes (a return or a later update starts a new draft version that
copies the items, keeping each item's ``item_key`` so that versions can be compared item by
item). Items point to the shared organisation registry; ``country`` is always the country of
the organisation or activity, never of the person.

``DisclosureVersion.content`` is a denormalised rendering of the version's items (rebuilt by
the services after every change), so the disclosure page and the diff read one row.
"""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portal.models import Department, Organisation, PublicModel, TimeStampedModel
from portal.storage import private_storage

MONEY = {"max_digits": 16, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}

# What a researcher attests on submitting. The version keeps the wording they were shown (in
# their language); a page shows the portal's wording in the reader's language when the stored
# text is one of its translations (see DisclosureVersion.attestation_display).
ATTESTATION_TEXT = gettext_noop(
    "I attest that this disclosure is complete and true to the best of my knowledge, and I will "
    "update it without delay when anything in it changes."
)


@functools.cache
def _attestation_wordings(text: str) -> frozenset[str]:
    from django.utils import translation

    wordings = {text}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            wordings.add(translation.gettext(text))
    return frozenset(wordings)


@functools.lru_cache(maxsize=64)
def _choice_labels(choices: type[models.Choices], language: str | None) -> dict[str, str]:
    """``{value: label}`` of ``choices`` in ``language``, the active language."""
    return {value: str(label) for value, label in choices.choices}


class UpdateCampaign(PublicModel):
    """A fiscal year's annual update: every researcher confirms "no change" or updates."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("campaign status", "Open")
        CLOSED = "closed", pgettext_lazy("campaign status", "Closed")

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens on"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    message = models.TextField(_("message to researchers"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("update campaign")
        verbose_name_plural = _("update campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(due_date__gte=models.F("opens_on")),
                                   name="campaign_due_after_opening"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Disclosure(PublicModel):
    """A researcher's disclosure record (one per researcher)."""

    SCOPE_OWNER_FIELD = "owner"
    SCOPE_DEPARTMENT_FIELD = "department"

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="disclosure",
        verbose_name=_("researcher"),
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="disclosures", verbose_name=_("department"),
    )
    current_version = models.ForeignKey(
        "DisclosureVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("current version"),
    )
    last_accepted_version = models.ForeignKey(
        "DisclosureVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("last accepted version"),
    )

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")

    def __str__(self) -> str:
        return _("Disclosure of %(name)s") % {"name": self.owner.display_name}

    @property
    def scope_owner_id(self):
        return self.owner_id

    @property
    def scope_department_id(self):
        return self.department_id


class DisclosureVersion(PublicModel):
    """One filing of a disclosure. Immutable once submitted."""

    SCOPE_OWNER_FIELD = "disclosure__owner"
    SCOPE_DEPARTMENT_FIELD = "disclosure__department"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial disclosure")
        ANNUAL_UPDATE = "annual_update", _("Annual update")
        CHANGE = "change", _("Update after a change")
        NO_CHANGE = "no_change", _("No-change confirmation")

    EDITABLE = (Status.DRAFT,)
    PENDING_REVIEW = (Status.SUBMITTED, Status.UNDER_REVIEW)

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="versions",
                                   verbose_name=_("disclosure"))
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    campaign = models.ForeignKey(
        UpdateCampaign, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="versions", verbose_name=_("campaign"),
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("based on version"),
    )
    change_note = models.TextField(_("what changed"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    attested_at = models.DateTimeField(_("attested at"), null=True, blank=True)
    attestation_text = models.TextField(_("attestation"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("reviewer"),
    )
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)
    content = models.JSONField(_("content"), default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["disclosure", "-number"]
        verbose_name = _("disclosure version")
        verbose_name_plural = _("disclosure versions")
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "number"],
                                    name="unique_disclosure_version_number"),
            models.UniqueConstraint(fields=["disclosure"], condition=Q(status="draft"),
                                    name="one_draft_per_disclosure"),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The review queue's default view: what waits for review, oldest first. Its
            # count reads only this index (PostgreSQL: an index-only scan with the disclosure
            # to join to the reviewer's departments; SQLite ignores INCLUDE).
            models.Index(fields=["submitted_at", "id"], include=["disclosure"],
                         condition=Q(status__in=["submitted", "under_review"])
                         & ~Q(kind="no_change"),
                         name="version_waiting_review_idx"),
        ]

    def __str__(self) -> str:
        return _("Version %(number)s") % {"number": self.number}

    # Django's own get_FOO_display() builds a dict of the lazy choice labels on every call
    # (translating each of them); pages list a dozen versions or a page of 25.
    def get_status_display(self) -> str:
        return _choice_labels(self.Status, get_language()).get(self.status, self.status)

    def get_kind_display(self) -> str:
        return _choice_labels(self.Kind, get_language()).get(self.kind, self.kind)

    def attestation_display(self) -> str:
        """The attestation in the reader's language: the portal's wording, translated, when the
        stored text is that wording in any language; any other stored text as it was given."""
        if self.attestation_text in _attestation_wordings(ATTESTATION_TEXT):
            return gettext(ATTESTATION_TEXT)
        return self.attestation_text

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_pending_review(self) -> bool:
        return self.status in self.PENDING_REVIEW

    @property
    def scope_owner_id(self):
        return self.disclosure.owner_id

    @property
    def scope_department_id(self):
        return self.disclosure.department_id


# --- Items --------------------------------------------------------------------------------


class BaseItem(TimeStampedModel):
    """Fields shared by every section's items."""

    SCOPE_OWNER_FIELD = "version__disclosure__owner"
    SCOPE_DEPARTMENT_FIELD = "version__disclosure__department"

    item_key = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("organisation"),
    )
    country = CountryField(_("country/region of the organisation or activity"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    order = models.PositiveIntegerField(default=0)
    source_import_item = models.ForeignKey(
        "ExternalRecordItem", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["order", "start_date", "id"]

    @property
    def scope_owner_id(self):
        return self.version.disclosure.owner_id

    @property
    def scope_department_id(self):
        return self.version.disclosure.department_id


class CareerItem(BaseItem):
    """職歴・研究歴."""

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="career_items")
    department_name = models.CharField(_("department"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta(BaseItem.Meta):
        verbose_name = _("career item")
        verbose_name_plural = _("career and research history")


class RemunerationBand(models.TextChoices):
    NONE = "none", pgettext_lazy("remuneration", "None")
    UNDER_1M = "lt1m", _("Under ¥1 million a year")
    FROM_1M_TO_5M = "1m_5m", _("¥1–5 million a year")
    FROM_5M_TO_10M = "5m_10m", _("¥5–10 million a year")
    OVER_10M = "gt10m", _("Over ¥10 million a year")


class PositionItem(BaseItem):
    """兼業先・役職: affiliations, positions, side jobs, honorary titles, appointments abroad."""

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="position_items")
    role = models.CharField(_("role or title"), max_length=200)
    paid = models.BooleanField(_("paid"), default=False)
    remuneration_band = models.CharField(_("remuneration band"), max_length=10,
                                         choices=RemunerationBand.choices, blank=True)
    hours_per_month = models.DecimalField(_("hours per month"), max_digits=6, decimal_places=1,
                                          null=True, blank=True)
    effort_percent = models.DecimalField(_("effort (%)"), null=True, blank=True, **PERCENT)
    approved = models.BooleanField(_("approved by the institution (兼業許可)"), default=False)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    is_honorary = models.BooleanField(_("honorary title without employment contract"),
                                      default=False)
    is_abroad = models.BooleanField(_("appointment abroad"), default=False)

    class Meta(BaseItem.Meta):
        verbose_name = _("position")
        verbose_name_plural = _("affiliations, positions and side jobs")


class FundingItem(BaseItem):
    """外部からの研究資金 (applied for and received). ``organisation`` is the funder."""

    class Role(models.TextChoices):
        PI = "pi", _("Principal investigator")
        CO_I = "co_i", _("Co-investigator")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied for")
        RECEIVED = "received", pgettext_lazy("funding status", "Received")

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="funding_items")
    programme = models.CharField(_("programme"), max_length=300, blank=True)
    project_title = models.CharField(_("project title"), max_length=500, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PI)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.RECEIVED)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    effort_percent = models.DecimalField(_("effort (%)"), null=True, blank=True, **PERCENT)
    managed_by_institution = models.BooleanField(_("managed through the institution"),
                                                 default=True)
    under_confidentiality = models.BooleanField(_("under a confidentiality agreement"),
                                                default=False)
    declared_in_applications = models.BooleanField(_("declared in grant applications"),
                                                   default=False)

    class Meta(BaseItem.Meta):
        verbose_name = _("research funding")
        verbose_name_plural = _("external research funding")


class SupportItem(BaseItem):
    """研究資金以外の支援. ``organisation`` is the provider."""

    class Kind(models.TextChoices):
        EQUIPMENT = "equipment", _("Equipment")
        MATERIALS = "materials", pgettext_lazy("in-kind", "Materials")
        FACILITIES = "facilities", _("Facilities")
        PERSONNEL = "personnel", _("Personnel")
        DATA_SOFTWARE = "data_software", _("Data or software")

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="support_items")
    kind = models.CharField(_("kind of support"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=500)
    estimated_value = models.DecimalField(_("estimated value"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta(BaseItem.Meta):
        verbose_name = _("non-monetary support")
        verbose_name_plural = _("non-monetary support")


class ProgrammeItem(BaseItem):
    """人材登用プログラム・ホストプログラム. ``organisation`` is the host organisation."""

    class Kind(models.TextChoices):
        TALENT = "talent", _("Talent programme")
        HOST = "host", _("Host programme")

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="programme_items")
    programme_kind = models.CharField(_("type of programme"), max_length=10,
                                      choices=Kind.choices, default=Kind.TALENT)
    programme_name = models.CharField(_("programme"), max_length=300)
    obligations = models.TextField(_("obligations"), blank=True)

    class Meta(BaseItem.Meta):
        verbose_name = _("programme participation")
        verbose_name_plural = _("talent and host programmes")


class ContractItem(BaseItem):
    """Contracts and agreements with outside organisations. ``organisation``: counterpart."""

    class Type(models.TextChoices):
        JOINT_RESEARCH = "joint_research", _("Joint research")
        CONTRACT_RESEARCH = "contract_research", _("Contract research")
        MTA = "mta", _("Material transfer agreement (MTA)")
        MOU = "mou", _("Memorandum of understanding (MoU)")
        EMPLOYMENT = "employment", _("Employment")
        OTHER = "other", _("Other")

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="contract_items")
    contract_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    assigns_results_or_ip = models.BooleanField(
        _("assigns results or IP to the counterpart"), default=False)
    restricts_publication = models.BooleanField(
        _("restricts publication or demands non-disclosure"), default=False)
    exclusivity = models.BooleanField(_("exclusivity"), default=False)
    obligation_recruit_or_work_abroad = models.BooleanField(
        _("obliges to recruit or to work abroad"), default=False)

    class Meta(BaseItem.Meta):
        verbose_name = _("contract")
        verbose_name_plural = _("contracts and agreements")

    @property
    def has_clause_of_concern(self) -> bool:
        return any((self.assigns_results_or_ip, self.restricts_publication, self.exclusivity,
                    self.obligation_recruit_or_work_abroad))


class DonationItem(BaseItem):
    """寄附金 received for research. ``organisation`` is the donor."""

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="donation_items")
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    received_on = models.DateField(pgettext_lazy("funding", "received on"), null=True, blank=True)

    class Meta(BaseItem.Meta):
        verbose_name = _("donation")
        verbose_name_plural = _("donations")


class SpecifiedCategoryItem(BaseItem):
    """特定類型: relationships relevant to deemed-export control."""

    class Relationship(models.TextChoices):
        CONTRACT_CONTROL = "contract_control", _(
            "Under a contract with a foreign government or organisation (type 1)")
        ECONOMIC_CONTROL = "economic_control", _(
            "Receiving substantial economic benefit from a foreign government or organisation "
            "(type 2)")
        INSTRUCTIONS = "instructions", _(
            "Acting on the instructions of a foreign government (type 3)")

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="specified_items")
    relationship = models.CharField(_("relationship"), max_length=20,
                                    choices=Relationship.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta(BaseItem.Meta):
        verbose_name = _("specified-category relationship")
        verbose_name_plural = _("specified-category relationships (特定類型)")


ITEM_MODELS = (CareerItem, PositionItem, FundingItem, SupportItem, ProgrammeItem, ContractItem,
               DonationItem, SpecifiedCategoryItem)


# --- Comments, attachments, pledges -----------------------------------------------------------


class ItemComment(TimeStampedModel):
    """A reviewer's comment on one item (or on the whole version when ``item_key`` is null)."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal (staff only)")
        RESEARCHER = "researcher", _("To the researcher")

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="comments")
    section = models.CharField(_("section"), max_length=20, blank=True)
    item_key = models.UUIDField(null=True, blank=True, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("author"))
    visibility = models.CharField(_("visibility"), max_length=12, choices=Visibility.choices,
                                  default=Visibility.RESEARCHER)
    body = models.TextField(_("comment"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")


def attachment_path(instance, filename):
    return f"disclosures/attachments/{uuid.uuid4().hex}"


class Attachment(PublicModel):
    """A document attached to a version (contracts, approvals): PDF, PNG or JPEG."""

    SCOPE_OWNER_FIELD = "version__disclosure__owner"
    SCOPE_DEPARTMENT_FIELD = "version__disclosure__department"

    version = models.ForeignKey(DisclosureVersion, on_delete=models.CASCADE,
                                related_name="attachments")
    section = models.CharField(_("section"), max_length=20, blank=True)
    item_key = models.UUIDField(null=True, blank=True)
    file = models.FileField(storage=private_storage, upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(max_length=50)
    size = models.PositiveIntegerField(default=0)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def scope_owner_id(self):
        return self.version.disclosure.owner_id

    @property
    def scope_department_id(self):
        return self.version.disclosure.department_id


class GrantPledge(PublicModel):
    """The pledge (誓約) a researcher made in a grant application, with the version it drew on."""

    SCOPE_OWNER_FIELD = "disclosure__owner"
    SCOPE_DEPARTMENT_FIELD = "disclosure__department"

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="pledges")
    version = models.ForeignKey(DisclosureVersion, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("disclosure version used"))
    funder = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("funder"))
    funder_name = models.CharField(_("funder"), max_length=300, blank=True)
    programme = models.CharField(_("programme"), max_length=300)
    application_title = models.CharField(_("application title"), max_length=500, blank=True)
    pledged_on = models.DateField(_("pledged on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-pledged_on", "-id"]
        verbose_name = _("grant-application pledge")
        verbose_name_plural = _("grant-application pledges")

    def __str__(self) -> str:
        return f"{self.funder_label} / {self.programme} ({self.pledged_on})"

    @property
    def funder_label(self) -> str:
        return str(self.funder) if self.funder_id else self.funder_name


# --- Imports from researchmap / ORCID --------------------------------------------------------


class ExternalRecordImport(PublicModel):
    """One upload of a researcher's public record (researchmap or ORCID)."""

    SCOPE_OWNER_FIELD = "owner"
    SCOPE_DEPARTMENT_FIELD = "owner__department"

    class Source(models.TextChoices):
        RESEARCHMAP = "researchmap", _("researchmap")
        ORCID = "orcid", _("ORCID")

    class Format(models.TextChoices):
        RESEARCHMAP_JSONL = "researchmap_jsonl", _("researchmap bulk export (JSONL)")
        RESEARCHMAP_API = "researchmap_api", _("researchmap API v2 (JSON)")
        ORCID_JSON = "orcid_json", _("ORCID v3.0 (JSON)")
        ORCID_XML = "orcid_xml", _("ORCID v3.0 (XML)")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="external_record_imports",
                              verbose_name=_("researcher"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    external_id = models.CharField(_("researcher's ID at the source"), max_length=100,
                                   blank=True)
    item_count = models.PositiveIntegerField(_("items found"), default=0)
    skipped_count = models.PositiveIntegerField(_("entries not used"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("external record import")
        verbose_name_plural = _("external record imports")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.filename}"

    @property
    def scope_owner_id(self):
        return self.owner_id

    @property
    def scope_department_id(self):
        return self.owner.department_id


class ExternalRecordItem(TimeStampedModel):
    """One career, affiliation or funding entry found in an import: a suggestion."""

    SCOPE_OWNER_FIELD = "record_import__owner"
    SCOPE_DEPARTMENT_FIELD = "record_import__owner__department"

    class Kind(models.TextChoices):
        CAREER = "career", _("Career")
        AFFILIATION = "affiliation", _("Affiliation")
        FUNDING = "funding", _("Research project / funding")

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    record_import = models.ForeignKey(ExternalRecordImport, on_delete=models.CASCADE,
                                      related_name="items")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="external_record_items")
    source = models.CharField(_("source"), max_length=20,
                              choices=ExternalRecordImport.Source.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    external_key = models.CharField(max_length=200, blank=True)
    organisation_name = models.CharField(_("organisation (as given)"), max_length=500,
                                         blank=True)
    organisation_name_en = models.CharField(_("organisation in English (as given)"),
                                            max_length=500, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("matched organisation"))
    country = CountryField(_("country/region"), blank=True)
    department_name = models.CharField(_("department"), max_length=300, blank=True)
    title = models.CharField(_("title or role"), max_length=500, blank=True)
    programme = models.CharField(_("programme"), max_length=300, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    start_text = models.CharField(max_length=20, blank=True)
    end_text = models.CharField(max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    raw = models.JSONField(_("raw record"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.SUGGESTED, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted_item_key = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "start_date", "id"]
        verbose_name = _("imported record entry")
        verbose_name_plural = _("imported record entries")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.organisation_name} {self.title}".strip()

    @property
    def scope_owner_id(self):
        return self.owner_id


# --- Research outputs (publications, patents) and their contributors -------------------------


class ResearchOutput(PublicModel):
    """A publication or patent of a researcher, imported from researchmap or ORCID, with its
    co-authors / co-inventors (:class:`OutputContributor`). Screened against the lists through
    its contributors' affiliations (``riskmgmt.services.outputs_screen``); a hit is raised on the
    researcher's screening case with the output as the flag's evidence.

    ``external_key`` identifies the output at its source (``researchmap:published_papers:<id>``,
    ``orcid:work:<put-code>``); importing the same record again replaces the contributors.
    """

    SCOPE_OWNER_FIELD = "owner_id"
    SCOPE_DEPARTMENT_FIELD = "owner__department_id"

    class Kind(models.TextChoices):
        PAPER = "paper", _("Publication")
        PATENT = "patent", _("Patent")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="research_outputs", verbose_name=_("researcher"))
    record_import = models.ForeignKey(ExternalRecordImport, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="outputs")
    source = models.CharField(_("source"), max_length=20,
                              choices=ExternalRecordImport.Source.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAPER)
    external_key = models.CharField(max_length=200)
    title = models.CharField(_("title"), max_length=1000)
    venue = models.CharField(_("journal, publisher or office"), max_length=500, blank=True)
    published_on = models.DateField(_("date of publication or filing"), null=True, blank=True)
    published_text = models.CharField(max_length=20, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("research output")
        verbose_name_plural = _("research outputs")
        constraints = [models.UniqueConstraint(fields=["owner", "external_key"],
                                               name="one_output_per_source_record")]

    def __str__(self) -> str:
        return self.title[:200]

    @property
    def scope_owner_id(self):
        return self.owner_id

    @property
    def scope_department_id(self):
        return self.owner.department_id


class OutputContributor(models.Model):
    """A co-author, co-inventor or applicant of a :class:`ResearchOutput`, with the affiliation
    the source record carries (as written; ``ror_id`` when the record names one, resolved to the
    registry's ``organisation``). Rows are never edited: a re-import writes them anew, so a
    contributor's id tells the incremental re-screening whether it was already screened.

    What is screened is ``affiliation`` (for an applicant, the applicant's own name, which is an
    organisation) and the names of the resolved organisation; a person's name never is.
    """

    class Role(models.TextChoices):
        AUTHOR = "author", _("Co-author")
        INVENTOR = "inventor", _("Co-inventor")
        APPLICANT = "applicant", _("Applicant")

    output = models.ForeignKey(ResearchOutput, on_delete=models.CASCADE,
                               related_name="contributors", verbose_name=_("research output"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AUTHOR)
    name = models.CharField(_("name (as given)"), max_length=300, blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True)
    affiliation = models.CharField(_("affiliation (as given)"), max_length=500, blank=True,
                                   db_index=True)
    ror_id = models.CharField(_("ROR ID"), max_length=40, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("affiliation in the registry"))

    class Meta:
        ordering = ["output", "position", "id"]
        verbose_name = _("co-author or co-inventor")
        verbose_name_plural = _("co-authors and co-inventors")

    def __str__(self) -> str:
        where = self.affiliation or (str(self.organisation) if self.organisation_id else "")
        return f"{self.name} ({where})" if where and self.name else (self.name or where)

    def screened_names(self) -> list[str]:
        """The names this contributor is screened by: the affiliation as given, then the
        registry organisation's names (when resolved)."""
        names = [self.affiliation] if self.affiliation else []
        if self.organisation_id:
            org = self.organisation
            names += [n for n in (org.name_ja, org.name_en) if n and n not in names]
        return names
