"""Builders for risk-management tests. Disclosure versions are built with the ORM so that each
rule can be tested on exactly the facts it needs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from disclosures.models import (
    ContractItem,
    Disclosure,
    DisclosureVersion,
    DonationItem,
    ExternalRecordImport,
    ExternalRecordItem,
    FundingItem,
    PositionItem,
    ProgrammeItem,
    SpecifiedCategoryItem,
    SupportItem,
)
from portal.models import Organisation
from riskmgmt import services

GENERIC_CSV = (
    "name,aliases,country,source,note\n"
    "Harbin Institute of Technology,HIT;哈爾浜工業大学,CN,METI,\n"
    "Kim Il Sung University,金日成総合大学,KP,METI,\n"
    "Rosatom State Atomic Energy Corporation,Rosatom;ロスアトム,RU,Test,\n"
)


def org(name_en="Example Corp", name_ja="", country="US", aliases=()) -> Organisation:
    o = Organisation.objects.create(name_en=name_en, name_ja=name_ja, country=country)
    for a in aliases:
        o.aliases.create(name=a)
    return o


def version(user, *, status="submitted", number=None, accepted=False) -> DisclosureVersion:
    disclosure, _c = Disclosure.objects.get_or_create(owner=user,
                                                      defaults={"department": user.department})
    number = number or (disclosure.versions.count() + 1)
    v = DisclosureVersion.objects.create(disclosure=disclosure, number=number, status=status,
                                         submitted_at=timezone.now())
    disclosure.current_version = v
    if accepted:
        disclosure.last_accepted_version = v
    disclosure.save()
    return v


def funding(v, organisation, **kw):
    values = {"programme": "Frontier", "project_title": "Quantum sensors", "status": "received",
              "amount": Decimal("50000"), "currency": "USD", "effort_percent": Decimal("20"),
              "declared_in_applications": True, "start_date": dt.date(2024, 4, 1)}
    values.update(kw)
    return FundingItem.objects.create(version=v, organisation=organisation, **values)


def position(v, organisation, **kw):
    values = {"role": "Adviser", "effort_percent": Decimal("10")}
    values.update(kw)
    return PositionItem.objects.create(version=v, organisation=organisation, **values)


def support(v, organisation, **kw):
    values = {"kind": "equipment", "description": "Spectrometer",
              "estimated_value": Decimal("3000000"), "currency": "JPY"}
    values.update(kw)
    return SupportItem.objects.create(version=v, organisation=organisation, **values)


def donation(v, organisation, **kw):
    values = {"purpose": "Lab", "amount": Decimal("1000000"), "currency": "JPY"}
    values.update(kw)
    return DonationItem.objects.create(version=v, organisation=organisation, **values)


def programme(v, organisation, **kw):
    values = {"programme_kind": "talent", "programme_name": "Thousand Talents"}
    values.update(kw)
    return ProgrammeItem.objects.create(version=v, organisation=organisation, **values)


def contract(v, organisation, **kw):
    values = {"contract_type": "joint_research", "title": "Joint research"}
    values.update(kw)
    return ContractItem.objects.create(version=v, organisation=organisation, **values)


def specified(v, organisation, **kw):
    values = {"relationship": "economic_control", "description": "Salary from abroad"}
    values.update(kw)
    return SpecifiedCategoryItem.objects.create(version=v, organisation=organisation, **values)


def external_record(user, *, organisation_name, kind="affiliation", country="", organisation=None):
    imp = ExternalRecordImport.objects.create(owner=user, source="researchmap",
                                              format="researchmap_jsonl")
    return ExternalRecordItem.objects.create(record_import=imp, owner=user, source="researchmap",
                                             kind=kind, organisation_name=organisation_name,
                                             country=country, organisation=organisation)


def import_list(data: str | bytes = GENERIC_CSV, *, code="test-list", fmt="generic", actor=None,
                rescreen=False):
    lst = services.screening_list_get_or_create(code=code, fmt=fmt, name=f"List {code}")
    if isinstance(data, str):
        data = data.encode()
    release, _result = services.screening_release_import(
        screening_list=lst, data=data, filename="list.csv", actor=actor, rescreen=rescreen)
    return release
