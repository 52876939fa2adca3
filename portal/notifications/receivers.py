"""Receivers of other apps' signals (connected in apps.py)."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def on_campaign_opened(sender, campaign=None, **kwargs) -> None:
    """disclosures sends ``campaign_opened`` on commit: notify every active researcher.

    The fan-out runs in a worker; if the broker is down it runs here instead, so no campaign is
    ever left unannounced (the daily reminder schedule also catches anybody missed).
    """
    if campaign is None:
        return
    from portal.notifications import tasks

    try:
        tasks.fan_out_campaign.delay(campaign.pk)
    except Exception as exc:  # broker down: store the notifications now
        logger.warning("Broker unavailable, fanning campaign %s out in-process: %s",
                       campaign.pk, exc)
        try:
            campaign_fan_out(campaign_id=campaign.pk)
        except Exception:  # a receiver must never undo the caller's work
            logger.exception("Fan-out of campaign %s failed; the daily schedule will retry",
                             campaign.pk)


def campaign_fan_out(*, campaign_id: int) -> int:
    """Store the "campaign opened" notice for every active researcher (bulk, batched)."""
    from disclosures.models import UpdateCampaign
    from portal.audit import audit_log
    from portal.notifications import services, sources

    campaign = UpdateCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != UpdateCampaign.Status.OPEN:
        return 0
    with transaction.atomic():
        count = services.notifications_create(sources.campaign_opened_drafts(campaign))
        audit_log(action="notifications.campaign.announced", target=campaign,
                  data={"count": count})
    return count


def on_version_submitted(sender, version=None, **kwargs) -> None:
    """A disclosure was submitted for review: tell the reviewers of its department.

    Runs after the submission committed (disclosures sends the signal on commit); the notices
    are stored in their own transaction and e-mailed by a worker. Never raises.
    """
    if version is None:
        return
    try:
        version_submitted_notify(version_id=version.pk)
    except Exception:
        logger.exception("Could not store review notices for version %s", version.pk)


def version_submitted_notify(*, version_id: int) -> int:
    from disclosures.models import DisclosureVersion
    from portal.models import Role, RoleAssignment
    from portal.notifications import services
    from portal.notifications.sources import _url

    version = (DisclosureVersion.objects.select_related("disclosure__owner", "disclosure__department")
               .filter(pk=version_id).first())
    if version is None or version.status not in DisclosureVersion.PENDING_REVIEW:
        return 0
    department = version.disclosure.department or version.disclosure.owner.department
    if department is None:
        return 0
    scope = [department.pk] + [d.pk for d in department.ancestors()]
    reviewers = RoleAssignment.objects.filter(
        role=Role.DEPT_REVIEWER, department_id__in=scope, user__is_active=True,
    ).exclude(user_id=version.disclosure.owner_id).values_list("user_id", "user__language").distinct()
    owner = version.disclosure.owner
    name = f"{owner.family_name} {owner.given_name}".strip() or owner.email
    submitted = version.submitted_at.date().isoformat() if version.submitted_at else ""
    target = services.Target.of(version)
    url = _url("disclosures:queue") or _url("disclosures:index")
    drafts = [
        services.Draft(user_id, "review_waiting", {"researcher": name, "submitted": submitted},
                       url, target, "", language)
        for user_id, language in reviewers
    ]
    with transaction.atomic():
        return services.notifications_create(drafts)
