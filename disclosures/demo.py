"""Demo data of the disclosures app (idempotent).

- researcher@demo.example: an accepted disclosure with a side job at a foreign company, a grant
  from a foreign funder and an equipment gift;
- researcher2@demo.example: a submitted disclosure waiting for review;
- an open annual update campaign for the current fiscal year;
- the Japanese universities of ROR in the organisation registry (when the data is present).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from disclosures import services
from disclosures.models import (
    CareerItem,
    Disclosure,
    FundingItem,
    PositionItem,
    SupportItem,
    UpdateCampaign,
)
from portal.fiscal import fiscal_year_of
from portal.models import Organisation, User
from portal.services import organisation_save

ORGANISATIONS = [
    # (name_ja, name_en, country, kind, aliases)
    ("", "Acme Robotics Inc.", "US", "company", ["Acme Robotics"]),
    ("", "Pacific Science Foundation", "US", "funder", ["PSF"]),
    ("株式会社デモ計測", "Demo Instruments Co., Ltd.", "JP", "company", []),
    ("日本学術振興会", "Japan Society for the Promotion of Science", "JP", "funder", ["JSPS"]),
    ("デモ大学", "Demo University", "JP", "university", []),
]


def _organisation(name_ja, name_en, country, kind, aliases) -> Organisation:
    org = Organisation.objects.filter(name_en=name_en).first()
    if org is None:
        org = organisation_save(instance=Organisation(name_ja=name_ja, name_en=name_en,
                                                      country=country, kind=kind,
                                                      is_verified=True), aliases=aliases)
    return org


@transaction.atomic
def load(stdout=None) -> None:
    orgs = {o[1]: _organisation(*o) for o in ORGANISATIONS}
    admin = User.objects.filter(email="admin@demo.example").first()
    reviewer = User.objects.filter(email="reviewer@demo.example").first()
    alice = User.objects.filter(email="researcher@demo.example").first()
    hanako = User.objects.filter(email="researcher2@demo.example").first()
    if not all((admin, reviewer, alice, hanako)):
        if stdout:
            stdout.write("disclosures demo: the core's demo users are missing; skipped.")
        return

    if not Disclosure.objects.filter(owner=alice).exists():
        disclosure = services.disclosure_get_or_create(owner=alice, actor=alice)
        draft = services.draft_get_or_create(disclosure=disclosure, actor=alice)
        services.version_items_replace(version=draft, actor=alice, lock_version=draft.lock_version,
                                       items={
            "career": [CareerItem(organisation=orgs["Demo University"], country="JP",
                                  position="准教授", department_name="機械工学専攻",
                                  start_date=dt.date(2018, 4, 1))],
            "position": [PositionItem(organisation=orgs["Acme Robotics Inc."], country="US",
                                      role="Technical adviser", paid=True,
                                      remuneration_band="1m_5m", hours_per_month=Decimal("8"),
                                      effort_percent=Decimal("5"), approved=True,
                                      approved_on=dt.date(2024, 3, 15), is_abroad=False,
                                      start_date=dt.date(2024, 4, 1))],
            "funding": [
                FundingItem(organisation=orgs["Pacific Science Foundation"], country="US",
                            programme="Frontier Research Grants",
                            project_title="Soft actuators for rehabilitation robots", role="pi",
                            status="received", amount=Decimal("120000"), currency="USD",
                            effort_percent=Decimal("15"), managed_by_institution=True,
                            declared_in_applications=True, start_date=dt.date(2024, 10, 1),
                            end_date=dt.date(2027, 9, 30)),
                FundingItem(organisation=orgs["Japan Society for the Promotion of Science"],
                            country="JP", programme="科学研究費助成事業 基盤研究(B)",
                            project_title="柔軟アクチュエータの研究", role="pi",
                            status="received", amount=Decimal("13000000"), currency="JPY",
                            effort_percent=Decimal("30"), start_date=dt.date(2023, 4, 1),
                            end_date=dt.date(2027, 3, 31)),
            ],
            "support": [SupportItem(organisation=orgs["Demo Instruments Co., Ltd."],
                                    country="JP", kind="equipment",
                                    description="高速度カメラ（貸与）",
                                    estimated_value=Decimal("2500000"), currency="JPY")],
        })
        version = services.version_submit(version=draft, actor=alice, attest=True)
        services.version_accept(version=version, actor=reviewer)

    if not Disclosure.objects.filter(owner=hanako).exists():
        disclosure = services.disclosure_get_or_create(owner=hanako, actor=hanako)
        draft = services.draft_get_or_create(disclosure=disclosure, actor=hanako)
        services.version_items_replace(version=draft, actor=hanako, lock_version=draft.lock_version,
                                       items={
            "position": [PositionItem(organisation=orgs["Acme Robotics Inc."], country="US",
                                      role="Scientific advisory board member", paid=True,
                                      remuneration_band="lt1m", effort_percent=Decimal("3"),
                                      approved=False, start_date=dt.date(2025, 1, 1))],
        })
        services.version_submit(version=draft, actor=hanako, attest=True)

    year = fiscal_year_of()
    if not UpdateCampaign.objects.filter(fiscal_year=year).exists() and \
            not UpdateCampaign.objects.filter(status=UpdateCampaign.Status.OPEN).exists():
        start, _end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
        services.campaign_open(fiscal_year=year, actor=admin, opens_on=start,
                               due_date=dt.date(year + 1, 3, 31))
    _load_ror_subset(stdout)
    if stdout:
        stdout.write("disclosures demo: loaded.")




def _load_ror_subset(stdout=None) -> None:
    """Japanese universities from ROR, so the organisation picker has real entries."""
    ror_education = Path(settings.PORTAL_SAMPLE_DATA) / "ror" / "ror_v2_country_JP_education.json"
    if not ror_education.exists() or Organisation.objects.filter(ror_id="05dqf9946").exists():
        return
    call_command("organisations_load_ror", str(ror_education), stdout=stdout or io.StringIO())
