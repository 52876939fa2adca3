"""Permission matrix of the due-diligence pages: 200 / 403 / 404 / 405 for every persona."""
import pytest
from django.urls import reverse

from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db

PERSONAS = ("researcher", "other_researcher", "reviewer", "staff", "admin", "outsider")


def _matrix(client_as, personas, url, method="get"):
    return {name: getattr(client_as(personas[name]), method)(url).status_code
            for name in PERSONAS}


@pytest.fixture
def project(staff, researcher):
    project = f.project(staff)
    f.member(project, staff, user=researcher)
    return project


def test_the_index_permission_matrix(client_as, personas, project):
    assert _matrix(client_as, personas, reverse("duediligence:index")) == {
        "researcher": 200, "other_researcher": 200, "reviewer": 200, "staff": 200,
        "admin": 200, "outsider": 403}


def test_the_project_page_permission_matrix(client_as, personas, project):
    url = reverse("duediligence:project_detail", args=[project.public_id])
    assert _matrix(client_as, personas, url) == {
        "researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 200,
        "admin": 200, "outsider": 403}


def test_the_project_page_refuses_a_post(client_as, staff, project):
    url = reverse("duediligence:project_detail", args=[project.public_id])
    assert client_as(staff).post(url).status_code == 405


def test_the_declaration_permission_matrix(client_as, personas, project):
    declaration = project.members.get().declaration
    url = reverse("duediligence:declaration", args=[declaration.public_id])
    assert _matrix(client_as, personas, url) == {
        "researcher": 200, "other_researcher": 404, "reviewer": 404, "staff": 200,
        "admin": 200, "outsider": 404}


def test_an_unknown_project_action_is_not_found(client_as, staff, project):
    url = reverse("duediligence:project_action", args=[project.public_id, "nope"])
    assert client_as(staff).post(url).status_code == 404


def test_project_actions_refuse_a_get(client_as, staff, project):
    url = reverse("duediligence:project_action", args=[project.public_id, "check"])
    assert client_as(staff).get(url).status_code == 405
