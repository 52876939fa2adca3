"""Builders for due-diligence tests."""
from __future__ import annotations

import datetime as dt

from riskmgmt.duediligence import services
from riskmgmt.duediligence.models import Programme
from tests.riskmgmt import factories as rf


def programme(**kw) -> Programme:
    values = {"agency_name": "防衛装備庁", "name_ja": "安全保障技術研究推進制度",
              "name_en": "Innovative Science and Technology Initiative for Security",
              "fiscal_year": 2026, "form_kind": Programme.FormKind.MOD,
              "funding_since": dt.date(2023, 4, 1), "measure_costs_chargeable": True}
    values.update(kw)
    return services.programme_save(instance=Programme(**values))


def project(actor, *, partners=(), **kw):
    lead = kw.pop("lead", None) or rf.org("Example University", "例示大学", country="JP")
    return services.project_create(
        programme=kw.pop("programme", None) or programme(), title=kw.pop("title", "量子センサ"),
        lead_institution=lead, partner_institutions=list(partners), actor=actor,
        declarations_due=kw.pop("declarations_due", dt.date(2026, 12, 20)), **kw)


def member(project, actor, *, user=None, name="", role="co_investigator", institution=None):
    return services.member_add(project=project, role=role, user=user, name=name,
                               institution=institution or project.lead_institution, actor=actor)


def publication(user, title="Quantum sensing", affiliations=("Kyoto University",), kind="paper",
                key=None):
    from disclosures.models import OutputContributor, ResearchOutput

    out = ResearchOutput.objects.create(
        owner=user, source="researchmap", kind=kind, title=title, venue="Phys. Rev.",
        published_on=dt.date(2024, 5, 1),
        external_key=key or f"researchmap:published_papers:{title}")
    OutputContributor.objects.bulk_create([
        OutputContributor(output=out, position=i, name=f"Author {i}", affiliation=a,
                          role=OutputContributor.Role.AUTHOR if kind == "paper"
                          else OutputContributor.Role.INVENTOR)
        for i, a in enumerate(affiliations)])
    return out
