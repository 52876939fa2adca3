"""Dashboard widgets and readable audit history."""

import pytest

from followup.awareness import services
from portal.audit import history_for, render_entry
from tests.awareness.factories import ActivityFactory, make_checklist

pytestmark = pytest.mark.django_db


def test_researcher_dashboard_shows_due_trainings_and_unfilled_checklist(client_as, researcher):
    ActivityFactory(title="必須のe-ラーニング", is_required=True)
    checklist = make_checklist()
    html = client_as(researcher).get("/").content.decode()
    assert "必須のe-ラーニング" in html
    assert checklist.title in html


def test_widgets_disappear_once_done(client_as, researcher):
    activity = ActivityFactory(title="必須のe-ラーニング", is_required=True)
    checklist = make_checklist(items=[{"key": "q", "order": 1, "category": "other",
                                       "text": "質問", "answer_kind": "yes_no"}])
    services.attendance_mark(actor=None, activity=activity, users=[researcher])
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    item = response.version.items.get()
    services.response_save(actor=researcher, response=response, answers={item.pk: ("yes", "")},
                           submit=True)
    html = client_as(researcher).get("/").content.decode()
    assert "必須のe-ラーニング" not in html
    assert checklist.title not in html


def test_staff_dashboard_has_no_researcher_widgets(client_as, staff):
    ActivityFactory(title="必須のe-ラーニング", is_required=True)
    html = client_as(staff).get("/").content.decode()
    assert "必須のe-ラーニング" not in html


def test_dashboard_query_count(client_as, researcher, django_assert_max_num_queries):
    for _ in range(5):
        ActivityFactory(is_required=True)
    make_checklist()
    client = client_as(researcher)
    client.get("/awareness/")
    with django_assert_max_num_queries(40):
        assert client.get("/").status_code == 200


def test_history_reads_as_sentences(staff):
    activity = ActivityFactory(title="説明会")
    services.activity_save(actor=staff, instance=activity)
    services.attendance_mark(actor=staff, activity=activity, users=[staff])
    texts = [render_entry(e) for e in history_for(activity)]
    assert any("説明会" in t for t in texts)
    assert any("1" in t and "出席" in t for t in texts)
    assert all("awareness." not in t for t in texts)
