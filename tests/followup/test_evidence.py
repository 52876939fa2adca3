"""Evidence suggested for each question from the portal's own records of a fiscal year."""

import datetime as dt

from django.utils import timezone, translation

from followup import evidence
from followup.models import RegulationDocument
from portal.fiscal import fiscal_year_of


def this_fy():
    return fiscal_year_of(timezone.now())


def test_q1_lists_awareness_activities_of_the_year_with_participants(db, researcher):
    from followup.awareness.models import Attendance, AwarenessActivity

    seminar = AwarenessActivity.objects.create(kind="seminar", title="研究インテグリティ説明会",
                                               date=dt.date(2024, 6, 10), audience="everyone",
                                               participants_count=120)
    training = AwarenessActivity.objects.create(kind="elearning", title="eラーニング",
                                                date=dt.date(2025, 2, 1), audience="researchers")
    Attendance.objects.create(activity=training, user=researcher, attended=True, source="self")
    AwarenessActivity.objects.create(kind="notice", title="前年度の通知", date=dt.date(2024, 3, 31))
    items = evidence.q1(2024)
    assert [i.title for i in items] == ["研究インテグリティ説明会", "eラーニング"]
    assert "120" in items[0].detail and items[0].date == dt.date(2024, 6, 10)
    assert "1" in items[1].detail
    assert seminar.fiscal_year == 2024


def test_q2_and_q4_list_regulations_in_force_by_the_end_of_the_year(db):
    RegulationDocument.objects.create(title="利益相反規程", kind="coi", enacted_on=dt.date(2022, 4, 1),
                                      revised_on=dt.date(2024, 10, 1), original_filename="a.pdf")
    RegulationDocument.objects.create(title="リスク規程", kind="risk", enacted_on=dt.date(2025, 3, 1),
                                      original_filename="b.pdf")
    RegulationDocument.objects.create(title="将来の規程", kind="risk", enacted_on=dt.date(2025, 4, 1),
                                      original_filename="c.pdf")
    q2 = evidence.q2(2024)
    assert [i.title for i in q2] == ["利益相反規程"]
    assert "2022-04-01" in q2[0].detail and "2024-10-01" in q2[0].detail
    assert [i.title for i in evidence.q4(2024)] == ["リスク規程"]
    assert evidence.q4(2023) == []


def test_q3_counts_configured_roles_and_reviewers(personas):
    with translation.override("en"):
        texts = [i.title for i in evidence.q3(2024)]
    assert texts == ["Administrators: 1", "Research-office staff: 2",
                     "Department reviewers: 1 covering 1 departments"]


def test_q5_lists_lists_in_use_and_screenings_run_in_the_year(db):
    from riskmgmt.models import ScreeningList, ScreeningListRelease, ScreeningRun

    lst = ScreeningList.objects.create(code="meti", name="外国ユーザーリスト", format="meti")
    ScreeningListRelease.objects.create(screening_list=lst, number=1, label="2025-09-29",
                                        entry_count=835, is_current=True)
    ScreeningRun.objects.create(kind="registry", status="done", names_checked=400, new_hits=3)
    ScreeningRun.objects.create(kind="adhoc", status="done", names_checked=1, new_hits=0)
    ScreeningRun.objects.create(kind="registry", status="done", names_checked=9, new_hits=9,
                                started_at=timezone.now() - dt.timedelta(days=800))
    items = evidence.q5(this_fy())
    assert "外国ユーザーリスト" in items[0].title and "835" in items[0].detail
    assert "2" in items[1].title
    assert "401" in items[1].detail and "3" in items[1].detail


def test_q6_counts_assessed_cases_with_measures_and_contingency_plans(db, researcher, staff):
    from riskmgmt.models import Case, ContingencyPlan, MitigationMeasure, RiskAssessment

    high = Case.objects.create(reference="C-1", researcher=researcher, concern="other",
                               title="A", risk_level="high")
    low = Case.objects.create(reference="C-2", researcher=researcher, concern="effort",
                              title="B", risk_level="low")
    Case.objects.create(reference="C-3", researcher=researcher, concern="contract_clauses",
                        title="C")
    for case, level in ((high, "high"), (low, "low")):
        RiskAssessment.objects.create(case=case, likelihood=3, impact=4, level=level,
                                      rationale="r", assessed_by=staff)
    MitigationMeasure.objects.create(case=high, kind="data_access", owner=staff,
                                     due_date=dt.date(2030, 1, 1))
    ContingencyPlan.objects.create(case=high, trigger="t", actions="a")
    items = evidence.q6(this_fy())
    assert "2" in items[0].title and "1" in items[0].detail
    assert "1" in items[1].title and "1" in items[2].title
    assert evidence.q6(this_fy() - 3) == []


def test_q7_reports_the_campaign_and_share_of_researchers_who_responded(personas):
    from disclosures.models import Disclosure, DisclosureVersion, UpdateCampaign

    campaign = UpdateCampaign.objects.create(fiscal_year=2024, title="令和6年度 年次更新",
                                             opens_on=dt.date(2024, 6, 1),
                                             due_date=dt.date(2024, 7, 31))
    for user, kind in ((personas["researcher"], "no_change"),
                       (personas["other_researcher"], "initial")):
        d = Disclosure.objects.create(owner=user, department=user.department)
        DisclosureVersion.objects.create(disclosure=d, number=1, status="submitted", kind=kind,
                                         campaign=campaign, submitted_at=timezone.now())
    items = evidence.q7(2024)
    assert "令和6年度 年次更新" in items[0].title and "2024-07-31" in items[0].detail
    # researcher, other_researcher and reviewer hold the researcher role: 1 of 3 responded
    assert "1" in items[1].title and "3" in items[1].title and "33.3%" in items[1].title
    assert evidence.q7(2023) == []


def test_suggestions_cover_all_seven_questions(db):
    assert sorted(evidence.suggestions_for(fiscal_year=2024)) == [1, 2, 3, 4, 5, 6, 7]
