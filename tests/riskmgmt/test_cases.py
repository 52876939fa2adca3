"""Cases: open or join, assessment, decision, plans, questions, closure, FA inquiries."""
import datetime as dt

import pytest

from portal.errors import ApplicationError, NotAllowed
from portal.models import AuditEntry
from riskmgmt import services
from riskmgmt.models import Case, Concern, FundingAgencyInquiry, MeasureKind, risk_level_for

pytestmark = pytest.mark.django_db


def open_case(researcher, concern=Concern.FOREIGN_SUPPORT, reason="Foreign grant"):
    return services.case_open_or_join(researcher=researcher, concern=concern, reason=reason)[0]


def test_case_open_or_join_keeps_one_open_case_per_researcher_and_concern(researcher, staff):
    c1, f1 = services.case_open_or_join(researcher=researcher, concern=Concern.AWARENESS,
                                        reason="Checklist: yes to Q3", source_obj=staff)
    c2, f2 = services.case_open_or_join(researcher=researcher, concern=Concern.AWARENESS,
                                        reason="Checklist: yes to Q5")
    assert c1 == c2 and c1.flags.count() == 2
    assert f1.source == staff and f1.source_label
    services.case_close(case=c1, reason="Explained", actor=staff)
    c3, _f = services.case_open_or_join(researcher=researcher, concern=Concern.AWARENESS,
                                        reason="Again")
    assert c3 != c1


def test_case_open_refuses_an_unknown_concern(researcher):
    with pytest.raises(ApplicationError):
        services.case_open_or_join(researcher=researcher, concern="nationality", reason="x")


@pytest.mark.parametrize("likelihood,impact,level", [
    (1, 1, "low"), (2, 2, "low"), (3, 3, "medium"), (3, 4, "high"), (4, 4, "critical"),
    (5, 5, "critical"), (1, 5, "medium"),
])
def test_likelihood_times_impact_gives_the_level(likelihood, impact, level):
    assert risk_level_for(likelihood, impact) == level


def test_assessment_sets_the_level_and_keeps_history(researcher, staff):
    case = open_case(researcher)
    services.case_assess(case=case, likelihood=2, impact=2, rationale="Small", actor=staff)
    services.case_assess(case=case, likelihood=4, impact=5, rationale="Worse", actor=staff)
    case.refresh_from_db()
    assert case.risk_level == "critical" and case.status == Case.Status.ASSESSING
    assert case.assessments.count() == 2
    with pytest.raises(ApplicationError):
        services.case_assess(case=case, likelihood=6, impact=1, rationale="x", actor=staff)
    with pytest.raises(ApplicationError):
        services.case_assess(case=case, likelihood=1, impact=1, rationale=" ", actor=staff)


def test_decision_needs_an_assessment(researcher, staff):
    case = open_case(researcher)
    with pytest.raises(ApplicationError):
        services.case_decide(case=case, decision="mitigate", note="", actor=staff)
    services.case_assess(case=case, likelihood=3, impact=3, rationale="r", actor=staff)
    services.case_decide(case=case, decision="mitigate", note="plan", actor=staff)
    assert case.status == Case.Status.MITIGATING


def test_mitigation_plan_contingency_review_and_closure(researcher, staff):
    case = open_case(researcher)
    services.case_assess(case=case, likelihood=3, impact=4, rationale="r", actor=staff)
    services.case_decide(case=case, decision="mitigate", note="", actor=staff)
    m = services.measure_add(case=case, kind=MeasureKind.EXPORT_CONTROL, owner=staff,
                             due_date=dt.date(2020, 1, 1), actor=staff)
    assert m.is_overdue
    services.measure_set_status(measure=m, status="done", actor=staff)
    assert not m.is_overdue and m.completed_at
    services.contingency_plan_save(case=case, trigger="Data leaves the lab",
                                   actions="Suspend access", responsible=staff, actor=staff)
    services.monitoring_review_add(case=case, note="All fine", next_review_date=None, actor=staff)
    case.refresh_from_db()
    assert case.status == Case.Status.MONITORING
    with pytest.raises(ApplicationError):
        services.case_close(case=case, reason="", actor=staff)
    services.case_close(case=case, reason="Measures in place", actor=staff)
    assert case.status == Case.Status.CLOSED and case.closed_at
    with pytest.raises(ApplicationError):
        services.measure_add(case=case, kind="training", owner=staff, due_date=dt.date.today(),
                             actor=staff)
    actions = set(AuditEntry.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"riskmgmt.case.opened", "riskmgmt.case.assessed", "riskmgmt.case.decided",
            "riskmgmt.measure.added", "riskmgmt.measure.status_changed",
            "riskmgmt.contingency.saved", "riskmgmt.case.reviewed", "riskmgmt.case.closed"} <= actions


def test_only_the_researcher_asked_answers_once(researcher, other_researcher, staff,
                                               django_capture_on_commit_callbacks):
    from portal.notifications.models import Notification

    case = open_case(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        req = services.information_request_ask(case=case, question="Contract copy?", actor=staff)
    assert Notification.objects.filter(recipient=researcher, kind="information_request").exists()
    assert req.researcher == researcher
    with pytest.raises(NotAllowed):
        services.information_request_answer(request=req, answer="x", actor=other_researcher)
    services.information_request_answer(request=req, answer="Attached", actor=researcher)
    req.refresh_from_db()
    assert req.answer == "Attached" and req.answered_at
    with pytest.raises(ApplicationError):
        services.information_request_answer(request=req, answer="again", actor=researcher)


def test_bulk_assignment_only_to_office_staff(researcher, other_researcher, staff):
    cases = [open_case(researcher), open_case(other_researcher)]
    assert services.case_assign(cases=cases, assignee=staff, actor=staff) == 2
    assert all(Case.objects.get(pk=c.pk).assignee == staff for c in cases)
    with pytest.raises(ApplicationError):
        services.case_assign(cases=cases, assignee=researcher, actor=staff)


def test_audit_history_cannot_be_edited(researcher):
    case = open_case(researcher)
    entry = AuditEntry.objects.filter(action="riskmgmt.case.opened", object_id=str(case.pk)).get()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_fa_inquiry_assessment_measures_and_response(researcher, staff):
    case = open_case(researcher)
    inquiry = services.inquiry_save(
        instance=FundingAgencyInquiry(agency_name="JST", programme="経済安全保障重要技術育成プログラム",
                                      project_title="量子センサ", question="リスク軽減策は？",
                                      deadline=dt.date(2020, 1, 31)),
        actor=staff, researchers=[researcher], cases=[case])
    assert inquiry.reference.startswith("FA-") and inquiry.is_overdue
    services.inquiry_assess(inquiry=inquiry, likelihood=2, impact=4, assessment="限定的", actor=staff)
    assert inquiry.risk_level == "medium" and inquiry.status == "in_progress"
    services.measure_add(inquiry=inquiry, kind="data_access", owner=staff,
                         due_date=dt.date(2030, 1, 1), actor=staff)
    services.inquiry_respond(inquiry=inquiry, response_text="以下のとおり回答します。", actor=staff)
    assert inquiry.status == "responded" and not inquiry.is_overdue
    assert list(inquiry.cases.all()) == [case]
