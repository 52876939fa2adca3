"""What the disclosures app tells people: its notification kinds, event notices and reminders.

Found by the notifications engine's autodiscovery (``portal.notifications``); the engine stores,
dedupes, renders in the reader's language and sends. Recipients come from the permission
declarations (``users_with_perm``), never from a role written here.

Events (called by ``disclosures.services`` inside the change's transaction):
:func:`version_submitted`, :func:`version_returned`, :func:`version_accepted`; the annual
campaign's opening notice is a fan-out to every researcher, run by a worker after the campaign
committed (``campaign_opened`` signal).

Reminders (periodic, each with its cron line): the campaign's reminders before the due date,
overdue notices and escalation, disclosures not updated for 12 months, side jobs and contracts
past their end date. Campaign reminders resolve themselves once the researcher has responded;
a "waiting for review" notice once the version has been reviewed; a return once the researcher
has resubmitted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disclosures.models import (
    ContractItem,
    Disclosure,
    DisclosureVersion,
    PositionItem,
    UpdateCampaign,
)
from disclosures.signals import campaign_opened
from portal.models import RoleAssignment
from portal.notifications import kinds, schedules, services, sources
from portal.notifications.receivers import fan_out, fan_out_enqueue
from portal.notifications.services import Draft, Target
from portal.permissions import department_subtree_ids, get_permission, users_with_perm

DONE_STATUSES = ("submitted", "under_review", "accepted")
RESEARCHERS = "disclosures.disclosure.file"  # who files a disclosure (and is reminded)
REVIEWERS_TOLD = "disclosures.review.notify"  # who is told of a disclosure waiting for review
OFFICE_TOLD = "disclosures.campaign.view"  # who is told of researchers still overdue


# --- Resolution: is the task a reminder asked for done? --------------------------------------


def _campaign_answered(notes):
    done = DisclosureVersion.objects.filter(
        campaign_id=sources.target_pk(),
        disclosure__owner_id=OuterRef("recipient_id"), status__in=DONE_STATUSES,
    )
    return notes.filter(Exists(done))


def _version_reviewed(notes):
    waiting = DisclosureVersion.objects.filter(
        pk=sources.target_pk(),
        status__in=DisclosureVersion.PENDING_REVIEW)
    return notes.exclude(Exists(waiting))


def _returned_resubmitted(notes):
    later = DisclosureVersion.objects.filter(
        based_on_id=sources.target_pk(), status__in=DONE_STATUSES)
    return notes.filter(Exists(later))


def _stale_updated(notes):
    newer = Disclosure.objects.filter(
        pk=sources.target_pk(),
        versions__submitted_at__gt=OuterRef("created_at"),
    )
    return notes.filter(Exists(newer))


# --- Kinds -----------------------------------------------------------------------------------

CAMPAIGN_OPENED = kinds.register(
    "campaign_opened", _("Annual update campaign opened"), mandatory=True,
    title=_("%(campaign)s: please confirm or update your disclosure by %(due_date)s"),
    body=_("The annual update of your disclosure (%(campaign)s) is open. Confirm that nothing "
           "has changed, or update your disclosure, by %(due_date)s."),
    prepare=kinds.dates("due_date"), resolved=_campaign_answered,
)
CAMPAIGN_REMINDER = kinds.register(
    "campaign_reminder", _("Annual update reminder"), mandatory=True,
    title=_("Reminder: %(days)s days left to update your disclosure (%(campaign)s)"),
    body=_("You have not yet confirmed or updated your disclosure for %(campaign)s. "
           "The due date is %(due_date)s."),
    prepare=kinds.dates("due_date"), resolved=_campaign_answered,
)
CAMPAIGN_OVERDUE = kinds.register(
    "campaign_overdue", _("Annual update overdue"), mandatory=True,
    title=_("Overdue: your disclosure update for %(campaign)s"),
    body=_("The due date of %(campaign)s was %(due_date)s and your disclosure has not been "
           "confirmed or updated. Please do it now."),
    prepare=kinds.dates("due_date"), resolved=_campaign_answered,
)
CAMPAIGN_ESCALATION = kinds.register(
    "campaign_escalation", _("Overdue researchers (escalation)"), mandatory=True,
    title=_("%(count)s researchers are overdue for %(campaign)s"),
    body=_("These researchers have not confirmed or updated their disclosure for %(campaign)s "
           "(due %(due_date)s):\n%(names)s"),
    prepare=kinds.dates("due_date"),
)
DISCLOSURE_STALE = kinds.register(
    "disclosure_stale", _("Disclosure not updated for 12 months"), mandatory=False,
    title=_("Your disclosure has not been updated for 12 months"),
    body=_("Your disclosure was last submitted on %(last)s. Please check that it is still "
           "complete and up to date."),
    prepare=kinds.dates("last"), resolved=_stale_updated,
)
ITEM_ENDED = kinds.register(
    "item_ended", _("Side job or contract ended"), mandatory=False,
    title=_("Has this ended? %(item)s"),
    body=_("The end date (%(end_date)s) of \"%(item)s\" in your disclosure has passed. "
           "Update your disclosure if it has ended or been extended."),
    prepare=kinds.dates("end_date"),
)
REVIEW_WAITING = kinds.register(
    "review_waiting", _("Disclosure waiting for review"), mandatory=False,
    title=_("A disclosure is waiting for your review: %(researcher)s"),
    body=_("%(researcher)s submitted their disclosure on %(submitted)s. It is in your review "
           "queue."),
    prepare=kinds.dates("submitted"), resolved=_version_reviewed,
)
RETURNED = kinds.register(
    "disclosure_returned", _("Disclosure returned for changes"), mandatory=True,
    title=_("Your disclosure (version %(number)s) was returned for changes"),
    body=_("The reviewer asked for changes:\n%(comment)s\nCorrect your disclosure and submit it "
           "again."),
    resolved=_returned_resubmitted,
)
ACCEPTED = kinds.register(
    "disclosure_accepted", _("Disclosure accepted"), mandatory=False,
    title=_("Your disclosure (version %(number)s) was accepted"),
    body=_("Your disclosure was reviewed and accepted on %(accepted)s. Nothing more is needed "
           "from you."),
    prepare=kinds.dates("accepted"),
)


# --- Events (inside the change's transaction) ------------------------------------------------


def _name(user) -> str:
    return f"{user.family_name} {user.given_name}".strip() or user.email


def version_submitted(version: DisclosureVersion) -> int:
    """A version waits for review: tell those who are told of reviews in its department (and
    the return it answers is done)."""
    if version.based_on_id:
        services.notifications_resolve(kinds=[RETURNED.code], target=version.based_on)
    if version.status not in DisclosureVersion.PENDING_REVIEW:
        return 0
    disclosure = version.disclosure
    submitted = timezone.localdate(version.submitted_at) if version.submitted_at else ""
    return services.notice_send(
        kind=REVIEW_WAITING.code, recipients=users_with_perm(REVIEWERS_TOLD, disclosure),
        exclude=[disclosure.owner_id],
        params={"researcher": _name(disclosure.owner), "submitted": submitted},
        url=sources.url("disclosures:queue"), target=version,
    )


def _review_done(version: DisclosureVersion) -> None:
    services.notifications_resolve(kinds=[REVIEW_WAITING.code], target=version)


def version_returned(version: DisclosureVersion) -> int:
    """The reviewer returned a version: tell the researcher (mandatory; it asks for work)."""
    _review_done(version)
    disclosure = version.disclosure
    return services.notice_send(
        kind=RETURNED.code, recipients=users_with_perm(RESEARCHERS, disclosure),
        params={"number": version.number, "comment": version.review_comment},
        url=sources.url("disclosures:edit"), target=version,
    )


def version_accepted(version: DisclosureVersion) -> int:
    """The reviewer accepted a version: tell the researcher."""
    _review_done(version)
    disclosure = version.disclosure
    accepted = timezone.localdate(version.accepted_at or timezone.now())
    return services.notice_send(
        kind=ACCEPTED.code, recipients=users_with_perm(RESEARCHERS, disclosure),
        params={"number": version.number, "accepted": accepted},
        url=sources.url("disclosures:mine"), target=version,
    )


# --- The annual update campaign --------------------------------------------------------------


def campaign_done_owner_ids(campaign):
    """Researchers who confirmed (no change) or updated their disclosure for ``campaign``."""
    return DisclosureVersion.objects.filter(
        campaign=campaign, status__in=DONE_STATUSES,
    ).values("disclosure__owner_id")


def campaign_pending_researchers(campaign):
    return users_with_perm(RESEARCHERS).exclude(pk__in=campaign_done_owner_ids(campaign))


def _campaign_params(campaign) -> dict:
    return {"campaign": campaign.title, "due_date": campaign.due_date.isoformat()}


def campaign_researcher_url(campaign) -> str:
    return sources.url("disclosures:mine") or sources.url("disclosures:index")


def campaign_staff_url(campaign) -> str:
    return (sources.url("disclosures:campaign_detail", campaign.public_id)
            or sources.url("disclosures:campaigns"))


def campaign_opened_drafts(campaign, researchers=None) -> Iterator[Draft]:
    """The "campaign opened" notice for every (given) researcher."""
    qs = researchers if researchers is not None else users_with_perm(RESEARCHERS)
    yield from sources.drafts_for(qs, CAMPAIGN_OPENED.code, _campaign_params(campaign),
                                  campaign_researcher_url(campaign), Target.of(campaign))


def campaign_remind_now(campaign, *, department_ids=None) -> tuple[int, int]:
    """"Remind now" from the campaign page: one reminder to each researcher (of the given
    departments) who has not responded, at most once per ISO week — the period of the dedupe
    key, so pressing the button again, or two staff pressing it, sends nothing more that week.
    Returns (stored now, pending in all)."""
    today = timezone.localdate()
    pending = campaign_pending_researchers(campaign)
    if department_ids is not None:
        pending = pending.filter(department_id__in=department_ids)
    year, week, _day = today.isocalendar()
    params = {**_campaign_params(campaign), "days": max((campaign.due_date - today).days, 0)}
    drafts = sources.drafts_for(pending, CAMPAIGN_REMINDER.code, params,
                                campaign_researcher_url(campaign), Target.of(campaign),
                                f"now-{year}-W{week:02d}")
    return services.notifications_create(drafts), pending.count()


@fan_out("campaign_opened")
def campaign_fan_out(campaign_id: int) -> int:
    """Store the "campaign opened" notice for every researcher (bulk, batched)."""
    from portal.audit import audit_log

    campaign = UpdateCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != UpdateCampaign.Status.OPEN:
        return 0
    with transaction.atomic():
        count = services.notifications_create(campaign_opened_drafts(campaign))
        audit_log(action="notifications.campaign.announced", target=campaign,
                  data={"count": count})
    return count


def _on_campaign_opened(sender, campaign=None, **kwargs) -> None:
    if campaign is not None:
        fan_out_enqueue("campaign_opened", object_id=campaign.pk)


campaign_opened.connect(_on_campaign_opened, dispatch_uid="disclosures.notices.campaign_opened")


def _open_campaigns():
    return UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN)


def plan_campaign_reminders(*, now, days_before=(14, 3), **_options) -> Iterator[Draft]:
    """Before the due date: the opening notice for researchers who joined late, and one
    reminder per threshold (days_before) to those who have not responded yet.

    The period is the threshold reached (``d14``, ``d3``): a run missed on the exact day is
    caught up the next day, and a threshold is never sent twice.
    """
    today = sources.today(now)
    for campaign in _open_campaigns().filter(due_date__gte=today, opens_on__lte=today):
        pending = campaign_pending_researchers(campaign)
        yield from campaign_opened_drafts(campaign, pending)
        days_left = (campaign.due_date - today).days
        reached = [
            int(n) for n in days_before
            if days_left <= int(n) and campaign.due_date - dt.timedelta(days=int(n)) >= campaign.opens_on
        ]
        if not reached:
            continue
        params = {**_campaign_params(campaign), "days": days_left}
        yield from sources.drafts_for(pending, CAMPAIGN_REMINDER.code, params,
                                      campaign_researcher_url(campaign), Target.of(campaign),
                                      f"d{min(reached)}")


def _reviewer_scopes() -> dict[tuple[int, str], set[int]]:
    """(user id, language) → departments whose reviews they are told of (their subtrees)."""
    roles = get_permission(REVIEWERS_TOLD).roles
    rows = RoleAssignment.objects.filter(
        role__in=roles, user__is_active=True, department__isnull=False,
    ).values_list("user_id", "user__language", "department_id")
    scope: dict[tuple[int, str], set[int]] = defaultdict(set)
    for user_id, language, dept_id in rows:
        scope[(user_id, language)].add(dept_id)
    return {key: department_subtree_ids(roots) for key, roots in scope.items()}


def plan_campaign_overdue(
    *, now, repeat_every_days=7, escalate_reviewer_after=7, escalate_office_after=14, **_options
) -> Iterator[Draft]:
    """After the due date: an overdue notice to each researcher who has not responded
    (repeated every ``repeat_every_days``), then escalation: to the reviewers of their
    departments after ``escalate_reviewer_after`` days, to the research office after
    ``escalate_office_after`` days (each repeated on the same rhythm).
    """
    today = sources.today(now)
    every = max(int(repeat_every_days), 1)
    for campaign in _open_campaigns().filter(due_date__lt=today):
        days_over = (today - campaign.due_date).days
        params = _campaign_params(campaign)
        target = Target.of(campaign)
        pending = list(
            campaign_pending_researchers(campaign).values_list(
                "pk", "language", "department_id", "family_name", "given_name", "email"
            )
        )
        if not pending:
            continue
        link = campaign_researcher_url(campaign)
        period = f"w{(days_over - 1) // every}"
        for pk, language, *_rest in pending:
            yield Draft(pk, CAMPAIGN_OVERDUE.code, params, link, target, period, language)
        staff_url = campaign_staff_url(campaign)
        if days_over >= int(escalate_reviewer_after):
            period = f"esc1-w{(days_over - int(escalate_reviewer_after)) // every}"
            for (user_id, language), depts in _reviewer_scopes().items():
                rows = [(f, g, e) for _pk, _l, d, f, g, e in pending if d in depts]
                if rows:
                    yield Draft(user_id, CAMPAIGN_ESCALATION.code,
                                {**params, "count": len(rows), "names": sources.names(rows)},
                                staff_url, target, period, language)
        if days_over >= int(escalate_office_after):
            period = f"esc2-w{(days_over - int(escalate_office_after)) // every}"
            rows = [(f, g, e) for _pk, _l, _d, f, g, e in pending]
            esc = {**params, "count": len(rows), "names": sources.names(rows)}
            yield from sources.drafts_for(users_with_perm(OFFICE_TOLD), CAMPAIGN_ESCALATION.code,
                                          esc, staff_url, target, period)


# --- Disclosures -----------------------------------------------------------------------------


def plan_disclosure_stale(*, now, after_days=365, **_options) -> Iterator[Draft]:
    """Researchers whose last submitted version is older than ``after_days`` (every 30 days)."""
    today = sources.today(now)
    cutoff = now - dt.timedelta(days=int(after_days))
    rows = (
        Disclosure.objects.filter(owner__is_active=True)
        .annotate(last=Max("versions__submitted_at"))
        .filter(last__lt=cutoff)
        .values_list("pk", "owner_id", "owner__language", "last")
    )
    ct = ContentType.objects.get_for_model(Disclosure)
    link = sources.url("disclosures:mine")
    for pk, owner_id, language, last in rows.iterator(chunk_size=5000):
        last_day = timezone.localdate(last)
        rounds = max((today - last_day).days - int(after_days), 0) // 30
        yield Draft(owner_id, DISCLOSURE_STALE.code, {"last": last_day.isoformat()}, link,
                    Target(ct.pk, str(pk), ""), f"{last_day.isoformat()}:{rounds}", language)


def plan_items_ended(*, now, lookback_days=90, **_options) -> Iterator[Draft]:
    """Positions and contracts in a researcher's current version whose end date has passed
    (within ``lookback_days``), once per item (``item_key``) and end date."""
    today = sources.today(now)
    since = today - dt.timedelta(days=int(lookback_days))
    link = sources.url("disclosures:mine")
    for model, label_field in ((PositionItem, "role"), (ContractItem, "title")):
        ct = ContentType.objects.get_for_model(model)
        rows = model.objects.filter(
            end_date__lt=today, end_date__gte=since,
            version_id=F("version__disclosure__current_version_id"),
            version__disclosure__owner__is_active=True,
        ).values_list(
            "item_key", "end_date", label_field, "organisation__name_ja", "organisation__name_en",
            "version__disclosure__owner_id", "version__disclosure__owner__language",
        )
        for key, end, label, org_ja, org_en, owner_id, language in rows.iterator(chunk_size=5000):
            org = (org_en or org_ja) if language == "en" else (org_ja or org_en)
            item = " — ".join(x for x in (label, org) if x) or str(model._meta.verbose_name)
            yield Draft(owner_id, ITEM_ENDED.code, {"item": item, "end_date": end.isoformat()},
                        link, Target(ct.pk, str(key), item[:300]), end.isoformat(), language)


# 0 8 * * *  — daily 08:00: campaign notices to researchers who joined late, and reminders
# 14 and 3 days before the due date.
schedules.register(
    "campaign_reminders", _("Annual update: reminders before the due date"),
    _("Reminds researchers who have not confirmed or updated their disclosure, a number of "
      "days before the campaign's due date."),
    {"minute": "0", "hour": "8"}, *schedules.planned(plan_campaign_reminders),
    options={"days_before": [14, 3]},
)
# 5 8 * * *  — daily 08:05: overdue notices (weekly repeats) and escalation to the department
# reviewer, then to the research office.
schedules.register(
    "campaign_overdue", _("Annual update: overdue notices and escalation"),
    _("Tells overdue researchers, and escalates them to their department reviewer and then "
      "to the research office."),
    {"minute": "5", "hour": "8"}, *schedules.planned(plan_campaign_overdue),
    options={"repeat_every_days": 7, "escalate_reviewer_after": 7, "escalate_office_after": 14},
)
# 15 8 * * *  — daily 08:15: disclosures not updated for 12 months.
schedules.register(
    "disclosure_stale", _("Disclosures not updated for 12 months"),
    _("Asks researchers whose last submitted disclosure is older than the given number of "
      "days to check it (repeated every 30 days)."),
    {"minute": "15", "hour": "8"}, *schedules.planned(plan_disclosure_stale),
    options={"after_days": 365},
)
# 20 8 * * *  — daily 08:20: side jobs and contracts whose end date has passed.
schedules.register(
    "items_ended", _("Side jobs and contracts past their end date"),
    _("Asks researchers to update their disclosure when a position or contract in it has "
      "passed its end date."),
    {"minute": "20", "hour": "8"}, *schedules.planned(plan_items_ended),
    options={"lookback_days": 90},
)


# --- The staff digest's lines ----------------------------------------------------------------


@sources.waiting_item
def _waiting(user, today):
    from django.utils.translation import gettext

    from disclosures.selectors import pending_review_count
    from portal.permissions import has_perm

    items = []
    if has_perm(user, "disclosures.disclosure.review"):
        items.append((gettext("Disclosures waiting for your review"),
                      pending_review_count(user=user), sources.url("disclosures:queue")))
    if has_perm(user, OFFICE_TOLD):
        for campaign in _open_campaigns().filter(due_date__lt=today):
            items.append((gettext("Researchers overdue for %(campaign)s")
                          % {"campaign": campaign.title},
                          campaign_pending_researchers(campaign).count(),
                          campaign_staff_url(campaign)))
    return items
