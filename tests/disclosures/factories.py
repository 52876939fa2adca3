"""Helpers to build disclosures through the services (so every rule is applied)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from disclosures import services
from disclosures.models import FundingItem, PositionItem, SupportItem, UpdateCampaign
from portal.models import Organisation


def org(name_en="Example Corp", name_ja="", country="US", **kwargs) -> Organisation:
    return Organisation.objects.create(name_en=name_en, name_ja=name_ja, country=country,
                                       **kwargs)


def draft_for(user):
    disclosure = services.disclosure_get_or_create(owner=user, actor=user)
    return services.draft_get_or_create(disclosure=disclosure, actor=user)


def add_item(user, section, item):
    draft = draft_for(user)
    return services.item_save(version=draft, section_code=section, item=item, actor=user,
                              lock_version=draft.lock_version)


def side_job(organisation, **kwargs) -> PositionItem:
    values = {"organisation": organisation, "role": "Technical adviser", "paid": True,
              "remuneration_band": "1m_5m", "effort_percent": Decimal("10"),
              "approved": True, "approved_on": dt.date(2024, 4, 1), "country": "US",
              "start_date": dt.date(2024, 4, 1)}
    values.update(kwargs)
    return PositionItem(**values)


def foreign_grant(funder, **kwargs) -> FundingItem:
    values = {"organisation": funder, "programme": "Frontier Research",
              "project_title": "Quantum sensors", "role": "pi", "status": "received",
              "amount": Decimal("50000"), "currency": "USD", "effort_percent": Decimal("20"),
              "country": "US", "start_date": dt.date(2024, 4, 1)}
    values.update(kwargs)
    return FundingItem(**values)


def equipment_gift(provider, **kwargs) -> SupportItem:
    values = {"organisation": provider, "kind": "equipment", "description": "Spectrometer",
              "estimated_value": Decimal("3000000"), "currency": "JPY", "country": "JP"}
    values.update(kwargs)
    return SupportItem(**values)


def submitted_disclosure(user, *items):
    """A disclosure of ``user`` with ``items`` [(section, item)], submitted."""
    for section, item in items:
        add_item(user, section, item)
    draft = draft_for(user)
    return services.version_submit(version=draft, actor=user, attest=True,
                                   lock_version=draft.lock_version)


def accepted_disclosure(user, reviewer, *items):
    version = submitted_disclosure(user, *items)
    return services.version_accept(version=version, actor=reviewer)


def open_campaign(admin, fiscal_year=2025, due=dt.date(2026, 3, 31)) -> UpdateCampaign:
    return services.campaign_open(fiscal_year=fiscal_year, due_date=due, actor=admin,
                                  opens_on=dt.date(2025, 4, 1))
