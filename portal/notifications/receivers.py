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
