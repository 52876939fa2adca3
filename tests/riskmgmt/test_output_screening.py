"""Co-author and co-inventor screening: the affiliations carried by imported publications and
patents are screened like disclosed organisations; a hit joins the researcher's screening case
with the publication as evidence; a new list release re-screens them incrementally."""
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from disclosures import services as disclosure_services
from disclosures.models import OutputContributor, ResearchOutput
from portal.models import Organisation
from riskmgmt import services
from riskmgmt.models import Case, Concern, Flag, ListKind, ScreeningHit, ScreeningRun
from tests.riskmgmt import factories as f

DATA = Path(settings.PORTAL_SAMPLE_DATA)
pytestmark = pytest.mark.django_db
FULL, INCREMENTAL = ScreeningRun.Mode.FULL, ScreeningRun.Mode.INCREMENTAL

LIST_CSV = (
    "name,aliases,country,source,note\n"
    "Harbin Institute of Technology,HIT;哈爾浜工業大学,CN,METI,\n"
    "Kim Il Sung University,金日成総合大学,KP,METI,\n"
)


def import_work(user, *affiliations, work_type=None):
    """The real ORCID work sample, its contributors given these affiliations (the schema has
    no field for one; see disclosures.importers); ``work_type`` replaces its type ("patent":
    its contributors are co-inventors)."""
    work = json.loads((DATA / "orcid/work-full-3.0.json").read_text())
    if work_type:
        work["type"] = work_type
    for person, affiliation in zip(work["contributors"]["contributor"], affiliations,
                                   strict=False):
        person["affiliation"] = affiliation
    disclosure_services.external_import_create(
        owner=user, actor=user,
        uploaded_file=SimpleUploadedFile("work.json", json.dumps(work).encode()))
    return ResearchOutput.objects.get(owner=user)


def test_an_imported_co_authors_listed_affiliation_opens_a_screening_case_with_the_paper(
        researcher, django_capture_on_commit_callbacks):
    f.import_list(LIST_CSV)
    with django_capture_on_commit_callbacks(execute=True):
        paper = import_work(researcher, "Tokyo University", "哈尔滨工业大学")
    hit = ScreeningHit.objects.get()
    assert (hit.contributor.name, hit.matched_name) == ("Fran", "哈爾浜工業大学")
    flag = Flag.objects.get()
    assert flag.case.concern == Concern.SCREENING_MATCH and flag.case.researcher == researcher
    assert flag.source == paper and flag.hit == hit


def test_a_co_inventors_listed_affiliation_opens_a_screening_case_with_the_patent(
        researcher, django_capture_on_commit_callbacks):
    f.import_list(LIST_CSV)
    with django_capture_on_commit_callbacks(execute=True):
        patent = import_work(researcher, "Kim Il Sung University", work_type="patent")
    assert patent.kind == ResearchOutput.Kind.PATENT
    hit = ScreeningHit.objects.get()
    assert (hit.contributor.role, hit.matched_name) == ("inventor", "Kim Il Sung University")
    flag = Flag.objects.get()
    assert flag.case.concern == Concern.SCREENING_MATCH and flag.source == patent


def test_a_co_authors_flag_names_the_list_and_its_kind(researcher):
    services.screening_list_get_or_create(code="nro", fmt="generic", name="NRO",
                                          kind=ListKind.NAMED_RESEARCH_ORGANISATION)
    f.import_list(LIST_CSV, code="nro")
    paper = import_work(researcher, "Kim Il Sung University")
    with translation.override("ja"):
        services.outputs_screen(output_ids=[paper.pk])
    assert "NRO (懸念のある研究機関（指定研究機関）)" in Flag.objects.get().reason


def test_a_second_hit_joins_the_researchers_open_screening_case(researcher,
                                                               django_capture_on_commit_callbacks):
    f.import_list(LIST_CSV)
    case, _flag = services.case_open_or_join(researcher=researcher,
                                             concern=Concern.SCREENING_MATCH, reason="earlier")
    with django_capture_on_commit_callbacks(execute=True):
        import_work(researcher, "Kim Il Sung University")
    assert Case.objects.get() == case
    assert case.flags.count() == 2


def test_an_affiliation_resolved_by_ror_is_screened_by_the_registry_name(researcher):
    f.import_list(LIST_CSV)
    Organisation.objects.create(name_en="Harbin Institute of Technology", ror_id="01yqg2h08")
    paper = import_work(researcher, {"name": "School of Astronautics",
                                     "ror": "https://ror.org/01yqg2h08"})
    run = services.outputs_screen(output_ids=[paper.pk])
    assert run.new_hits == 1
    assert ScreeningHit.objects.get().query_name == "Harbin Institute of Technology"


def test_screening_the_same_outputs_again_records_nothing_new(researcher):
    f.import_list(LIST_CSV)
    paper = import_work(researcher, "Harbin Institute of Technology")
    services.outputs_screen(output_ids=[paper.pk])
    assert services.outputs_screen(output_ids=[paper.pk]).new_hits == 0


def test_a_cleared_contributor_hit_stays_cleared_while_the_entry_is_unchanged(researcher, staff):
    release = f.import_list(LIST_CSV)
    paper = import_work(researcher, "Harbin Institute of Technology")
    services.outputs_screen(output_ids=[paper.pk])
    services.screening_hit_clear(hit=ScreeningHit.objects.get(), reason="another HIT",
                                 actor=staff)
    assert services.outputs_rescreen(release=release).new_hits == 0


def test_a_new_release_compares_known_co_authors_only_with_new_entries(researcher,
                                                                      other_researcher):
    first = f.import_list(LIST_CSV)
    import_work(researcher, "Beihang University")
    assert services.outputs_rescreen(release=first).new_hits == 0
    second = f.import_list(LIST_CSV + "Beihang University,BUAA,CN,CSL,\n")
    import_work(other_researcher, "Kim Il Sung University")
    run = services.outputs_rescreen(release=second)
    assert (run.mode, run.new_hits) == (INCREMENTAL, 2)  # Beihang (new entry), KISU (new paper)
    assert set(ScreeningHit.objects.filter(run=run).values_list("matched_name", flat=True)) == {
        "Beihang University", "Kim Il Sung University"}


def test_the_incremental_pass_finds_what_a_full_pass_finds(researcher, other_researcher):
    first = f.import_list(LIST_CSV)
    import_work(researcher, "Beihang Univ", "Harbin Inst. of Technology")
    services.outputs_rescreen(release=first)
    second = f.import_list(LIST_CSV + "Beihang University,BUAA,CN,CSL,\n")
    import_work(other_researcher, "金日成総合大学")
    incremental = services.outputs_rescreen(release=second)
    found = set(ScreeningHit.objects.values_list("contributor_id", "entry_key"))
    ScreeningHit.objects.all().delete()
    full = services.outputs_rescreen(release=second, full=True)
    assert full.mode == FULL and incremental.mode == INCREMENTAL
    assert set(ScreeningHit.objects.values_list("contributor_id", "entry_key")) == found


def test_a_co_authors_name_is_never_screened(researcher):
    f.import_list("name,aliases,country,source,note\nJordan,,US,Test,\n")
    paper = import_work(researcher)
    assert OutputContributor.objects.filter(output=paper, name="Jordan").exists()
    assert services.outputs_screen(output_ids=[paper.pk]).new_hits == 0


def test_the_hit_page_shows_the_publication_and_the_co_author(client_as, researcher, staff):
    from django.urls import reverse

    f.import_list(LIST_CSV)
    paper = import_work(researcher, "Harbin Institute of Technology")
    services.outputs_screen(output_ids=[paper.pk])
    hit = ScreeningHit.objects.get()
    response = client_as(staff).get(reverse("riskmgmt:hit_detail", args=[hit.public_id]))
    assert response.status_code == 200
    assert "Work Title" in response.content.decode()
    assert "Jordan — Harbin Institute of Technology" in response.content.decode()
