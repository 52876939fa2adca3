"""Permission matrix: every view, every persona (200 / 302 / 403 / 404 / 405)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from followup.awareness import services
from followup.awareness.models import (
    ActivityKind,
    Attendance,
    Audience,
    CaseStudyStatus,
    ChecklistTarget,
)
from tests import files
from tests.awareness.factories import ActivityFactory, CaseStudyFactory, make_checklist

pytestmark = pytest.mark.django_db

PERSONAS = ["researcher", "other_researcher", "reviewer", "staff", "admin", "outsider", "anon"]


def row(researcher, other, reviewer, staff, admin, outsider, anon=302):
    return dict(zip(PERSONAS, [researcher, other, reviewer, staff, admin, outsider, anon],
                    strict=True))


EVERYONE = row(200, 200, 200, 200, 200, 403)
OFFICE = row(403, 403, 403, 200, 200, 403)
RESEARCHERS = row(200, 200, 200, 403, 403, 403)
STAFF_ALL = row(403, 403, 200, 200, 200, 403)


@pytest.fixture
def world(personas, departments):
    alice, bob = personas["researcher"], personas["other_researcher"]
    act = ActivityFactory(title="全研究者向け研修", audience=Audience.RESEARCHERS)
    sci = ActivityFactory(title="理学向け研修", audience=Audience.DEPARTMENTS,
                          departments=[departments["sci"]])
    el = ActivityFactory(kind=ActivityKind.ELEARNING, self_completion=True)
    question = services.quiz_question_add(actor=None, activity=el, text="Q",
                                          choices=[("a", True), ("b", False)])
    material = services.material_add(actor=None, activity=act,
                                      upload=SimpleUploadedFile("m.pdf", files.PDF))
    services.attendance_mark(actor=None, activity=act, users=[alice])
    attendance = Attendance.objects.get(activity=act, user=alice)
    rc = make_checklist(code="researcher")
    ic = make_checklist(code="institution", target=ChecklistTarget.INSTITUTION)
    alice_response = services.response_start(actor=alice, checklist=rc, respondent=alice)
    bob_response = services.response_start(actor=bob, checklist=rc, respondent=bob)
    published = CaseStudyFactory()
    draft = CaseStudyFactory(status=CaseStudyStatus.DRAFT, published_at=None)
    return {
        "act": act.public_id, "sci": sci.public_id, "el": el.public_id, "q": question.pk,
        "material": material.pk, "att": attendance.pk, "rc": rc.public_id, "ic": ic.public_id,
        "alice_response": alice_response.public_id, "bob_response": bob_response.public_id,
        "case": published.public_id, "draft": draft.public_id,
    }


GET_MATRIX = [
    ("/awareness/", EVERYONE),
    ("/awareness/activities/", EVERYONE),
    ("/awareness/activities/new/", OFFICE),
    ("/awareness/activities/{act}/", EVERYONE),
    ("/awareness/activities/{sci}/", row(404, 200, 200, 200, 200, 403)),
    ("/awareness/activities/{act}/edit/", OFFICE),
    ("/awareness/activities/{act}/attendance/import/", OFFICE),
    ("/awareness/activities/{el}/complete/", RESEARCHERS),
    ("/awareness/activities/{act}/complete/", row(403, 403, 403, 403, 403, 403)),
    ("/awareness/materials/{material}/", EVERYONE),
    ("/awareness/my-training/", RESEARCHERS),
    ("/awareness/completion/", STAFF_ALL),
    ("/awareness/checklists/", EVERYONE),
    ("/awareness/checklists/new/", OFFICE),
    ("/awareness/checklists/{rc}/", OFFICE),
    ("/awareness/checklists/{rc}/items/new/", OFFICE),
    ("/awareness/checklists/{rc}/items/side-jobs/", OFFICE),
    ("/awareness/checklists/{rc}/fill/", RESEARCHERS),
    ("/awareness/checklists/{ic}/fill/", row(404, 404, 404, 200, 200, 403)),
    ("/awareness/responses/", EVERYONE),
    ("/awareness/responses/{alice_response}/", row(200, 404, 404, 200, 200, 403)),
    ("/awareness/responses/{bob_response}/", row(404, 200, 404, 200, 200, 403)),
    ("/awareness/cases/", EVERYONE),
    ("/awareness/cases/{case}/", EVERYONE),
    ("/awareness/cases/{draft}/", row(404, 404, 404, 200, 200, 403)),
    ("/awareness/cases/new/", OFFICE),
    ("/awareness/cases/{case}/edit/", OFFICE),
]

POST_ONLY = [
    "/awareness/activities/{act}/delete/",
    "/awareness/activities/{act}/materials/",
    "/awareness/materials/{material}/delete/",
    "/awareness/activities/{act}/attendance/mark/",
    "/awareness/activities/{act}/attendance/{att}/remove/",
    "/awareness/activities/{el}/quiz/",
    "/awareness/activities/{el}/quiz/{q}/delete/",
    "/awareness/checklists/{rc}/items/export/delete/",
    "/awareness/checklists/{rc}/publish/",
    "/awareness/cases/{case}/publish/",
]

GET_ONLY = ["/awareness/", "/awareness/activities/", "/awareness/activities/{act}/",
            "/awareness/materials/{material}/", "/awareness/my-training/",
            "/awareness/completion/", "/awareness/checklists/", "/awareness/responses/",
            "/awareness/responses/{alice_response}/", "/awareness/cases/",
            "/awareness/cases/{case}/"]


def client_for_persona(client_as, personas, persona):
    return client_as(None if persona == "anon" else personas[persona])


@pytest.mark.parametrize(("url", "expected"), GET_MATRIX, ids=[u for u, _e in GET_MATRIX])
def test_get_permission_matrix(client_as, personas, world, url, expected):
    path = url.format(**world)
    got = {p: client_for_persona(client_as, personas, p).get(path).status_code for p in PERSONAS}
    assert got == expected


@pytest.mark.parametrize("url", POST_ONLY)
def test_post_only_views_refuse_get_and_non_office(client_as, personas, world, url):
    path = url.format(**world)
    for persona in PERSONAS:
        assert client_for_persona(client_as, personas, persona).get(path).status_code == 405
    for persona in ("researcher", "other_researcher", "reviewer", "outsider"):
        assert client_as(personas[persona]).post(path).status_code == 403, persona
    assert client_as(None).post(path).status_code == 302


@pytest.mark.parametrize("url", POST_ONLY)
def test_post_only_views_work_for_the_office(client_as, personas, world, url):
    resp = client_as(personas["staff"]).post(url.format(**world), {"people": "x"})
    assert resp.status_code == 302


@pytest.mark.parametrize("url", GET_ONLY)
def test_read_only_views_refuse_post(client_as, personas, world, url):
    assert client_as(personas["staff"]).post(url.format(**world)).status_code == 405


def test_outside_scope_objects_are_404_for_office_actions(client_as, personas):
    import uuid

    staff = client_as(personas["staff"])
    assert staff.get(f"/awareness/activities/{uuid.uuid4()}/").status_code == 404
    assert staff.post(f"/awareness/activities/{uuid.uuid4()}/delete/").status_code == 404
    assert staff.get("/awareness/materials/999999/").status_code == 404


def test_key_pages_query_counts(client_as, personas, world, django_assert_max_num_queries):
    from tests.awareness.factories import CaseStudyFactory

    for _ in range(20):
        CaseStudyFactory()
    researcher = client_as(personas["researcher"])
    staff = client_as(personas["staff"])
    researcher.get("/awareness/")
    staff.get("/awareness/")
    with django_assert_max_num_queries(15):
        assert researcher.get("/awareness/cases/?q=契約").status_code == 200
    with django_assert_max_num_queries(20):
        assert researcher.get(f"/awareness/checklists/{world['rc']}/fill/").status_code == 200
    with django_assert_max_num_queries(15):
        assert staff.get("/awareness/responses/").status_code == 200
    with django_assert_max_num_queries(25):
        assert staff.get(f"/awareness/activities/{world['act']}/").status_code == 200
