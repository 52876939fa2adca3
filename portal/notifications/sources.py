"""Reminder sources: planners that say who should be told what, now.

Each ``plan_*`` function takes ``now`` and its schedule's options and yields
:class:`~portal.notifications.services.Draft` objects. They read with a handful of set-based
queries (no per-researcher loop of queries) and choose a ``period`` so that the dedupe key
(kind, object, recipient, period) makes every reminder happen at most once, however often the
schedule runs. Planners write nothing: the schedule's run stores the drafts, its preview
lists them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.models import Department, Role, RoleAssignment, User
from portal.notifications.services import Draft, Target

MAX_NAMES = 50


def _url(name: str, *args, default: str = "") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return default


def _today(now) -> dt.date:
    return timezone.localdate(now)


def active_researchers():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role=Role.RESEARCHER).values("user_id"),
    )


def _holders_of(*roles) -> list[tuple[int, str]]:
    return list(
        User.objects.filter(
            is_active=True, pk__in=RoleAssignment.objects.filter(role__in=roles).values("user_id")
        ).values_list("pk", "language")
    )


# --- Annual update campaign ------------------------------------------------------------------


DONE_STATUSES = ("submitted", "under_review", "accepted")


def campaign_done_owner_ids(campaign):
    """Researchers who confirmed (no change) or updated their disclosure for ``campaign``."""
    from disclosures.models import DisclosureVersion

    return DisclosureVersion.objects.filter(
        campaign=campaign, status__in=DONE_STATUSES,
    ).values("disclosure__owner_id")


def campaign_pending_researchers(campaign):
    return active_researchers().exclude(pk__in=campaign_done_owner_ids(campaign))


def _campaign_params(campaign) -> dict:
    return {"campaign": campaign.title, "due_date": campaign.due_date.isoformat()}


def campaign_researcher_url(campaign) -> str:
    return _url("disclosures:mine") or _url("disclosures:index")


def campaign_staff_url(campaign) -> str:
    return (_url("disclosures:campaign_detail", campaign.public_id)
            or _url("disclosures:campaigns") or _url("disclosures:index"))


def campaign_opened_drafts(campaign, researchers=None) -> Iterator[Draft]:
    """The "campaign opened" notice for every (given) active researcher."""
    params = _campaign_params(campaign)
    url = campaign_researcher_url(campaign)
    target = Target.of(campaign)
    qs = researchers if researchers is not None else active_researchers()
    for pk, language in qs.values_list("pk", "language").iterator(chunk_size=5000):
        yield Draft(pk, "campaign_opened", params, url, target, "", language)


def _open_campaigns():
    from disclosures.models import UpdateCampaign

    return UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN)


def plan_campaign_reminders(*, now, days_before=(14, 3), **_options) -> Iterator[Draft]:
    """Before the due date: the opening notice for researchers who joined late, and one
    reminder per threshold (days_before) to those who have not responded yet.

    The period is the threshold reached (``d14``, ``d3``): a run missed on the exact day is
    caught up the next day, and a threshold is never sent twice.
    """
    today = _today(now)
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
        threshold = min(reached)
        params = {**_campaign_params(campaign), "days": days_left}
        url = campaign_researcher_url(campaign)
        target = Target.of(campaign)
        for pk, language in pending.values_list("pk", "language").iterator(chunk_size=5000):
            yield Draft(pk, "campaign_reminder", params, url, target, f"d{threshold}", language)


def _subtrees() -> dict[int, set[int]]:
    """Department id → ids of it and every department below it (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    ids = []
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
        ids.append(pk)
    result = {}
    for root in ids:
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(children.get(node, ()))
        result[root] = seen
    return result


def _names(rows: list[tuple]) -> str:
    lines = [f"- {family} {given} <{email}>".replace("  ", " ") for family, given, email in rows[:MAX_NAMES]]
    if len(rows) > MAX_NAMES:
        lines.append(f"(+{len(rows) - MAX_NAMES})")
    return "\n".join(lines)


def plan_campaign_overdue(
    *, now, repeat_every_days=7, escalate_reviewer_after=7, escalate_office_after=14, **_options
) -> Iterator[Draft]:
    """After the due date: an overdue notice to each researcher who has not responded
    (repeated every ``repeat_every_days``), then escalation: to the reviewers of their
    departments after ``escalate_reviewer_after`` days, to the research office after
    ``escalate_office_after`` days (each repeated on the same rhythm).
    """
    today = _today(now)
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
        url = campaign_researcher_url(campaign)
        period = f"w{(days_over - 1) // every}"
        for pk, language, *_rest in pending:
            yield Draft(pk, "campaign_overdue", params, url, target, period, language)
        staff_url = campaign_staff_url(campaign)
        if days_over >= int(escalate_reviewer_after):
            period = f"esc1-w{(days_over - int(escalate_reviewer_after)) // every}"
            subtrees = _subtrees()
            reviewers = RoleAssignment.objects.filter(
                role=Role.DEPT_REVIEWER, user__is_active=True
            ).values_list("user_id", "user__language", "department_id")
            scope: dict[tuple[int, str], set[int]] = defaultdict(set)
            for user_id, language, dept_id in reviewers:
                scope[(user_id, language)] |= subtrees.get(dept_id, {dept_id})
            for (user_id, language), depts in scope.items():
                rows = [(f, g, e) for _pk, _l, d, f, g, e in pending if d in depts]
                if rows:
                    yield Draft(user_id, "campaign_escalation",
                                {**params, "count": len(rows), "names": _names(rows)},
                                staff_url, target, period, language)
        if days_over >= int(escalate_office_after):
            period = f"esc2-w{(days_over - int(escalate_office_after)) // every}"
            rows = [(f, g, e) for _pk, _l, _d, f, g, e in pending]
            esc = {**params, "count": len(rows), "names": _names(rows)}
            for user_id, language in _holders_of(Role.OFFICE_STAFF):
                yield Draft(user_id, "campaign_escalation", esc, staff_url, target, period,
                            language)


# --- Disclosures -----------------------------------------------------------------------------


def plan_disclosure_stale(*, now, after_days=365, **_options) -> Iterator[Draft]:
    """Researchers whose last submitted version is older than ``after_days`` (every 30 days)."""
    from disclosures.models import Disclosure

    today = _today(now)
    cutoff = now - dt.timedelta(days=int(after_days))
    rows = (
        Disclosure.objects.filter(owner__is_active=True)
        .annotate(last=Max("versions__submitted_at"))
        .filter(last__lt=cutoff)
        .values_list("pk", "owner_id", "owner__language", "last")
    )
    ct = ContentType.objects.get_for_model(Disclosure)
    url = _url("disclosures:mine") or _url("disclosures:index")
    for pk, owner_id, language, last in rows.iterator(chunk_size=5000):
        last_day = timezone.localdate(last)
        rounds = max((today - last_day).days - int(after_days), 0) // 30
        yield Draft(owner_id, "disclosure_stale", {"last": last_day.isoformat()}, url,
                    Target(ct.pk, str(pk), ""), f"{last_day.isoformat()}:{rounds}", language)


def plan_items_ended(*, now, lookback_days=90, **_options) -> Iterator[Draft]:
    """Positions and contracts in a researcher's current version whose end date has passed
    (within ``lookback_days``), once per item (``item_key``) and end date."""
    from django.db.models import F

    from disclosures.models import ContractItem, PositionItem

    today = _today(now)
    since = today - dt.timedelta(days=int(lookback_days))
    url = _url("disclosures:mine") or _url("disclosures:index")
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
            yield Draft(owner_id, "item_ended", {"item": item, "end_date": end.isoformat()}, url,
                        Target(ct.pk, str(key), item[:300]), end.isoformat(), language)


# --- Risk management -------------------------------------------------------------------------


def _threshold(days_left: int, days_before) -> int | None:
    reached = [int(n) for n in days_before if 0 <= days_left <= int(n)]
    return min(reached) if reached else None


def plan_mitigation_measures(*, now, due_within_days=7, repeat_every_days=7, **_options) -> Iterator[Draft]:
    """Open mitigation measures due within ``due_within_days`` (once per due date) or overdue
    (weekly), to their owners."""
    from riskmgmt.models import MeasureKind, MitigationMeasure

    today = _today(now)
    every = max(int(repeat_every_days), 1)
    ct = ContentType.objects.get_for_model(MitigationMeasure)
    rows = MitigationMeasure.objects.filter(
        status__in=MitigationMeasure.OPEN_STATUSES, owner__is_active=True,
        due_date__lte=today + dt.timedelta(days=int(due_within_days)),
    ).values_list("pk", "kind", "due_date", "owner_id", "owner__language", "case__public_id",
                  "inquiry__public_id")
    for pk, kind, due, owner_id, language, case_id, inquiry_id in rows.iterator(chunk_size=5000):
        url = (_url("riskmgmt:case_detail", case_id) if case_id else
               _url("riskmgmt:inquiry_detail", inquiry_id)) or _url("riskmgmt:index")
        label = MeasureKind(kind).label if kind in MeasureKind.values else kind
        params = {"measure": label, "due_date": due.isoformat()}
        target = Target(ct.pk, str(pk), str(label)[:300])
        if due >= today:
            yield Draft(owner_id, "mitigation_due", params, url, target, f"due-{due.isoformat()}",
                        language)
        else:
            period = f"{due.isoformat()}:w{((today - due).days - 1) // every}"
            yield Draft(owner_id, "mitigation_overdue", params, url, target, period, language)


def plan_inquiry_deadlines(*, now, days_before=(7, 1), **_options) -> Iterator[Draft]:
    """Open funding-agency inquiries whose deadline is near: to the person handling each, or to
    the research office when nobody is named (once per threshold)."""
    from riskmgmt.models import FundingAgencyInquiry

    today = _today(now)
    horizon = today + dt.timedelta(days=max(int(n) for n in days_before) if days_before else 0)
    ct = ContentType.objects.get_for_model(FundingAgencyInquiry)
    rows = list(FundingAgencyInquiry.objects.filter(
        status__in=[FundingAgencyInquiry.Status.RECEIVED, FundingAgencyInquiry.Status.IN_PROGRESS],
        deadline__gte=today, deadline__lte=horizon,
    ).values_list("pk", "public_id", "reference", "project_title", "deadline", "handled_by_id",
                  "handled_by__language", "handled_by__is_active"))
    office = _holders_of(Role.OFFICE_STAFF) if rows else []
    for pk, public_id, ref, title, deadline, handler, language, active in rows:
        threshold = _threshold((deadline - today).days, days_before)
        if threshold is None:
            continue
        label = f"{ref} {title}"
        params = {"inquiry": label, "due_date": deadline.isoformat()}
        url = _url("riskmgmt:inquiry_detail", public_id) or _url("riskmgmt:index")
        target = Target(ct.pk, str(pk), label[:300])
        recipients = [(handler, language)] if handler and active else office
        for user_id, lang in recipients:
            yield Draft(user_id, "inquiry_deadline", params, url, target,
                        f"{deadline.isoformat()}:d{threshold}", lang)


def plan_information_requests(*, now, after_days=7, repeat_every_days=7, **_options) -> Iterator[Draft]:
    """Requests for information unanswered after ``after_days``, to the researcher (weekly)."""
    from riskmgmt.models import InformationRequest

    every = max(int(repeat_every_days), 1)
    ct = ContentType.objects.get_for_model(InformationRequest)
    rows = InformationRequest.objects.filter(
        answered_at__isnull=True, researcher__is_active=True,
        asked_at__lte=now - dt.timedelta(days=int(after_days)),
    ).values_list("pk", "public_id", "question", "asked_at", "researcher_id",
                  "researcher__language")
    for pk, public_id, question, asked, user_id, language in rows.iterator(chunk_size=5000):
        days = (now - asked).days
        short = " ".join(question.split())[:80]
        url = _url("riskmgmt:my_request_detail", public_id) or _url("riskmgmt:index")
        yield Draft(user_id, "information_request",
                    {"request": short, "asked": timezone.localdate(asked).isoformat()}, url,
                    Target(ct.pk, str(pk), short), f"r{(days - int(after_days)) // every}", language)


# --- Staff digest ----------------------------------------------------------------------------


def waiting_for(user, *, today: dt.date) -> list[tuple[str, int, str]]:
    """What is waiting for a staff member: (label, count, link) for non-zero counts only.

    Each count goes through the owning app's selector (so the user's scope applies); a source
    whose app is unavailable is skipped.
    """
    from django.utils.translation import gettext as _

    from portal.permissions import has_perm, roles_of

    items: list[tuple[str, int, str]] = []
    roles = roles_of(user)
    office = bool(roles & {Role.OFFICE_STAFF, Role.ADMIN})

    def add(label, count, url):
        if count:
            items.append((str(label), count, url))

    try:
        from disclosures.selectors import pending_review_count

        add(_("Disclosures waiting for your review"), pending_review_count(user=user),
            _url("disclosures:queue"))
    except Exception:  # noqa: S110 - an unavailable source is left out of the digest
        pass
    try:
        from riskmgmt.models import Case, MitigationMeasure
        from riskmgmt.selectors import case_list_for, inquiries_for, screening_hits_for

        cases = case_list_for(user=user).exclude(status=Case.Status.CLOSED)
        add(_("Risk cases assigned to you"), cases.filter(assignee=user).count(),
            _url("riskmgmt:index"))
        if office:
            add(_("Risk cases nobody is assigned to"), cases.filter(assignee__isnull=True).count(),
                _url("riskmgmt:index"))
            add(_("Screening hits to review"), screening_hits_for(user=user).count(),
                _url("riskmgmt:hit_list"))
            add(_("Funding-agency inquiries due within 14 days"),
                inquiries_for(user=user).filter(
                    status__in=["received", "in_progress"],
                    deadline__lte=today + dt.timedelta(days=14)).count(),
                _url("riskmgmt:inquiry_list"))
        add(_("Your mitigation measures due within 14 days or overdue"),
            MitigationMeasure.objects.filter(
                owner=user, status__in=MitigationMeasure.OPEN_STATUSES,
                due_date__lte=today + dt.timedelta(days=14)).count(),
            _url("riskmgmt:index"))
    except Exception:  # noqa: S110
        pass
    if office:
        for campaign in _open_campaigns().filter(due_date__lt=today):
            add(_("Researchers overdue for %(campaign)s") % {"campaign": campaign.title},
                campaign_pending_researchers(campaign).count(),
                campaign_staff_url(campaign))
    if has_perm(user, "notifications.delivery.view"):
        from portal.notifications.models import Delivery

        add(_("Notification e-mails that failed"),
            Delivery.objects.filter(status=Delivery.Status.FAILED,
                                    updated_at__date__gte=today - dt.timedelta(days=7)).count(),
            _url("notifications:deliveries") + "?status=failed")
    return items


def staff_summary(user, *, today: dt.date) -> str:
    from django.utils import translation

    from portal.notifications.models import absolute

    with translation.override(user.language or "ja"):
        return "\n".join(f"- {label}: {count}  {absolute(url)}"
                         for label, count, url in waiting_for(user, today=today))


def plan_staff_digest(*, now, **_options) -> Iterator[Draft]:
    """Monday digest for reviewers, office staff and administrators with something waiting."""
    year, week, _day = _today(now).isocalendar()
    users = User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(
            role__in=[Role.DEPT_REVIEWER, Role.OFFICE_STAFF, Role.ADMIN]
        ).values("user_id"),
    ).prefetch_related("role_assignments")
    url = _url("portal:dashboard")
    today = _today(now)
    for user in users:
        summary = staff_summary(user, today=today)
        if summary:
            yield Draft(user.pk, "staff_digest", {"summary": summary}, url, Target(),
                        f"{year}-W{week:02d}", user.language)
