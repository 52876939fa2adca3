import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from disclosures import importers, services
from disclosures.models import CareerItem, ExternalRecordItem, FundingItem, PositionItem
from disclosures.selectors import organisation_resolve
from portal.errors import ApplicationError, NotAllowed, ValidationFailed
from portal.models import Organisation
from tests.disclosures.factories import draft_for

DATA = Path(settings.PORTAL_SAMPLE_DATA)
pytestmark = pytest.mark.django_db


def _upload(path: Path):
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_researchmap_jsonl_export_gives_career_affiliations_and_projects():
    parsed = importers.parse((DATA / "researchmap/export_jsonl.jsonl").read_bytes())
    assert parsed.format == "researchmap_jsonl" and parsed.external_id == "R009900101"
    careers = [e for e in parsed.entries if e.kind == "career"]
    assert {e.organisation_name for e in careers} == {"信州大学", "情報科学芸術大学院大学",
                                                       "名古屋文化短期大学"}
    shinshu = next(e for e in careers if e.organisation_name == "信州大学")
    assert shinshu.organisation_name_en == "Shinshu University"
    assert shinshu.title == "特任助教"
    assert shinshu.start_date == dt.date(2025, 8, 1) and shinshu.end_date is None  # "9999"
    funding = [e for e in parsed.entries if e.kind == "funding"]
    assert len(funding) == 1 and funding[0].organisation_name == "名古屋大学大学院情報学研究科"
    assert funding[0].start_date == dt.date(2022, 4, 1) and funding[0].end_date == dt.date(2025, 3, 1)
    # papers, awards, misc… are not part of a disclosure
    assert parsed.skipped > 50


def test_researchmap_api_v2_json_gives_grant_with_amount_and_country():
    parsed = importers.parse(
        (DATA / "researchmap/api_v2_items_one_per_type.json").read_bytes())
    assert parsed.format == "researchmap_api" and parsed.external_id == "R009900102"
    grant = next(e for e in parsed.entries if e.kind == "funding")
    assert grant.organisation_name == "日本学術振興会"
    assert grant.organisation_name_en == "Japan Society for the Promotion of Science"
    assert grant.amount == Decimal("4550000") and grant.currency == "JPY"
    assert "科学研究費助成事業" in grant.programme
    career = next(e for e in parsed.entries if e.kind == "career")
    assert career.organisation_name == "北海道大学" and career.country == "JP"
    assert career.title == "助教"


def test_orcid_json_record_gives_employments_and_fundings():
    parsed = importers.parse((DATA / "orcid/record-full-3.0.json").read_bytes())
    assert parsed.format == "orcid_json" and parsed.external_id == "0000-0002-7319-2192"
    kinds = [e.kind for e in parsed.entries]
    assert "career" in kinds and "funding" in kinds and "affiliation" in kinds
    wellcome = next(e for e in parsed.entries if e.organisation_name == "Wellcome Trust")
    assert wellcome.country == "GB" and wellcome.title == "Grant title"
    assert wellcome.start_date == dt.date(2000, 2, 2) and wellcome.end_date == dt.date(2020, 2, 2)


def test_orcid_single_employment_json():
    parsed = importers.parse((DATA / "orcid/employment-3.0.json").read_bytes())
    [entry] = parsed.entries
    assert (entry.kind, entry.organisation_name, entry.country) == ("career", "Boston University",
                                                                    "US")
    assert entry.department_name == "Primary Care Health Services"


def test_orcid_xml_record_and_fundings():
    parsed = importers.parse((DATA / "orcid/record-3.0.xml").read_bytes())
    assert parsed.format == "orcid_xml" and parsed.external_id == "8888-8888-8888-8880"
    assert {e.kind for e in parsed.entries} == {"career", "affiliation", "funding"}
    employment = next(e for e in parsed.entries if e.kind == "career")
    assert employment.organisation_name == "employment-org"
    fundings = importers.parse((DATA / "orcid/fundings-3.0.xml").read_bytes())
    assert [e.title for e in fundings.entries][:2] == ["Funding # 1", "Funding # 1"]


def test_unknown_files_are_refused_with_a_message():
    with pytest.raises(importers.ImportFormatError):
        importers.parse(b"hello,world\n")
    with pytest.raises(importers.ImportFormatError):
        importers.parse(b'<?xml version="1.0"?><root/>')


def test_xml_entity_expansion_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;">]><record xmlns="http://www.orcid.org/ns/record">'
            b'&lol2;</record>')
    with pytest.raises(importers.ImportFormatError):
        importers.parse(bomb)


def test_import_creates_suggestions_accepted_or_rejected_one_by_one(researcher):
    record = services.external_import_create(
        owner=researcher, actor=researcher,
        uploaded_file=_upload(DATA / "researchmap/api_v2_items_one_per_type.json"))
    entries = {e.kind: e for e in record.items.all()}
    assert set(entries) == {"career", "affiliation", "funding"}
    assert all(e.status == "suggested" for e in entries.values())
    services.external_item_accept(entry=entries["career"], actor=researcher)
    services.external_item_reject(entry=entries["affiliation"], actor=researcher)
    draft = draft_for(researcher)
    career = CareerItem.objects.get(version=draft)
    assert career.organisation.name_ja == "北海道大学" and career.position == "助教"
    assert career.start_date == dt.date(2025, 4, 1)
    assert not PositionItem.objects.filter(version=draft).exists()
    entries["career"].refresh_from_db()
    assert entries["career"].status == "accepted"
    assert entries["career"].accepted_item_key == career.item_key
    with pytest.raises(ApplicationError):
        services.external_item_accept(entry=entries["career"], actor=researcher)


def test_accepting_a_grant_without_effort_asks_to_add_it_by_hand(researcher):
    record = services.external_import_create(
        owner=researcher, actor=researcher,
        uploaded_file=_upload(DATA / "researchmap/api_v2_items_one_per_type.json"))
    grant = record.items.get(kind="funding")
    with pytest.raises(ValidationFailed):
        services.external_item_accept(entry=grant, actor=researcher)
    services.external_item_accept(entry=grant, actor=researcher, effort_percent=Decimal("10"))
    item = FundingItem.objects.get()
    assert item.amount == Decimal("4550000") and item.organisation.name_ja == "日本学術振興会"


def test_suggestions_are_matched_to_the_registry(researcher):
    hokudai = Organisation.objects.create(name_ja="北海道大学", name_en="Hokkaido University",
                                          country="JP")
    record = services.external_import_create(
        owner=researcher, actor=researcher,
        uploaded_file=_upload(DATA / "researchmap/api_v2_items_one_per_type.json"))
    assert record.items.get(kind="career").organisation == hokudai


def test_only_the_researcher_imports_their_records(researcher, staff):
    with pytest.raises(NotAllowed):
        services.external_import_create(
            owner=researcher, actor=staff,
            uploaded_file=_upload(DATA / "orcid/employment-3.0.json"))


def test_import_pages(client_as, researcher, other_researcher, django_capture_on_commit_callbacks):
    client = client_as(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("disclosures:imports"),
                               {"file": _upload(DATA / "orcid/record-full-3.0.json")})
    response = client.get(response["Location"])
    assert 'data-testid="records-report"' in response.content.decode()
    assert not ExternalRecordItem.objects.exists()  # nothing stored before the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:import_confirm",
                                       args=[response.context["upload"].public_id]))
    response = client.get(response["Location"])
    assert response.status_code == 302
    entry = ExternalRecordItem.objects.filter(kind="career").first()
    page = client.get(response["Location"]).content.decode()
    assert "Wellcome Trust" in page
    # another researcher cannot decide on these suggestions
    assert client_as(other_researcher).post(
        reverse("disclosures:import_decide", args=[entry.pk, "reject"])).status_code == 404
    response = client.post(reverse("disclosures:import_decide", args=[entry.pk, "reject"]),
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.status == "rejected"
    bad = client.post(reverse("disclosures:imports"),
                      {"file": SimpleUploadedFile("x.txt", b"not a record")}, follow=True)
    assert bad.status_code == 200 and bad.context["upload"].status == "invalid"


@pytest.mark.parametrize("content", [
    b"\xff\xfe{\"a\": 1}\x80",  # invalid UTF-8
    b"\x7fELF\x02\x01\x01\x00\x00\x00",  # binary
    b"[" * 100_000 + b"]" * 100_000,  # nested far deeper than any export
    b'{"insert": {"type": "researchers"}, "merge": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
])
def test_a_hostile_file_is_refused_cleanly_with_a_message(client_as, researcher, content,
                                                          django_capture_on_commit_callbacks):
    client = client_as(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("disclosures:imports"),
                               {"file": SimpleUploadedFile("record.json", content)})
    response = client.get(response["Location"])
    upload = response.context["upload"]
    assert (response.status_code, upload.status, bool(upload.message)) == (200, "invalid", True)
    assert not ExternalRecordItem.objects.exists()


def test_ror_seeding_resolves_tokyo_tech_names_to_one_entity():
    call_command("organisations_load_ror", str(DATA / "ror/ror_v2_country_JP_education.json"),
                 stdout=open("/dev/null", "w"))
    science_tokyo = Organisation.objects.get(ror_id="05dqf9946")
    assert science_tokyo.name_ja == "東京科学大学"
    tokyo_tech = Organisation.objects.get(ror_id="0112mx960")
    assert tokyo_tech.successor == science_tokyo
    for name in ("東京工業大学", "Tokyo Tech", "Tokyo Institute of Technology", "東工大",
                 "東京科学大学", "Institute of Science Tokyo"):
        assert organisation_resolve(name) == science_tokyo, name
    # Loading twice changes nothing.
    count = Organisation.objects.count()
    call_command("organisations_load_ror", str(DATA / "ror/ror_v2_country_JP_education.json"),
                 stdout=open("/dev/null", "w"))
    assert Organisation.objects.count() == count


def test_ror_v1_records_and_successor_relationships(tmp_path):
    v1 = [{"id": "https://ror.org/0aaaaaa01", "name": "Old Institute", "labels":
           [{"label": "旧研究所", "iso639": "ja"}], "aliases": ["OI"], "acronyms": [],
           "types": ["Education"], "links": [], "country": {"country_code": "JP"},
           "relationships": [{"type": "Successor", "id": "https://ror.org/0bbbbbb02",
                              "label": "New Institute"}]},
          {"id": "https://ror.org/0bbbbbb02", "name": "New Institute", "labels": [],
           "aliases": [], "acronyms": [], "types": ["Education"], "links": [],
           "country": {"country_code": "JP"}, "relationships": []}]
    path = tmp_path / "v1.json"
    import json

    path.write_text(json.dumps(v1))
    call_command("organisations_load_ror", str(path), stdout=open("/dev/null", "w"))
    assert organisation_resolve("旧研究所").name_en == "New Institute"
    assert organisation_resolve("OI").name_en == "New Institute"
