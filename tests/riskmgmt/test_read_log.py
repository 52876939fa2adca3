"""The read log ("who viewed my record") is complete for every page or export that shows a
disclosure's content; checklist answers on a case are office-only."""

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from riskmgmt import services
from riskmgmt.models import Case
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db


def _reads(disclosure):
    return AuditEntry.objects.filter(action="disclosures.disclosure.viewed",
                                     object_id=str(disclosure.pk))


@pytest.fixture
def flagged(researcher):
    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    services.rules_ensure_builtin()
    services.version_evaluate(version_id=v.pk)
    return v, Case.objects.get(concern="talent_programme")


def test_a_case_page_showing_disclosed_items_is_a_read_of_the_disclosure(client_as, staff,
                                                                         flagged):
    version, case = flagged
    response = client_as(staff).get(reverse("riskmgmt:case_detail", args=[case.public_id]))
    assert response.status_code == 200
    [entry] = _reads(version.disclosure)
    assert entry.actor == staff and entry.data == {"number": version.number,
                                                   "via": case.reference}


def test_the_researcher_sees_the_case_read_among_their_viewers(client_as, staff, researcher,
                                                               flagged):
    version, case = flagged
    client_as(staff).get(reverse("riskmgmt:case_detail", args=[case.public_id]))
    page = client_as(researcher).get(
        reverse("disclosures:viewers", args=[version.disclosure.public_id]))
    assert staff.display_name in page.content.decode()


def test_the_admin_disclosure_page_is_a_read(client_as, admin_user, flagged):
    version, _case = flagged
    response = client_as(admin_user).get(
        reverse("admin:disclosures_disclosureversion_change", args=[version.pk]))
    assert response.status_code == 200
    [entry] = _reads(version.disclosure)
    assert entry.actor == admin_user and entry.data["via"] == "admin"


def test_the_admin_disclosure_list_page_is_no_read(client_as, admin_user, flagged):
    version, _case = flagged
    client_as(admin_user).get(reverse("admin:disclosures_disclosure_changelist"))
    assert not _reads(version.disclosure).exists()


def test_the_all_disclosures_export_is_a_read_of_each_disclosure(admin_user, flagged):
    from portal.exports import get_exporter

    version, _case = flagged
    get_exporter("disclosures.all").render({"format": "xlsx"}, user=admin_user,
                                           progress=lambda *a: None)
    [entry] = _reads(version.disclosure)
    assert entry.actor == admin_user and entry.data["via"] == "disclosures.all"
    assert entry.actor_email == admin_user.email


@pytest.fixture
def checklist_case(researcher):
    from followup.awareness import services as awareness
    from tests.awareness.factories import make_checklist
    from tests.awareness.test_checklists import answers_for

    checklist = make_checklist()
    response = awareness.response_start(actor=researcher, checklist=checklist,
                                        respondent=researcher)
    awareness.response_save(actor=researcher, response=response,
                            answers=answers_for(response, talent="yes", export="no"),
                            submit=True)
    return Case.objects.get(researcher=researcher)


def test_a_department_reviewer_does_not_see_a_checklist_answer_in_a_case(client_as, reviewer,
                                                                         checklist_case):
    flag = checklist_case.flags.get()
    page = client_as(reviewer).get(
        reverse("riskmgmt:case_detail", args=[checklist_case.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="flag-reason-hidden"' in html
    assert flag.reason.splitlines()[0] not in html  # neither in the flag nor in the history


def test_the_research_office_sees_the_checklist_answer_in_a_case(client_as, staff,
                                                                 checklist_case):
    flag = checklist_case.flags.get()
    page = client_as(staff).get(reverse("riskmgmt:case_detail", args=[checklist_case.public_id]))
    html = page.content.decode()
    assert 'data-testid="flag-reason-hidden"' not in html
    assert "人材登用" in html and "人材登用" in flag.reason
