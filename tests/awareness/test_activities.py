"""Activities: materials, e-learning with a quiz, required trainings, completion by department."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from followup.awareness import selectors, services
from followup.awareness.models import (
    ActivityKind,
    Attendance,
    AttendanceSource,
    Audience,
    AwarenessActivity,
)
from portal.errors import ApplicationError, NotAllowed
from portal.fiscal import fiscal_year_of
from tests import files
from tests.awareness.factories import ActivityFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


PDF = files.PDF
PNG = files.PNG


def test_fiscal_year_follows_the_date(staff):
    activity = services.activity_save(actor=staff, instance=AwarenessActivity(
        kind=ActivityKind.SEMINAR, title="説明会", date=dt.date(2025, 3, 31)))
    assert activity.fiscal_year == 2024
    activity.date = dt.date(2025, 4, 1)
    services.activity_save(actor=staff, instance=activity)
    assert AwarenessActivity.objects.get(pk=activity.pk).fiscal_year == 2025


def test_materials_are_sniffed_not_trusted_by_name(staff):
    activity = ActivityFactory()
    material = services.material_add(actor=staff, activity=activity,
                                      upload=SimpleUploadedFile("slides.pdf", PDF))
    assert material.mimetype == "application/pdf"
    image = services.material_add(actor=staff, activity=activity,
                                  upload=SimpleUploadedFile("poster.bin", PNG))
    assert image.mimetype == "image/png"
    with pytest.raises(ApplicationError):
        services.material_add(actor=staff, activity=activity,
                              upload=SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>"))
    assert activity.materials.count() == 2


def test_materials_are_size_limited(staff, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 20
    with pytest.raises(ApplicationError, match="大きすぎ"):
        services.material_add(actor=staff, activity=ActivityFactory(),
                              upload=SimpleUploadedFile("slides.pdf", PDF))


def test_material_download_is_permission_checked(client_as, staff, researcher, other_researcher,
                                                  departments, outsider):
    activity = ActivityFactory(audience=Audience.DEPARTMENTS, departments=[departments["eng"]])
    material = services.material_add(actor=staff, activity=activity,
                                      upload=SimpleUploadedFile("slides.pdf", PDF))
    url = f"/awareness/materials/{material.pk}/"
    resp = client_as(researcher).get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    assert resp["Content-Type"] == "application/pdf"
    assert client_as(other_researcher).get(url).status_code == 404
    assert client_as(outsider).get(url).status_code == 403
    assert client_as(None).get(url).status_code == 302


def elearning(**kwargs):
    activity = ActivityFactory(kind=ActivityKind.ELEARNING, self_completion=True, pass_mark=50,
                               is_required=True, **kwargs)
    q1 = services.quiz_question_add(actor=None, activity=activity, text="Q1",
                                    choices=[("right", True), ("wrong", False)])
    q2 = services.quiz_question_add(actor=None, activity=activity, text="Q2",
                                    choices=[("right", True), ("wrong", False)])
    return activity, q1, q2


def choice(question, correct):
    return question.choices.get(is_correct=correct).pk


def test_elearning_completion_needs_the_pass_mark(researcher):
    activity, q1, q2 = elearning()
    with pytest.raises(ApplicationError, match="0%"):
        services.elearning_complete(user=researcher, activity=activity,
                                    answers={q1.pk: choice(q1, False), q2.pk: choice(q2, False)})
    assert not Attendance.objects.exists()
    att = services.elearning_complete(user=researcher, activity=activity,
                                      answers={q1.pk: choice(q1, True), q2.pk: choice(q2, False)})
    assert att.source == AttendanceSource.SELF and att.quiz_score == 50 and att.attended


def test_elearning_without_quiz_is_completed_by_confirming(researcher):
    activity = ActivityFactory(kind=ActivityKind.ELEARNING, self_completion=True)
    att = services.elearning_complete(user=researcher, activity=activity, answers={})
    assert att.quiz_score is None and att.attended


def test_only_self_completion_activities_can_be_self_recorded(researcher, staff):
    training = ActivityFactory()
    with pytest.raises(ApplicationError):
        services.elearning_complete(user=researcher, activity=training)
    activity, _q1, _q2 = elearning()
    with pytest.raises(NotAllowed):
        services.elearning_complete(user=staff, activity=activity)


def test_quiz_question_needs_a_correct_choice(staff):
    with pytest.raises(ApplicationError):
        services.quiz_question_add(actor=staff, activity=ActivityFactory(), text="Q",
                                   choices=[("a", False), ("b", False)])


def test_quiz_page_records_completion(client_as, researcher):
    activity, q1, q2 = elearning()
    url = f"/awareness/activities/{activity.public_id}/complete/"
    client = client_as(researcher)
    resp = client.post(url, {f"q{q1.pk}": choice(q1, False), f"q{q2.pk}": choice(q2, False)})
    assert resp.status_code == 200 and "0%" in resp.content.decode()
    resp = client.post(url, {f"q{q1.pk}": choice(q1, True), f"q{q2.pk}": choice(q2, True)})
    assert resp.status_code == 302
    assert Attendance.objects.get(user=researcher, activity=activity).quiz_score == 100


def test_required_trainings_follow_audience_and_completion(researcher, other_researcher,
                                                           departments):
    for_eng = ActivityFactory(is_required=True, audience=Audience.DEPARTMENTS,
                              departments=[departments["eng"]])
    for_all = ActivityFactory(is_required=True, audience=Audience.RESEARCHERS)
    ActivityFactory(is_required=True, audience=Audience.STAFF)
    ActivityFactory(is_required=False)
    ActivityFactory(is_required=True, date=dt.date(fiscal_year_of() - 1, 6, 1))
    alice = {a.pk: a.done for a in selectors.required_activities_for(user=researcher)}
    assert alice == {for_eng.pk: False, for_all.pk: False}
    bob = {a.pk for a in selectors.required_activities_for(user=other_researcher)}
    assert bob == {for_all.pk}
    services.attendance_mark(actor=None, activity=for_all, users=[researcher])
    assert [a.pk for a in selectors.due_activities_for(user=researcher)] == [for_eng.pk]


def test_completion_by_department_rolls_up_the_tree(staff, reviewer, researcher, other_researcher,
                                                    departments):
    extra = UserFactory(department=departments["mech"], roles=["researcher"])
    activity = ActivityFactory(is_required=True)
    services.attendance_mark(actor=staff, activity=activity, users=[researcher, other_researcher])
    rows = {r.department.code: r for r in
            selectors.completion_by_department(user=staff, activities=[activity])}
    assert (rows["ENG-MECH"].total_members, rows["ENG-MECH"].total_completed) == (2, 1)
    # the reviewer (a researcher in ENG itself) counts in ENG, the others roll up
    assert (rows["ENG"].total_members, rows["ENG"].total_completed) == (3, 1)
    assert rows["ENG"].rate == 33
    assert (rows["SCI"].total_members, rows["SCI"].total_completed) == (1, 1)
    assert rows["ENG-MECH"].depth == 1
    scoped = {r.department.code for r in
              selectors.completion_by_department(user=reviewer, activities=[activity])}
    assert scoped == {"ENG", "ENG-MECH"}
    members = selectors.department_members_status(user=staff, department=departments["mech"],
                                                  activities=[activity])
    assert {(m["person"].pk, m["done"][0][1]) for m in members} == {(researcher.pk, True),
                                                                    (extra.pk, False)}


def test_completion_page_query_count_does_not_grow_with_departments(
    client_as, staff, researcher, departments, django_assert_max_num_queries
):
    from tests.factories import DepartmentFactory

    for i in range(15):
        dept = DepartmentFactory(parent=departments["sci"], code=f"SCI-{i}")
        UserFactory(department=dept, roles=["researcher"])
    ActivityFactory(is_required=True)
    client = client_as(staff)
    with django_assert_max_num_queries(20):
        assert client.get("/awareness/completion/").status_code == 200


def test_marking_attendance_in_the_portal(client_as, staff, researcher, other_researcher):
    other_researcher.employee_number = "E77"
    other_researcher.save()
    activity = ActivityFactory()
    client = client_as(staff)
    url = f"/awareness/activities/{activity.public_id}/attendance/mark/"
    client.post(url, {"people": "alice@example.ac.jp\nnobody@example.ac.jp", "attended": "1"})
    assert not Attendance.objects.exists()
    client.post(url, {"people": "ALICE@example.ac.jp\nE77", "attended": "1"})
    assert set(Attendance.objects.values_list("user_id", "source")) == {
        (researcher.pk, AttendanceSource.MARKED), (other_researcher.pk, AttendanceSource.MARKED)}


def test_researcher_history_lists_only_their_own_attendance(client_as, researcher,
                                                             other_researcher):
    mine = ActivityFactory(title="自分の研修")
    theirs = ActivityFactory(title="他人の研修", audience=Audience.STAFF)
    services.attendance_mark(actor=None, activity=mine, users=[researcher])
    services.attendance_mark(actor=None, activity=theirs, users=[other_researcher])
    html = client_as(researcher).get("/awareness/my-training/").content.decode()
    assert "自分の研修" in html and "他人の研修" not in html


def test_activity_list_query_count(client_as, staff, django_assert_max_num_queries):
    for _ in range(30):
        ActivityFactory()
    client = client_as(staff)
    client.get("/awareness/")
    with django_assert_max_num_queries(12):
        assert client.get("/awareness/activities/").status_code == 200


def test_activity_list_filters_by_kind_and_fiscal_year(client_as, staff):
    ActivityFactory(title="通知A", kind=ActivityKind.NOTICE, date=dt.date(2024, 5, 1))
    ActivityFactory(title="研修B", kind=ActivityKind.TRAINING, date=dt.date(2025, 5, 1))
    html = client_as(staff).get("/awareness/activities/?kind=notice").content.decode()
    assert "通知A" in html and "研修B" not in html
    html = client_as(staff).get("/awareness/activities/?fy=2025").content.decode()
    assert "研修B" in html and "通知A" not in html


def test_activity_list_sorts_by_title_and_date(client_as, staff):
    ActivityFactory(title="B研修", date=dt.date(2024, 5, 1))
    ActivityFactory(title="A研修", date=dt.date(2024, 6, 1))
    html = client_as(staff).get("/awareness/activities/", {"sort": "title"}).content.decode()
    assert html.index("A研修") < html.index("B研修")
    html = client_as(staff).get("/awareness/activities/", {"sort": "date"}).content.decode()
    assert html.index("B研修") < html.index("A研修")
    html = client_as(staff).get("/awareness/activities/").content.decode()
    assert html.index("A研修") < html.index("B研修")
