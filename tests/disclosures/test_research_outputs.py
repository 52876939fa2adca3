"""Publications and patents imported from researchmap / ORCID, with their co-authors and the
affiliations the records carry (ROR identifiers resolved through the registry)."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosures import importers, services
from disclosures.models import OutputContributor, ResearchOutput
from disclosures.selectors import outputs_for
from portal.models import Organisation

DATA = Path(settings.PORTAL_SAMPLE_DATA)
pytestmark = pytest.mark.django_db


def _upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data)


def test_researchmap_published_paper_gives_an_output_with_its_six_authors():
    parsed = importers.parse((DATA / "researchmap/api_v2_items_one_per_type.json").read_bytes())
    (paper,) = parsed.outputs
    assert (paper.kind, paper.doi, paper.date_text) == ("paper", "10.1080/example.0012",
                                                        "2026-03-03")
    assert [c.name for c in paper.contributors][:2] == ["Takashi Hattori", "Haruki Kitano"]
    assert len(paper.contributors) == 6


def test_orcid_full_work_gives_its_contributors_with_their_orcid_ids():
    parsed = importers.parse((DATA / "orcid/work-full-3.0.json").read_bytes())
    (work,) = parsed.outputs
    assert work.title == "Work Title"
    assert [(c.name, c.orcid) for c in work.contributors] == [
        ("Jordan", "0000-0002-5391-5437"), ("Fran", "0000-0002-4325-871X")]


def test_an_affiliation_with_a_ror_id_is_resolved_to_the_registry_successor(researcher):
    today = Organisation.objects.create(name_en="Institute of Science Tokyo", ror_id="05dqf9946")
    Organisation.objects.create(name_en="Tokyo Institute of Technology", ror_id="0112mx960",
                                successor=today)
    work = json.loads((DATA / "orcid/work-full-3.0.json").read_text())
    work["contributors"]["contributor"][1]["affiliation"] = {
        "name": "Tokyo Tech", "ror": "https://ror.org/0112mx960"}
    services.external_import_create(owner=researcher, actor=researcher,
                                    uploaded_file=_upload("w.json", json.dumps(work).encode()))
    fran = OutputContributor.objects.get(name="Fran")
    assert (fran.affiliation, fran.ror_id, fran.organisation) == ("Tokyo Tech", "0112mx960",
                                                                  today)


def test_importing_the_same_record_again_replaces_its_contributors(researcher):
    data = (DATA / "researchmap/api_v2_items_one_per_type.json").read_bytes()
    services.external_import_create(owner=researcher, actor=researcher,
                                    uploaded_file=_upload("a.json", data))
    first = set(OutputContributor.objects.values_list("pk", flat=True))
    services.external_import_create(owner=researcher, actor=researcher,
                                    uploaded_file=_upload("a.json", data))
    assert ResearchOutput.objects.count() == 1
    assert OutputContributor.objects.count() == 6
    assert not first & set(OutputContributor.objects.values_list("pk", flat=True))


def test_a_researcher_reads_only_their_own_outputs(researcher, other_researcher):
    data = (DATA / "researchmap/api_v2_items_one_per_type.json").read_bytes()
    services.external_import_create(owner=researcher, actor=researcher,
                                    uploaded_file=_upload("a.json", data))
    assert outputs_for(user=other_researcher).count() == 0


def test_office_staff_read_a_researchers_outputs_with_contributors_in_three_queries(
        researcher, staff, django_assert_num_queries):
    data = (DATA / "researchmap/api_v2_items_one_per_type.json").read_bytes()
    services.external_import_create(owner=researcher, actor=researcher,
                                    uploaded_file=_upload("a.json", data))
    with django_assert_num_queries(3):  # roles, outputs, contributors
        outputs = list(outputs_for(user=staff, researcher=researcher))
        assert len(outputs[0].contributors.all()) == 6
