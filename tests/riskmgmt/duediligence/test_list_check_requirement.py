"""Programme.requires_list_check: a programme that does not require the check against the
lists lets the office run it on demand, queues no re-check by itself and its forms do not
present the checks as required."""
import io

import pytest
from django.urls import reverse
from django.utils import translation

from riskmgmt.duediligence import selectors, services
from riskmgmt.duediligence.exports import CHECKS_NOT_REQUIRED, CHECKS_ON_DEMAND
from tests.riskmgmt import factories as rf
from tests.riskmgmt.duediligence import factories as f
from tests.riskmgmt.duediligence.test_exports import _export

pytestmark = pytest.mark.django_db

ROSATOM = {"publications": [{"title": "Paper", "coauthor_affiliations": "Rosatom"}]}


@pytest.fixture
def project(staff):
    return f.project(staff, programme=f.programme(requires_list_check=False))


def test_changes_queue_no_check_for_a_programme_that_does_not_require_it(
        project, staff, django_capture_on_commit_callbacks):
    rf.import_list()
    with django_capture_on_commit_callbacks(execute=True):
        m = f.member(project, staff, name="Jane Roe")
        services.declaration_save(declaration=m.declaration, content=ROSATOM)
        services.declaration_sign(declaration=m.declaration, consent=True, signed_name="Jane")
    assert selectors.latest_run(project) is None


def test_a_new_list_release_rechecks_only_projects_whose_programme_requires_it(
        project, staff, django_capture_on_commit_callbacks):
    required = f.project(staff, title="必須の課題")
    for p in (project, required):
        m = f.member(p, staff, name="Jane Roe")
        services.declaration_save(declaration=m.declaration, content=ROSATOM)
    with django_capture_on_commit_callbacks(execute=True):
        rf.import_list()
    assert (selectors.latest_run(project), selectors.latest_run(required).hit_count) == (None, 1)


def test_the_office_still_runs_the_check_on_demand(project, staff, client_as):
    rf.import_list()
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content=ROSATOM)
    response = client_as(staff).post(reverse("duediligence:project_action",
                                             args=[project.public_id, "check"]))
    assert (response.status_code, [h.entry_name for h in selectors.current_hits(project)]) == (
        302, ["Rosatom State Atomic Energy Corporation"])


def test_the_project_page_says_the_check_runs_on_demand(project, staff, client_as):
    response = client_as(staff).get(project.get_absolute_url())
    assert 'data-testid="checks-on-demand"' in response.content.decode()


def test_a_programme_that_requires_the_check_says_nothing_of_on_demand(staff, client_as):
    response = client_as(staff).get(f.project(staff).get_absolute_url())
    assert 'data-testid="checks-on-demand"' not in response.content.decode()


def _word(client, project, django_capture_on_commit_callbacks):
    from docx import Document

    document = Document(io.BytesIO(_export(client, project, "forms_docx",
                                           django_capture_on_commit_callbacks)))
    return [p.text for p in document.paragraphs], document.tables


def test_the_forms_say_the_programme_does_not_require_the_check(
        project, staff, client_as, django_capture_on_commit_callbacks):
    f.member(project, staff, name="Jane Roe")
    paragraphs, tables = _word(client_as(staff), project, django_capture_on_commit_callbacks)
    with translation.override("ja"):
        note = str(CHECKS_NOT_REQUIRED)
    checks_tables = [t for t in tables if t.rows[0].cells[1].text == "所属機関がリストに掲載"]
    assert (note in paragraphs, checks_tables) == (True, [])


def test_the_forms_give_on_demand_results_for_information(
        project, staff, client_as, django_capture_on_commit_callbacks):
    rf.import_list()
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content=ROSATOM)
    services.project_check(project=project, actor=staff)
    paragraphs, tables = _word(client_as(staff), project, django_capture_on_commit_callbacks)
    with translation.override("ja"):
        note = str(CHECKS_ON_DEMAND)
    cells = {c.text for t in tables for r in t.rows for c in r.cells}
    assert (note in paragraphs,
            any("Rosatom State Atomic Energy Corporation" in c for c in cells)) == (True, True)
