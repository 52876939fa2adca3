"""Research-security due diligence for designated programmes (特定研究開発プログラム).

* :class:`Programme` — a designated programme of a funding agency (admin-edited register);
* :class:`Project` — an application's project (研究開発課題) with its lead and partner
  institutions (the portal's :class:`~portal.models.Organisation` registry) and its team;
* :class:`TeamMember` — the PI, a co-investigator, another participant or a senior researcher
  of a partner institution: a portal user, or an external person entered by the office who
  reaches their own declaration through a tokenised link;
* :class:`Declaration` / :class:`DeclarationVersion` — the member's self-declaration in the
  programme's items (:mod:`riskmgmt.duediligence.items`), versioned like a disclosure (draft →
  signed with consent; a new draft supersedes the signed version when it is signed);
* :class:`CheckRun` / :class:`CheckHit` — the screening of every organisation named in the
  declarations and of the partner institutions against every loaded list;
* :class:`Questionnaire` — the institution's answers; :class:`ProjectMeasure` — the checklist
  area and cost line of a :class:`riskmgmt.models.MitigationMeasure` of the project.

Nationality is never stored: no model here (or anywhere in the project) has a field for it;
tests/riskmgmt/duediligence/test_no_nationality.py proves it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import BilingualNameMixin, Organisation, PublicModel
from riskmgmt.duediligence.items import ITEMS, empty_content


def _token() -> str:
    return secrets.token_urlsafe(32)


def item_choices():
    return [(i.code, i.label) for i in ITEMS] + [("institution", _("Institution"))]


class Programme(BilingualNameMixin, PublicModel):
    """A designated programme of a funding agency, in the register administrators keep.

    ``requires_list_check`` says whether the programme asks for the check against the
    screening lists. When it does not, the office can still run the checks on demand (the
    project page's "Check again"), but nothing queues them by itself (a member joining, a
    declaration changing, a new list release) and the forms say the programme does not require
    them instead of presenting the results as the required check.
    """

    class FormKind(models.TextChoices):
        MOD = "mod_anzen", _("Ministry of Defense (別紙5 questionnaire and 別添 self-declaration)")
        GENERIC = "generic", _("Generic (the 13 items of the government-wide procedure)")

    agency = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("funding agency"))
    agency_name = models.CharField(_("funding agency (as written)"), max_length=300, blank=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year of the call"))
    critical_technology_areas = models.JSONField(
        _("critical technology areas"), default=list, blank=True,
        help_text=_("The areas of the critical-technology list the programme covers, one per "
                    "line as the call names them."))
    required_items = models.JSONField(
        _("items the self-declaration asks for"), default=list, blank=True,
        help_text=_("Codes of the declaration's items; empty: all of them."))
    form_kind = models.CharField(_("forms"), max_length=20, choices=FormKind.choices,
                                 default=FormKind.GENERIC)
    funding_since = models.DateField(_("research funding declared since"), null=True, blank=True)
    requires_list_check = models.BooleanField(
        _("requires the check against the lists"), default=True,
        help_text=_("When off, the office can still run the checks on demand; they are not "
                    "re-run by themselves and the forms do not present them as required."))
    measure_costs_chargeable = models.BooleanField(
        _("costs of mitigation measures may be charged to the programme"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-fiscal_year", "name_ja"]
        verbose_name = _("designated programme")
        verbose_name_plural = _("designated programmes")

    @property
    def agency_label(self) -> str:
        return self.agency.name if self.agency_id else self.agency_name

    def asks_for(self, code: str) -> bool:
        return not self.required_items or code in self.required_items


class Project(PublicModel):
    """A project (研究開発課題) applying to a designated programme."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        SUBMITTED = "submitted", _("Submitted to the funding agency")
        CLOSED = "closed", pgettext_lazy("project status", "Closed")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="projects",
                                  verbose_name=_("programme"))
    title = models.CharField(_("title"), max_length=500)
    project_number = models.CharField(_("project number"), max_length=60, blank=True)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    lead_institution = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("lead institution"))
    partner_institutions = models.ManyToManyField(Organisation, blank=True, related_name="+",
                                                  verbose_name=_("partner institutions"))
    declarations_due = models.DateField(_("declarations due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PREPARING)
    inquiries = models.ManyToManyField("riskmgmt.FundingAgencyInquiry", blank=True,
                                       related_name="dd_projects",
                                       verbose_name=_("funding-agency inquiries"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project under due diligence")
        verbose_name_plural = _("projects under due diligence")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")),
                                   name="dd_project_period_in_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("duediligence:project_detail", args=[self.public_id])


class MemberRole(models.TextChoices):
    PI = "pi", _("Principal investigator")
    CO_INVESTIGATOR = "co_investigator", _("Co-investigator")
    PARTICIPANT = "participant", _("Other participant (student, postdoc, technical staff)")
    PARTNER_SENIOR = "partner_senior", _("Senior researcher of a partner institution")


class TeamMember(PublicModel):
    """One member of a project's team: a portal user or an external person."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="dd_memberships",
                             verbose_name=_("portal user"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=200, blank=True,
                            help_text=_("For a person without a portal account."))
    email = models.EmailField(_("e-mail address"), blank=True)
    institution = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    position = models.CharField(_("position"), max_length=200, blank=True)
    access_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    joined_on = models.DateField(_("joined"), default=timezone.localdate)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(name=""),
                                   name="dd_member_user_or_name"),
            models.UniqueConstraint(fields=["project", "user"], name="dd_member_once",
                                    condition=Q(user__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.display_name
        return self.name

    @property
    def is_external(self) -> bool:
        return self.user_id is None

    @property
    def scope_owner_id(self):
        return self.user_id

    @property
    def scope_department_id(self):
        return None


class Declaration(PublicModel):
    """A member's self-declaration for the project; its versions hold the content."""

    member = models.OneToOneField(TeamMember, on_delete=models.CASCADE,
                                  related_name="declaration")
    current_version = models.ForeignKey("DeclarationVersion", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    signed_version = models.ForeignKey("DeclarationVersion", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("self-declaration")
        verbose_name_plural = _("self-declarations")

    def __str__(self) -> str:
        return str(self.member)

    @property
    def scope_owner_id(self):
        return self.member.user_id

    @property
    def scope_department_id(self):
        return None


class DeclarationVersion(PublicModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        SUPERSEDED = "superseded", _("Superseded")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE,
                                    related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    content = models.JSONField(_("content"), default=empty_content, blank=True)
    prefilled_from = models.JSONField(_("prefilled from"), default=list, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_name = models.CharField(_("signed as"), max_length=200, blank=True)
    consent_text = models.TextField(_("consent"), blank=True)

    class Meta:
        ordering = ["declaration", "-number"]
        verbose_name = _("self-declaration version")
        verbose_name_plural = _("self-declaration versions")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "number"], name="dd_version_number"),
            models.UniqueConstraint(fields=["declaration"], condition=Q(status="draft"),
                                    name="dd_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.declaration} v{self.number}"


class CheckRun(PublicModel):
    """One screening of a project's organisations (the latest run's hits are current)."""

    class Reason(models.TextChoices):
        MANUAL = "manual", _("Asked by staff")
        MEMBER = "member", _("A member joined")
        DECLARATION = "declaration", _("A declaration changed")
        LIST = "list", _("A screening list was updated")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="check_runs")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    names_checked = models.PositiveIntegerField(_("names checked"), default=0)
    hit_count = models.PositiveIntegerField(_("hits"), default=0)
    releases = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(_("finished"), default=timezone.now)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("due-diligence check")
        verbose_name_plural = _("due-diligence checks")

    def __str__(self) -> str:
        return f"{self.project} {self.finished_at:%Y-%m-%d %H:%M}"


class CheckHit(models.Model):
    """An organisation named in a declaration (or a partner institution) that matched an entry
    of a loaded list, with the matcher's evidence."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="hits")
    member = models.ForeignKey(TeamMember, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="check_hits")
    item = models.CharField(_("item"), max_length=30, choices=item_choices())
    query_name = models.CharField(_("name checked"), max_length=500)
    list_name = models.CharField(_("list"), max_length=200)
    # The list release the entry came from: its list's kind (riskmgmt.models.ListKind: export
    # control, named research organisation, military end user…) shows on every hit, as on the
    # registry's hits. Kept (null) if the list is deleted; ``list_name`` still names it.
    release = models.ForeignKey("riskmgmt.ScreeningListRelease", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("list release"))
    entry_name = models.CharField(_("listed entity"), max_length=500)
    matched_name = models.CharField(_("matched name"), max_length=500)
    entry_key = models.CharField(max_length=64)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    explanation = models.CharField(_("why it matched"), max_length=500)
    # The matcher's explanation as key + parameters (riskmgmt.matching.explanation_params), so
    # it reads in the reader's language; hits stored before it have {} and show ``explanation``.
    explanation_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "member", "-score", "id"]
        verbose_name = _("due-diligence hit")
        verbose_name_plural = _("due-diligence hits")

    def __str__(self) -> str:
        return f"{self.query_name} → {self.entry_name}"

    @property
    def kind_label(self) -> str:
        """The list's kind, as the registry's hits say it (``ScreeningList.get_kind_display``);
        "" for a hit whose list is gone. Select ``release__screening_list`` with the hits."""
        if self.release_id is None:
            return ""
        return str(self.release.screening_list.get_kind_display())

    @property
    def list_label(self) -> str:
        """"METI End User List (Export control)": the list with its kind."""
        from riskmgmt.matching import list_label

        kind = self.release.screening_list.kind if self.release_id else ""
        return list_label(self.list_name, kind)

    @property
    def explanation_display(self) -> str:
        """Why it matched, in the active language (the stored sentence for older hits)."""
        from riskmgmt.matching import explanation_display

        return explanation_display(self.explanation_params, self.explanation)


class Questionnaire(models.Model):
    """The institution's questionnaire for a project (別紙5 of the MoD programme)."""

    class Result(models.TextChoices):
        DONE = "done", pgettext_lazy("due diligence result", "Done")
        NOT_DONE = "not_done", _("Not done")
        PARTLY = "partly", _("Done; some information could not be obtained")

    project = models.OneToOneField(Project, on_delete=models.CASCADE,
                                   related_name="questionnaire")
    result = models.CharField(_("result of the due diligence"), max_length=10,
                              choices=Result.choices, blank=True)
    mitigation_needed = models.BooleanField(_("mitigation needed"), null=True, blank=True)
    later_members_rule = models.TextField(
        _("rule for researchers added during the project"), blank=True)
    partner_risks = models.TextField(_("risks at partner institutions and their researchers"),
                                     blank=True)
    measures_feasible = models.BooleanField(_("the measures are feasible"), default=False)
    feasibility_note = models.TextField(_("feasibility"), blank=True)
    pi_confirmed_at = models.DateTimeField(_("confirmed by the PI"), null=True, blank=True)
    pi_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    office_signed_at = models.DateTimeField(_("signed off by the office"), null=True, blank=True)
    office_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("institution's questionnaire")
        verbose_name_plural = _("institution's questionnaires")

    def __str__(self) -> str:
        return str(self.project)


class ChecklistArea(models.TextChoices):
    """The mitigation checklist of the institution's questionnaire."""

    FACILITY_ACCESS = "facility_access", _("Facility access")
    RESEARCH_LOCATION = "research_location", _("Research location")
    MEETING_PARTICIPANTS = "meeting_participants", _("Meeting participants")
    EMPLOYMENT_CONTRACT = "employment_contract", _("Employment contract")
    TRAINING = "training", _("Training")
    DATA_ACCESS = "data_access", _("Data access")
    CYBER = "cyber", _("Cyber security")
    OTHER = "other", _("Other")


# The riskmgmt measure kind each checklist area is recorded as.
AREA_KIND = {
    ChecklistArea.FACILITY_ACCESS: "facility_access",
    ChecklistArea.RESEARCH_LOCATION: "research_location",
    ChecklistArea.MEETING_PARTICIPANTS: "research_location",
    ChecklistArea.EMPLOYMENT_CONTRACT: "employment_terms",
    ChecklistArea.TRAINING: "training",
    ChecklistArea.DATA_ACCESS: "data_access",
    ChecklistArea.CYBER: "cyber",
    ChecklistArea.OTHER: "other",
}


class ProjectMeasure(models.Model):
    """The project side of a mitigation measure: its checklist area and its cost line."""

    measure = models.OneToOneField("riskmgmt.MitigationMeasure", on_delete=models.CASCADE,
                                   related_name="dd_detail")
    area = models.CharField(_("checklist area"), max_length=30, choices=ChecklistArea.choices)
    cost_amount = models.DecimalField(_("cost"), max_digits=14, decimal_places=0, null=True,
                                      blank=True)
    cost_currency = models.CharField(_("currency"), max_length=3, default="JPY")
    charged_to_programme = models.BooleanField(_("charged to the programme"), default=False)

    class Meta:
        verbose_name = _("project measure")
        verbose_name_plural = _("project measures")

    def __str__(self) -> str:
        return self.get_area_display()
