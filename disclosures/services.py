"""Writes of the disclosures app: keyword-only, atomic, validated, audited.

Editing rules:

* Only a draft version changes. Every change to a draft checks and bumps its ``lock_version``
  with one conditional UPDATE: when two people edit the same draft, the second save (made from
  a page loaded before the first save) is refused and nothing of the first is overwritten.
* After every change the version's ``content`` (JSON rendering of its items) is rebuilt for
  the changed section, so pages and diffs read one row.
* Submitting freezes the version; a return or a later update starts a new draft that copies
  the items with their ``item_key``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosures import notices, signals
from disclosures.models import (
    ATTESTATION_TEXT,
    Attachment,
    Disclosure,
    DisclosureVersion,
    ExternalRecordImport,
    ExternalRecordItem,
    FundingItem,
    GrantPledge,
    ItemComment,
    OutputContributor,
    PositionItem,
    ResearchOutput,
    UpdateCampaign,
)
from disclosures.sections import SECTIONS, content_for, diff_contents, get_section, item_values
from portal import uploads
from portal.audit import audit_log, snapshot
from portal.errors import ApplicationError, ConcurrentEdit, NotAllowed, ValidationFailed
from portal.models import Organisation, User
from portal.permissions import has_perm

logger = logging.getLogger(__name__)

MAX_EFFORT = Decimal("100")


def _send_in_transaction(signal, **kwargs):
    """Tell the other apps, inside the change's transaction: a receiver records the work it
    needs in the outbox (riskmgmt: the rule evaluation), so the work commits with the change.
    A receiver that fails undoes the change (nothing is submitted unscreened)."""
    signal.send(sender=DisclosureVersion, **kwargs)


# --- Validation rules ----------------------------------------------------------------------


def _currency_codes() -> frozenset[str]:
    from portal.currencies import currency_codes

    return currency_codes()


@functools.lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    from django_countries import countries

    return frozenset(code for code, _name in countries)


# Checked by validate_item (the model's own check walks the 250 choices for every item).
FULL_CLEAN_EXCLUDE = ["version", "source_import_item", "country"]


def validate_item(section_code: str, item) -> None:
    """The rules of every item kind. Raises ValidationError with field errors."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    country = getattr(item.country, "code", item.country) or ""
    if country and country not in _country_codes():
        add("country", _("Choose a country or region from the list."))

    if item.start_date and item.end_date and item.end_date < item.start_date:
        add("end_date", _("The end date is before the start date."))
    for money_field in ("amount", "estimated_value"):
        value = getattr(item, money_field, None)
        if value is not None and value < 0:
            add(money_field, _("Enter an amount of zero or more."))
    currency = getattr(item, "currency", None)
    if currency is not None:
        item.currency = currency = (currency or "").strip().upper()
        has_money = any(getattr(item, f, None) is not None for f in ("amount", "estimated_value"))
        if currency and currency not in _currency_codes():
            add("currency", _("Enter an ISO 4217 currency code such as JPY, USD or EUR."))
        elif has_money and not currency:
            add("currency", _("Give the currency of the amount."))
    effort = getattr(item, "effort_percent", None)
    if effort is not None and not (0 <= effort <= 100):
        add("effort_percent", _("Effort is a percentage between 0 and 100."))

    if section_code == "career":
        if not item.organisation_id:
            add("organisation", _("Choose the organisation or add it to the registry."))
    elif section_code == "position":
        if not item.organisation_id:
            add("organisation", _("Choose the organisation or add it to the registry."))
        if item.paid and item.remuneration_band in ("", "none"):
            add("remuneration_band", _("A paid position needs its remuneration band."))
        if not item.paid and item.remuneration_band not in ("", "none"):
            add("remuneration_band", _("An unpaid position has no remuneration band."))
        if item.approved and not item.approved_on:
            add("approved_on", _("Give the date the institution approved the side job."))
        if item.hours_per_month is not None and not (0 <= item.hours_per_month <= 744):
            add("hours_per_month", _("Hours per month must be between 0 and 744."))
        if item.is_honorary and item.paid:
            add("paid", _("An honorary title without an employment contract cannot be paid."))
    elif section_code == "funding":
        if item.under_confidentiality:
            if item.effort_percent is None:
                add("effort_percent",
                    _("Funding under a confidentiality agreement needs at least its effort %."))
        else:
            if not item.organisation_id:
                add("organisation", _("Choose the funder or add it to the registry."))
            if not item.project_title:
                add("project_title", _("Give the project title."))
            if item.status == FundingItem.Status.RECEIVED and item.amount is None:
                add("amount", _("Give the amount received."))
            if item.status == FundingItem.Status.RECEIVED and item.effort_percent is None:
                add("effort_percent", _("Give the effort % you spend on this project."))
    elif section_code in ("support", "programme", "contract", "donation", "specified"):
        if not item.organisation_id:
            add("organisation", _("Choose the organisation or add it to the registry."))
    if section_code == "donation" and item.amount is None:
        add("amount", _("Give the amount of the donation."))
    if errors:
        raise ValidationError(errors)


def effort_total(version: DisclosureVersion, *, today: dt.date | None = None) -> Decimal:
    """Total effort of current side jobs and received funding in ``version`` (2 queries)."""
    today = today or timezone.localdate()
    total = Decimal(0)
    positions = PositionItem.objects.filter(version=version, effort_percent__isnull=False)
    funding = FundingItem.objects.filter(version=version, effort_percent__isnull=False,
                                         status=FundingItem.Status.RECEIVED)
    for qs in (positions, funding):
        for item in qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).only(
                "effort_percent", "end_date"):
            total += item.effort_percent
    return total


def _check_effort(version: DisclosureVersion) -> None:
    total = effort_total(version)
    if total > MAX_EFFORT:
        raise ValidationFailed(
            _("The total effort of your current positions and funded projects would be "
              "%(total)s%%, above 100%%. Lower the effort of some items first.")
            % {"total": format(total.normalize(), "f")},
            field="effort_percent",
        )


# --- Disclosures and drafts ------------------------------------------------------------------


@transaction.atomic
def disclosure_get_or_create(*, owner: User, actor: User | None = None) -> Disclosure:
    if not has_perm(owner, "disclosures.disclosure.file"):
        raise NotAllowed(_("Only researchers file disclosures."))
    disclosure, created = Disclosure.objects.get_or_create(
        owner=owner, defaults={"department_id": owner.department_id}
    )
    if created:
        audit_log(action="disclosures.disclosure.created", target=disclosure,
                  actor=actor or owner)
    elif disclosure.department_id != owner.department_id:
        disclosure.department_id = owner.department_id
        disclosure.save(update_fields=["department", "updated_at"])
    return disclosure


def open_campaign() -> UpdateCampaign | None:
    return UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN).order_by(
        "-fiscal_year").first()


def _copy_items(source: DisclosureVersion, target: DisclosureVersion) -> None:
    for section in SECTIONS:
        model = section.model
        copies = []
        for item in model.objects.filter(version=source):
            item.pk = None
            item.id = None
            item.version = target
            item._state.adding = True
            copies.append(item)
        if copies:
            model.objects.bulk_create(copies)
    Attachment.objects.bulk_create([
        Attachment(version=target, section=a.section, item_key=a.item_key, file=a.file.name,
                   original_name=a.original_name, mimetype=a.mimetype, size=a.size,
                   description=a.description, uploaded_by_id=a.uploaded_by_id)
        for a in Attachment.objects.filter(version=source)
    ])


@transaction.atomic
def draft_get_or_create(*, disclosure: Disclosure, actor: User,
                        kind: str | None = None) -> DisclosureVersion:
    """The editable draft of ``disclosure``, starting a new one from the latest version."""
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    current = disclosure.current_version
    if current is not None and current.status == DisclosureVersion.Status.DRAFT:
        return current
    if current is not None and current.is_pending_review:
        raise ApplicationError(
            _("Your last submission is waiting for review; you can change it once it is "
              "accepted or returned."))
    campaign = open_campaign()
    if kind is None:
        if current is None:
            kind = DisclosureVersion.Kind.INITIAL
        elif campaign is not None and not disclosure.versions.filter(campaign=campaign).exists():
            kind = DisclosureVersion.Kind.ANNUAL_UPDATE
        else:
            kind = DisclosureVersion.Kind.CHANGE
    number = (disclosure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = DisclosureVersion(disclosure=disclosure, number=number, kind=kind,
                              based_on=current,
                              campaign=campaign if kind == DisclosureVersion.Kind.ANNUAL_UPDATE
                              else None)
    draft.full_clean()
    draft.save()
    if current is not None:
        _copy_items(current, draft)
        draft.content = content_for(draft)
        draft.save(update_fields=["content"])
    else:
        draft.content = {"sections": {s.code: [] for s in SECTIONS}}
        draft.save(update_fields=["content"])
    disclosure.current_version = draft
    disclosure.save(update_fields=["current_version", "updated_at"])
    audit_log(action="disclosures.version.draft_started", target=disclosure, actor=actor,
              data={"number": number, "kind": kind})
    return draft


def _bump_lock(version: DisclosureVersion, expected: int | None) -> None:
    """Claim the right to change ``version``: refuse stale pages and frozen versions."""
    if expected is None:
        expected = version.lock_version
    updated = DisclosureVersion.objects.filter(
        pk=version.pk, status=DisclosureVersion.Status.DRAFT, lock_version=expected
    ).update(lock_version=F("lock_version") + 1, updated_at=timezone.now())
    if not updated:
        fresh = DisclosureVersion.objects.filter(pk=version.pk).values("status").first()
        if fresh is None or fresh["status"] != DisclosureVersion.Status.DRAFT:
            raise ApplicationError(
                _("This version has been submitted and can no longer be changed."))
        raise ConcurrentEdit(
            _("Someone else saved this disclosure after you opened it (for example in another "
              "window). Your change was not saved so that theirs is not overwritten: reload "
              "the page, check the current entries and make your change again."))
    version.lock_version = expected + 1


def _refresh_section(version: DisclosureVersion, section_code: str) -> None:
    section = get_section(section_code)
    content = dict(version.content or {})
    sections = dict(content.get("sections") or {})
    items = (section.model.objects.filter(version=version).select_related("organisation")
             .order_by("order", "start_date", "id"))
    sections[section.code] = [
        {"key": str(i.item_key), "id": i.pk, "values": item_values(section, i)} for i in items
    ]
    content["sections"] = sections
    version.content = content
    DisclosureVersion.objects.filter(pk=version.pk).update(content=content)


def organisation_from_form(*, name_ja: str, name_en: str, country: str,
                           actor: User) -> Organisation:
    """Add an organisation typed by a researcher to the shared registry (or reuse a match)."""
    from disclosures.selectors import organisation_match
    from portal.services import organisation_save

    existing = organisation_match(name_ja=name_ja, name_en=name_en)
    if existing is not None:
        return existing
    if not has_perm(actor, "portal.organisation.add"):
        raise NotAllowed(_("You are not allowed to add organisations."))
    return organisation_save(
        instance=Organisation(name_ja=name_ja.strip(), name_en=name_en.strip(),
                              country=country or ""),
        actor=actor,
    )


@transaction.atomic
def item_save(*, version: DisclosureVersion, section_code: str, item, actor: User,
              lock_version: int | None, new_organisation: dict | None = None) -> object:
    """Create or update one item of a draft (``item`` is an unsaved or loaded model).

    ``new_organisation`` (``name_ja``, ``name_en``, ``country``) is an organisation the
    researcher typed: it is added to the shared registry in this transaction, so a refused
    item (invalid, stale lock, over 100 % effort) leaves no organisation behind.
    """
    section = get_section(section_code)
    if version.disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher edits their disclosure."))
    if not isinstance(item, section.model):
        raise ApplicationError(_("Unknown item."))
    _bump_lock(version, lock_version)
    if new_organisation:
        item.organisation = organisation_from_form(actor=actor, **new_organisation)
    creating = item.pk is None
    before = {} if creating else snapshot(section.model.objects.get(pk=item.pk))
    item.version = version
    if creating:
        item.order = section.model.objects.filter(version=version).count()
    validate_item(section_code, item)
    item.full_clean(exclude=FULL_CLEAN_EXCLUDE)
    item.save()
    if section_code in ("position", "funding"):
        _check_effort(version)
    _refresh_section(version, section_code)
    audit_log(action="disclosures.item.added" if creating else "disclosures.item.changed",
              target=version.disclosure, actor=actor, before=before, after=snapshot(item),
              data={"section": section_code, "item_key": str(item.item_key),
                    "version": version.number})
    return item


@transaction.atomic
def item_delete(*, version: DisclosureVersion, section_code: str, item_key, actor: User,
                lock_version: int | None) -> None:
    section = get_section(section_code)
    if version.disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher edits their disclosure."))
    _bump_lock(version, lock_version)
    item = section.model.objects.filter(version=version, item_key=item_key).first()
    if item is None:
        raise ApplicationError(_("This item was already removed."))
    before = snapshot(item)
    item.delete()
    Attachment.objects.filter(version=version, item_key=item_key).delete()
    _refresh_section(version, section_code)
    audit_log(action="disclosures.item.removed", target=version.disclosure, actor=actor,
              before=before, data={"section": section_code, "item_key": str(item_key),
                                   "version": version.number})


@transaction.atomic
def version_items_replace(*, version: DisclosureVersion, items: dict[str, list], actor: User,
                          lock_version: int | None) -> DisclosureVersion:
    """Replace whole sections of a draft at once (bulk), e.g. from an import or a script.

    ``items`` maps a section code to unsaved item instances; every rule is checked.
    """
    if version.disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher edits their disclosure."))
    _bump_lock(version, lock_version)
    org_ids = {i.organisation_id for new_items in items.values() for i in new_items
               if i.organisation_id}
    if len(org_ids) != Organisation.objects.filter(pk__in=org_ids).count():
        raise ValidationFailed(_("An organisation is not in the registry."), field="organisation")
    for code, new_items in items.items():
        section = get_section(code)
        for order, item in enumerate(new_items):
            item.version = version
            item.order = order
            validate_item(code, item)
            # Organisations were checked above in one query.
            item.full_clean(exclude=[*FULL_CLEAN_EXCLUDE, "organisation"],
                            validate_unique=False, validate_constraints=False)
        section.model.objects.filter(version=version).delete()
        section.model.objects.bulk_create(new_items)
    if "position" in items or "funding" in items:
        _check_effort(version)
    version.content = content_for(version)
    DisclosureVersion.objects.filter(pk=version.pk).update(content=version.content)
    audit_log(action="disclosures.version.items_replaced", target=version.disclosure,
              actor=actor, data={"sections": sorted(items), "version": version.number,
                                 "count": sum(len(v) for v in items.values())})
    return version


# --- Lifecycle -------------------------------------------------------------------------------


@transaction.atomic
def version_submit(*, version: DisclosureVersion, actor: User, attest: bool,
                   lock_version: int | None = None, change_note: str = "") -> DisclosureVersion:
    if version.disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher submits their disclosure."))
    if not attest:
        raise ValidationFailed(
            _("Confirm that the disclosure is complete and true before submitting."),
            field="attest")
    _bump_lock(version, lock_version)
    _check_effort(version)
    now = timezone.now()
    version.refresh_from_db()
    version.content = content_for(version)
    _check_changed(version)
    version.status = DisclosureVersion.Status.SUBMITTED
    version.submitted_at = now
    version.submitted_by = actor
    version.attested_at = now
    version.attestation_text = _(ATTESTATION_TEXT)
    version.change_note = change_note.strip()
    campaign = open_campaign()
    if campaign is not None and version.kind in (DisclosureVersion.Kind.ANNUAL_UPDATE,
                                                 DisclosureVersion.Kind.CHANGE,
                                                 DisclosureVersion.Kind.INITIAL):
        version.campaign = campaign
    version.full_clean()
    version.save()
    disclosure = version.disclosure
    if disclosure.department_id != actor.department_id:
        # Reviewed where the researcher is now (the roster may have moved them).
        disclosure.department_id = actor.department_id
        disclosure.save(update_fields=["department", "updated_at"])
    audit_log(action="disclosures.version.submitted", target=version.disclosure, actor=actor,
              data={"number": version.number, "kind": version.kind})
    notices.version_submitted(version)
    _send_in_transaction(signals.version_submitted, version=version)
    return version


def _attachment_marks(version_id) -> set[tuple]:
    return set(Attachment.objects.filter(version_id=version_id).values_list(
        "file", "item_key", "description"))


def _check_changed(version: DisclosureVersion) -> None:
    """Refuse a change or a resubmission that changes nothing.

    An update follows the version it was started from (``based_on``): after a return, the
    returned version; otherwise the accepted one. Submitting it with the same items and
    attachments would only queue a second review of the same disclosure, so it is refused,
    saying so. The annual update is the exception: "nothing changed" is a valid answer to it
    (the reviewer's page says that nothing changed).
    """
    base = version.based_on
    if base is None or version.kind == DisclosureVersion.Kind.ANNUAL_UPDATE:
        return
    changes = diff_contents(base.content, version.content)
    if any(s["changes"] for s in changes):
        return
    if _attachment_marks(version.pk) != _attachment_marks(base.pk):
        return
    if base.status == DisclosureVersion.Status.RETURNED:
        raise ValidationFailed(
            _("Nothing has changed since version %(number)s was returned: change what the "
              "reviewer asked for before submitting again.") % {"number": base.number})
    raise ValidationFailed(
        _("Nothing has changed since version %(number)s: change an item before submitting, "
          "or discard this update.") % {"number": base.number})


def _reviewable(version: DisclosureVersion, actor: User) -> None:
    if not has_perm(actor, "disclosures.disclosure.review", version.disclosure):
        raise NotAllowed(_("You are not allowed to review this disclosure."))
    if version.disclosure.owner_id == actor.pk:
        raise NotAllowed(_("You cannot review your own disclosure."))


@transaction.atomic
def version_review_start(*, version: DisclosureVersion, actor: User) -> DisclosureVersion:
    _reviewable(version, actor)
    version = DisclosureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != DisclosureVersion.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted version can be taken up for review."))
    version.status = DisclosureVersion.Status.UNDER_REVIEW
    version.reviewer = actor
    version.review_started_at = timezone.now()
    version.save(update_fields=["status", "reviewer", "review_started_at", "updated_at"])
    audit_log(action="disclosures.version.review_started", target=version.disclosure,
              actor=actor, data={"number": version.number})
    return version


@transaction.atomic
def version_return(*, version: DisclosureVersion, actor: User, comment: str) -> DisclosureVersion:
    _reviewable(version, actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(_("Say what the researcher should change."), field="comment")
    version = DisclosureVersion.objects.select_for_update().select_related("disclosure").get(
        pk=version.pk)
    if version.status not in DisclosureVersion.PENDING_REVIEW:
        raise ApplicationError(_("Only a version waiting for review can be returned."))
    version.status = DisclosureVersion.Status.RETURNED
    version.reviewer = actor
    version.reviewed_at = timezone.now()
    version.review_comment = comment
    version.save(update_fields=["status", "reviewer", "reviewed_at", "review_comment",
                                "updated_at"])
    ItemComment.objects.create(version=version, author=actor, body=comment,
                               visibility=ItemComment.Visibility.RESEARCHER)
    audit_log(action="disclosures.version.returned", target=version.disclosure, actor=actor,
              data={"number": version.number, "comment": comment})
    notices.version_returned(version)
    return version


@transaction.atomic
def version_accept(*, version: DisclosureVersion, actor: User, comment: str = "") -> DisclosureVersion:
    _reviewable(version, actor)
    version = DisclosureVersion.objects.select_for_update().select_related("disclosure").get(
        pk=version.pk)
    if version.status not in DisclosureVersion.PENDING_REVIEW:
        raise ApplicationError(_("Only a version waiting for review can be accepted."))
    now = timezone.now()
    version.status = DisclosureVersion.Status.ACCEPTED
    version.reviewer = actor
    version.reviewed_at = now
    version.accepted_at = now
    version.review_comment = (comment or "").strip()
    version.save(update_fields=["status", "reviewer", "reviewed_at", "accepted_at",
                                "review_comment", "updated_at"])
    disclosure = version.disclosure
    disclosure.last_accepted_version = version
    disclosure.save(update_fields=["last_accepted_version", "updated_at"])
    audit_log(action="disclosures.version.accepted", target=disclosure, actor=actor,
              data={"number": version.number})
    notices.version_accepted(version)
    _send_in_transaction(signals.version_accepted, version=version)
    return version


@transaction.atomic
def no_change_confirm(*, disclosure: Disclosure, actor: User, attest: bool) -> DisclosureVersion:
    """The annual "no change" confirmation in one step, within an open campaign."""
    if disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher confirms their disclosure."))
    if not attest:
        raise ValidationFailed(
            _("Confirm that the disclosure is complete and true before submitting."),
            field="attest")
    campaign = open_campaign()
    if campaign is None:
        raise ApplicationError(_("No annual update is open at the moment."))
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    accepted = disclosure.last_accepted_version
    if accepted is None:
        raise ApplicationError(
            _("You have no accepted disclosure yet: file your disclosure and submit it."))
    if disclosure.current_version_id != accepted.pk and not (
        disclosure.current_version.kind == DisclosureVersion.Kind.NO_CHANGE
        and disclosure.current_version.status == DisclosureVersion.Status.ACCEPTED
    ):
        raise ApplicationError(
            _("You have changes in progress: submit them instead of confirming no change."))
    if disclosure.versions.filter(campaign=campaign).exclude(
            status=DisclosureVersion.Status.DRAFT).exists():
        raise ApplicationError(_("You have already answered this year's update."))
    now = timezone.now()
    number = (disclosure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DisclosureVersion(
        disclosure=disclosure, number=number, kind=DisclosureVersion.Kind.NO_CHANGE,
        campaign=campaign, based_on=disclosure.current_version,
        status=DisclosureVersion.Status.ACCEPTED, submitted_at=now, submitted_by=actor,
        attested_at=now, attestation_text=_(ATTESTATION_TEXT), accepted_at=now,
    )
    version.full_clean()
    version.save()
    _copy_items(disclosure.current_version, version)
    version.content = content_for(version)
    version.save(update_fields=["content"])
    disclosure.current_version = version
    disclosure.last_accepted_version = version
    disclosure.save(update_fields=["current_version", "last_accepted_version", "updated_at"])
    audit_log(action="disclosures.version.no_change_confirmed", target=disclosure, actor=actor,
              data={"number": number, "campaign": campaign.title})
    _send_in_transaction(signals.version_submitted, version=version)
    _send_in_transaction(signals.version_accepted, version=version)
    return version


@transaction.atomic
def draft_discard(*, disclosure: Disclosure, actor: User) -> None:
    """Drop the current draft (only one that follows an earlier submission)."""
    if disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher edits their disclosure."))
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    draft = disclosure.current_version
    if draft is None or draft.status != DisclosureVersion.Status.DRAFT or draft.based_on is None:
        raise ApplicationError(_("There is no update in progress to discard."))
    disclosure.current_version = draft.based_on
    disclosure.save(update_fields=["current_version", "updated_at"])
    number = draft.number
    draft.delete()
    audit_log(action="disclosures.version.draft_discarded", target=disclosure, actor=actor,
              data={"number": number})


# --- Comments, views, attachments, pledges ---------------------------------------------------


@transaction.atomic
def comment_add(*, version: DisclosureVersion, actor: User, body: str, visibility: str,
                section: str = "", item_key=None) -> ItemComment:
    if not has_perm(actor, "disclosures.disclosure.review", version.disclosure):
        raise NotAllowed(_("You are not allowed to comment on this disclosure."))
    if version.status == DisclosureVersion.Status.DRAFT:
        raise ApplicationError(_("Drafts cannot be commented on."))
    if visibility not in ItemComment.Visibility.values:
        raise ValidationFailed(_("Choose who may read the comment."), field="visibility")
    comment = ItemComment(version=version, author=actor, body=(body or "").strip(),
                          visibility=visibility, section=section or "", item_key=item_key or None)
    if not comment.body:
        raise ValidationFailed(_("Write the comment."), field="body")
    comment.full_clean()
    comment.save()
    audit_log(action="disclosures.comment.added", target=version.disclosure, actor=actor,
              data={"number": version.number, "visibility": visibility,
                    "item_key": str(item_key or "")})
    return comment


def disclosure_viewed(*, disclosure: Disclosure, version: DisclosureVersion | None,
                      actor: User, via: str = "") -> None:
    """Log a staff member's read of a submitted disclosure (the researcher sees who viewed).

    The read log ("who viewed my record") is written by every page or export that shows a
    disclosure's content: the disclosure and diff pages, a risk case showing disclosed items
    (``via`` the case reference), the admin's disclosure pages (``via="admin"``) and the
    all-disclosures export (:func:`disclosures_exported`).
    """
    if actor.pk == disclosure.owner_id or version is None:
        return
    if version.status == DisclosureVersion.Status.DRAFT:
        return
    data = {"number": version.number}
    if via:
        data["via"] = via
    audit_log(action="disclosures.disclosure.viewed", target=disclosure, actor=actor, data=data)


def disclosures_exported(*, shown: Iterable[tuple[Disclosure, DisclosureVersion]], actor: User,
                         via: str) -> None:
    """The read log of an export: one ``disclosures.disclosure.viewed`` entry per disclosure
    whose submitted content the file holds, written in one INSERT per call."""
    from django.contrib.contenttypes.models import ContentType

    from portal import context
    from portal.models import AuditEntry

    content_type = ContentType.objects.get_for_model(Disclosure)
    person = actor if getattr(actor, "pk", None) else None
    entries = [
        AuditEntry(action="disclosures.disclosure.viewed", actor=person,
                   actor_kind=AuditEntry.ActorKind.USER if person else AuditEntry.ActorKind.TASK,
                   actor_name=(person.display_name or "")[:200] if person else "",
                   actor_email=(person.email or "")[:254] if person else "",
                   content_type=content_type, object_id=str(d.pk), object_repr=str(d)[:300],
                   data={"number": v.number, "via": via}, request_id=context.request_id.get())
        for d, v in shown
        if v is not None and v.status != DisclosureVersion.Status.DRAFT
        and (person is None or d.owner_id != person.pk)
    ]
    AuditEntry.objects.bulk_create(entries)


ATTACHMENT_TYPES = {uploads.PDF, uploads.PNG, uploads.JPEG}


@transaction.atomic
def attachment_add(*, version: DisclosureVersion, uploaded_file, actor: User,
                   section: str = "", item_key=None, description: str = "",
                   lock_version: int | None = None) -> Attachment:
    if version.disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher adds attachments."))
    checked = uploads.check_upload(uploaded_file, allowed=ATTACHMENT_TYPES,
                                   message=_("Only PDF, PNG and JPEG files can be attached."),
                                   default_name="attachment")
    if section:
        get_section(section)
    _bump_lock(version, lock_version)
    name, mimetype = checked.name, checked.mimetype
    attachment = Attachment(version=version, section=section, item_key=item_key or None,
                            original_name=name, mimetype=mimetype, size=uploaded_file.size,
                            description=description.strip()[:200], uploaded_by=actor)
    attachment.file.save(name, uploaded_file, save=False)
    attachment.save()
    audit_log(action="disclosures.attachment.added", target=version.disclosure, actor=actor,
              data={"name": name, "size": uploaded_file.size, "number": version.number})
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User,
                      lock_version: int | None = None) -> None:
    version = attachment.version
    if version.disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher removes attachments."))
    _bump_lock(version, lock_version)
    name = attachment.original_name
    still_used = Attachment.objects.filter(file=attachment.file.name).exclude(
        pk=attachment.pk).exists()
    file_name = attachment.file.name
    attachment.delete()
    if not still_used:
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(file_name))
    audit_log(action="disclosures.attachment.removed", target=version.disclosure, actor=actor,
              data={"name": name, "number": version.number})


def attachment_downloaded(*, attachment: Attachment, actor: User) -> None:
    audit_log(action="disclosures.attachment.downloaded", target=attachment.version.disclosure,
              actor=actor, data={"name": attachment.original_name})


@transaction.atomic
def pledge_record(*, disclosure: Disclosure, actor: User, programme: str, pledged_on: dt.date,
                  funder: Organisation | None = None, funder_name: str = "",
                  application_title: str = "") -> GrantPledge:
    if disclosure.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher records their pledges."))
    if disclosure.last_accepted_version_id is None:
        raise ApplicationError(_("You need an accepted disclosure before recording a pledge."))
    if funder is None and not funder_name.strip():
        raise ValidationFailed(_("Give the funder."), field="funder_name")
    pledge = GrantPledge(disclosure=disclosure, version_id=disclosure.last_accepted_version_id,
                         funder=funder, funder_name=funder_name.strip(),
                         programme=programme.strip(), application_title=application_title.strip(),
                         pledged_on=pledged_on, created_by=actor)
    pledge.full_clean()
    pledge.save()
    audit_log(action="disclosures.pledge.recorded", target=disclosure, actor=actor,
              after=snapshot(pledge, ["funder_name", "programme", "application_title",
                                      "pledged_on"]))
    return pledge


# --- Campaigns -------------------------------------------------------------------------------


@transaction.atomic
def campaign_open(*, fiscal_year: int, due_date: dt.date, actor: User, title: str = "",
                  opens_on: dt.date | None = None, message: str = "") -> UpdateCampaign:
    from portal.fiscal import fiscal_year_label

    if not has_perm(actor, "disclosures.campaign.manage"):
        raise NotAllowed(_("Only administrators open update campaigns."))
    if UpdateCampaign.objects.filter(fiscal_year=fiscal_year).exists():
        raise ValidationFailed(_("A campaign for this fiscal year already exists."),
                               field="fiscal_year")
    if UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN).exists():
        raise ValidationFailed(_("Close the open campaign before opening another one."),
                               field="fiscal_year")
    opens_on = opens_on or timezone.localdate()
    if due_date < opens_on:
        raise ValidationFailed(_("The due date is before the opening date."), field="due_date")
    campaign = UpdateCampaign(
        fiscal_year=fiscal_year, opens_on=opens_on, due_date=due_date, opened_by=actor,
        title=title.strip() or _("Annual disclosure update %(year)s")
        % {"year": fiscal_year_label(fiscal_year)},
        message=message.strip(),
    )
    campaign.full_clean()
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise ValidationFailed(_("A campaign for this fiscal year already exists."),
                               field="fiscal_year") from None
    audit_log(action="disclosures.campaign.opened", target=campaign, actor=actor,
              after=snapshot(campaign, ["fiscal_year", "title", "opens_on", "due_date"]))
    signals.campaign_opened.send(sender=UpdateCampaign, campaign=campaign)
    return campaign


@transaction.atomic
def campaign_remind(*, campaign: UpdateCampaign, actor: User, department=None) -> tuple[int, int]:
    """Remind now those who have not responded (of ``department``'s subtree): at most once a
    week each, through the notifications engine's dedupe. Returns (reminded now, pending)."""
    if not has_perm(actor, "disclosures.campaign.remind"):
        raise NotAllowed(_("You are not allowed to remind researchers."))
    if campaign.status != UpdateCampaign.Status.OPEN:
        raise ApplicationError(_("The campaign is closed."))
    from portal.permissions import department_subtree_ids

    ids = department_subtree_ids([department.pk]) if department is not None else None
    sent, pending = notices.campaign_remind_now(campaign, department_ids=ids)
    audit_log(action="disclosures.campaign.reminded", target=campaign, actor=actor,
              data={"sent": sent, "pending": pending,
                    "department": str(department) if department is not None else ""})
    return sent, pending


@transaction.atomic
def campaign_close(*, campaign: UpdateCampaign, actor: User) -> UpdateCampaign:
    if not has_perm(actor, "disclosures.campaign.manage"):
        raise NotAllowed(_("Only administrators close update campaigns."))
    if campaign.status == UpdateCampaign.Status.CLOSED:
        raise ApplicationError(_("This campaign is already closed."))
    campaign.status = UpdateCampaign.Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(action="disclosures.campaign.closed", target=campaign, actor=actor)
    return campaign


# --- Imports (researchmap / ORCID) -----------------------------------------------------------


def external_record_parse(data: bytes):
    """The parsed export, or ValidationFailed (invalid UTF-8, binary, too deeply nested...)."""
    from disclosures import importers

    try:
        return importers.parse(data)
    except importers.ImportFormatError as exc:
        raise ValidationFailed(str(exc), field="file") from None


@transaction.atomic
def external_import_create(*, owner: User, uploaded_file=None, actor: User, data: bytes | None = None,
                           filename: str = "") -> ExternalRecordImport:
    """Store the entries of a researchmap / ORCID export as suggestions (the import pipeline's
    apply step passes the stored ``data``; ``uploaded_file`` is for the management shell)."""
    from disclosures.selectors import organisation_match

    if owner.pk != actor.pk or not has_perm(actor, "disclosures.disclosure.file"):
        raise NotAllowed(_("Researchers import their own records."))
    if data is None:
        if not uploaded_file:
            raise ValidationFailed(_("Choose a file."), field="file")
        if uploaded_file.size > settings.PORTAL_MAX_UPLOAD_BYTES:
            raise ValidationFailed(_("The file is too large."), field="file")
        data, filename = uploaded_file.read(), uploaded_file.name or ""
    parsed = external_record_parse(data)
    record_import = ExternalRecordImport(
        owner=owner, source=parsed.source, format=parsed.format,
        filename=(filename or "")[:200], external_id=parsed.external_id[:100],
        item_count=len(parsed.entries), skipped_count=parsed.skipped,
    )
    record_import.full_clean()
    record_import.save()
    items = []
    for entry in parsed.entries:
        org = organisation_match(name_ja=entry.organisation_name, name_en=entry.organisation_name_en)
        items.append(ExternalRecordItem(
            record_import=record_import, owner=owner, source=parsed.source, kind=entry.kind,
            external_key=entry.external_key[:200],
            organisation_name=entry.organisation_name[:500],
            organisation_name_en=entry.organisation_name_en[:500], organisation=org,
            country=entry.country or (org.country.code if org and org.country else ""),
            department_name=entry.department_name[:300], title=entry.title[:500],
            programme=entry.programme[:300], start_date=entry.start_date,
            end_date=entry.end_date, start_text=entry.start_text[:20],
            end_text=entry.end_text[:20], amount=entry.amount, currency=entry.currency,
            raw=entry.raw,
        ))
    ExternalRecordItem.objects.bulk_create(items)
    outputs = outputs_store(owner=owner, record_import=record_import, outputs=parsed.outputs)
    audit_log(action="disclosures.import.created", target=record_import, actor=actor,
              data={"source": parsed.source, "format": parsed.format, "items": len(items),
                    "outputs": len(outputs)})
    return record_import


def _resolve_affiliations(contributors) -> dict[str, Organisation]:
    """Registry organisations of the contributors' affiliations: by ROR identifier (followed to
    the successor that continues the organisation today), else by exact name. Two queries."""
    from disclosures.selectors import organisation_canonical

    rors = {c.ror_id for c in contributors if c.ror_id}
    names = {c.affiliation for c in contributors if c.affiliation and not c.ror_id}
    found: dict[str, Organisation] = {}
    if rors:
        for org in Organisation.objects.filter(ror_id__in=rors).select_related("successor"):
            found[f"ror:{org.ror_id}"] = organisation_canonical(org)
    if names:
        for org in Organisation.objects.filter(Q(name_ja__in=names) | Q(name_en__in=names)):
            for name in (org.name_ja, org.name_en):
                if name in names:
                    found.setdefault(f"name:{name}", organisation_canonical(org))
    return found


@transaction.atomic
def outputs_store(*, owner: User, outputs, record_import: ExternalRecordImport | None = None,
                  source: str = "") -> list[ResearchOutput]:
    """Store parsed research outputs (:class:`disclosures.importers.Output`) of ``owner``: a
    record imported before (same ``external_key``) is updated and its contributors written anew
    (contributor rows are never edited, see :class:`OutputContributor`). Affiliations are
    resolved to the registry (:func:`_resolve_affiliations`). After commit, the screening is
    told (``signals.outputs_imported``). A fixed number of queries per import."""
    outputs = [o for o in outputs if o.title and o.external_key]
    if not outputs:
        return []
    source = source or (record_import.source if record_import else "")
    existing = {o.external_key: o for o in ResearchOutput.objects.select_for_update().filter(
        owner=owner, external_key__in=[o.external_key[:200] for o in outputs])}
    stored, new = [], []
    for parsed in outputs:
        key = parsed.external_key[:200]
        row = existing.get(key) or ResearchOutput(owner=owner, external_key=key)
        row.record_import, row.source, row.kind = record_import, source, parsed.kind
        row.title, row.venue = parsed.title[:1000], parsed.venue[:500]
        row.published_on, row.published_text = parsed.published_on, parsed.date_text[:20]
        row.doi = parsed.doi[:200]
        row.full_clean(exclude=["owner", "record_import"], validate_unique=False,
                       validate_constraints=False)
        (stored if row.pk else new).append(row)
        existing[key] = row
    ResearchOutput.objects.bulk_create(new)
    if stored:
        ResearchOutput.objects.bulk_update(stored, ["record_import", "source", "kind", "title",
                                                    "venue", "published_on", "published_text",
                                                    "doi", "updated_at"])
        OutputContributor.objects.filter(output__in=stored).delete()
    people = [c for o in outputs for c in o.contributors]
    orgs = _resolve_affiliations(people)
    OutputContributor.objects.bulk_create([
        OutputContributor(output=existing[o.external_key[:200]], position=i, role=c.role,
                          name=c.name, orcid=c.orcid, affiliation=c.affiliation,
                          ror_id=c.ror_id,
                          organisation=orgs.get(f"ror:{c.ror_id}") if c.ror_id
                          else orgs.get(f"name:{c.affiliation}"))
        for o in outputs for i, c in enumerate(o.contributors)
    ], batch_size=1000)
    rows = [existing[o.external_key[:200]] for o in outputs]
    ids = [r.pk for r in rows]
    signals.outputs_imported.send(sender=ResearchOutput, owner=owner, output_ids=ids)
    return rows


def _item_from_suggestion(entry: ExternalRecordItem, organisation: Organisation):
    from disclosures.models import CareerItem

    common = {"organisation": organisation, "country": entry.country or "",
              "start_date": entry.start_date, "end_date": entry.end_date,
              "source_import_item": entry}
    if entry.kind == ExternalRecordItem.Kind.CAREER:
        return "career", CareerItem(department_name=entry.department_name,
                                    position=entry.title, **common)
    if entry.kind == ExternalRecordItem.Kind.AFFILIATION:
        return "position", PositionItem(role=entry.title or entry.department_name or "-",
                                        **common)
    return "funding", FundingItem(
        programme=entry.programme, project_title=entry.title or entry.programme,
        status=FundingItem.Status.RECEIVED, amount=entry.amount, currency=entry.currency,
        **common)


@transaction.atomic
def external_item_accept(*, entry: ExternalRecordItem, actor: User,
                         lock_version: int | None = None, effort_percent=None):
    """Turn a suggestion into an item of the researcher's draft."""
    if entry.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher decides on their suggestions."))
    if entry.status != ExternalRecordItem.Status.SUGGESTED:
        raise ApplicationError(_("This suggestion was already decided."))
    disclosure = disclosure_get_or_create(owner=actor, actor=actor)
    draft = draft_get_or_create(disclosure=disclosure, actor=actor)
    organisation = entry.organisation or organisation_from_form(
        name_ja=entry.organisation_name, name_en=entry.organisation_name_en,
        country=entry.country or "", actor=actor)
    section_code, item = _item_from_suggestion(entry, organisation)
    if section_code == "funding" and effort_percent is not None:
        item.effort_percent = effort_percent
    try:
        item = item_save(version=draft, section_code=section_code, item=item, actor=actor,
                         lock_version=lock_version)
    except ValidationError as exc:
        messages = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
        raise ValidationFailed(
            _("This entry cannot be added as it is (%(errors)s). Add it by hand from the "
              "section instead.") % {"errors": messages}) from None
    entry.status = ExternalRecordItem.Status.ACCEPTED
    entry.decided_at = timezone.now()
    entry.accepted_item_key = item.item_key
    entry.organisation = organisation
    entry.save(update_fields=["status", "decided_at", "accepted_item_key", "organisation",
                              "updated_at"])
    audit_log(action="disclosures.import.item_accepted", target=entry.record_import,
              actor=actor, data={"kind": entry.kind, "title": entry.title})
    return item


@transaction.atomic
def external_item_reject(*, entry: ExternalRecordItem, actor: User) -> ExternalRecordItem:
    if entry.owner_id != actor.pk:
        raise NotAllowed(_("Only the researcher decides on their suggestions."))
    if entry.status != ExternalRecordItem.Status.SUGGESTED:
        raise ApplicationError(_("This suggestion was already decided."))
    entry.status = ExternalRecordItem.Status.REJECTED
    entry.decided_at = timezone.now()
    entry.save(update_fields=["status", "decided_at", "updated_at"])
    audit_log(action="disclosures.import.item_rejected", target=entry.record_import,
              actor=actor, data={"kind": entry.kind, "title": entry.title})
    return entry
