"""The checks: organisations named in declarations screened against the loaded lists, with
evidence, feeding the institution's answers; re-checked on changes."""
from pathlib import Path

import pytest
from django.conf import settings

from riskmgmt.duediligence import selectors, services
from riskmgmt.duediligence.models import CheckRun
from tests.riskmgmt import factories as rf
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db

METI_XLSX = Path(settings.PORTAL_SAMPLE_DATA) / "export_control" / "meti_end_user_list_20250929.xlsx"


def _publication(affiliations):
    return {"publications": [{"date": "2024-05", "title": "Paper", "coauthors": "A; B",
                              "coauthor_affiliations": affiliations}]}


def test_a_coauthors_affiliation_on_the_meti_list_is_a_hit_with_evidence(staff,
                                                                        django_capture_on_commit_callbacks):
    rf.import_list(METI_XLSX.read_bytes(), code="meti", fmt="meti")
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    with django_capture_on_commit_callbacks(execute=True):
        services.declaration_save(declaration=m.declaration,
                                  content=_publication("Kyoto University; HARBIN INSTITUTE OF TECHNOLOGY"))
    hits = selectors.current_hits(project)
    assert [(h.item, h.entry_name) for h in hits] == [
        ("publications", "Harbin Institute of Technology (HIT)")]
    assert hits[0].explanation


def test_hits_feed_the_relationship_answer_of_the_member(staff):
    rf.import_list()
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content=_publication("Kim Il Sung University"))
    services.project_check(project=project)
    findings = selectors.findings(project)[m.pk]
    assert [h.entry_name for h in findings["listed_relationships"]] == ["Kim Il Sung University"]


def test_a_career_at_a_listed_entity_is_a_past_affiliation(staff):
    rf.import_list()
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content={
        "career": [{"start": "2015-04", "organisation": "Harbin Institute of Technology"}]})
    services.project_check(project=project)
    assert len(selectors.findings(project)[m.pk]["listed_affiliation"]) == 1


def test_a_partner_institution_on_a_list_is_a_hit_of_the_project(staff):
    rf.import_list()
    project = f.project(staff, partners=[rf.org("Harbin Institute of Technology", country="CN")])
    services.project_check(project=project)
    assert [h.member_id for h in selectors.current_hits(project)] == [None]


def test_adding_a_member_queues_a_recheck(staff, django_capture_on_commit_callbacks):
    project = f.project(staff)
    with django_capture_on_commit_callbacks(execute=True):
        f.member(project, staff, name="Jane Roe")
    assert selectors.latest_run(project).reason == CheckRun.Reason.MEMBER


def test_a_new_list_release_rechecks_open_projects(staff, django_capture_on_commit_callbacks):
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content=_publication("Rosatom"))
    services.project_check(project=project)
    assert selectors.current_hits(project) == []
    with django_capture_on_commit_callbacks(execute=True):
        rf.import_list()
    run = selectors.latest_run(project)
    assert (run.reason, [h.entry_name for h in run.hits.all()]) == (
        CheckRun.Reason.LIST, ["Rosatom State Atomic Energy Corporation"])


def test_saving_a_declaration_queues_a_recheck(staff, django_capture_on_commit_callbacks):
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    with django_capture_on_commit_callbacks(execute=True):
        services.declaration_save(declaration=m.declaration, content=_publication("Kyoto University"))
    assert selectors.latest_run(project).reason == CheckRun.Reason.DECLARATION
