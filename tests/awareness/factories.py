"""Factories of the awareness app."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from followup.awareness import services
from followup.awareness.models import (
    ActivityKind,
    Audience,
    AwarenessActivity,
    CaseStudy,
    CaseStudyStatus,
    Checklist,
    ChecklistTarget,
    RiskType,
)
from portal.fiscal import fiscal_year_of


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = AwarenessActivity
        skip_postgeneration_save = True

    kind = ActivityKind.TRAINING
    title = factory.Sequence(lambda n: f"研究インテグリティ研修 {n}")
    date = factory.LazyFunction(lambda: dt.date(fiscal_year_of(), 5, 10))
    audience = Audience.RESEARCHERS

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        if create and extracted:
            self.departments.set(extracted)


class RiskTypeFactory(DjangoModelFactory):
    class Meta:
        model = RiskType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"risk{n}")
    name_ja = factory.Sequence(lambda n: f"リスク{n}")
    name_en = factory.Sequence(lambda n: f"Risk {n}")


class CaseStudyFactory(DjangoModelFactory):
    class Meta:
        model = CaseStudy
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"事例 {n}")
    scenario = "研究者が海外の機関と契約を結んだ。"
    status = CaseStudyStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: dt.datetime(2025, 4, 1, tzinfo=dt.UTC))

    @factory.post_generation
    def risk_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.risk_types.set(extracted)


RESEARCHER_ITEMS = [
    {"key": "side-jobs", "order": 1, "category": "side_jobs",
     "text": "兼業はすべて届け出ていますか。", "answer_kind": "yes_no_na", "risk_answer": "no",
     "opens_case": True, "risk_concern": "awareness"},
    {"key": "talent", "order": 2, "category": "side_jobs",
     "text": "外国の人材登用プログラムへの参加打診を受けましたか。", "answer_kind": "yes_no",
     "risk_answer": "yes", "opens_case": True, "risk_concern": "talent_programme"},
    {"key": "export", "order": 3, "category": "export_control",
     "text": "該非判定を窓口に確認していますか。", "answer_kind": "yes_no", "risk_answer": "no",
     "opens_case": False, "risk_concern": ""},
    {"key": "free", "order": 4, "category": "other", "text": "相談したいこと",
     "answer_kind": "text", "risk_answer": "", "opens_case": False, "risk_concern": ""},
]


def make_checklist(*, target=ChecklistTarget.RESEARCHER, code=None, items=None,
                   publish=True) -> Checklist:
    """A checklist with the given questions, published as version 1 (services, no actor)."""
    code = code or f"check-{Checklist.objects.count() + 1}"
    checklist = services.checklist_create(actor=None, code=code, title=f"チェックリスト {code}",
                                          target=target)
    for data in items if items is not None else RESEARCHER_ITEMS:
        services.checklist_item_save(actor=None, checklist=checklist, data=dict(data))
    if publish:
        services.checklist_publish(actor=None, checklist=checklist, note="初版")
    return checklist
