"""The JSON list formats (US CSL JSON, OpenSanctions' FollowTheMoney entities) and list kinds,
on the samples in fixtures/data/sanctions."""
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from riskmgmt import importers, matching, services
from riskmgmt.models import ListKind, ScreeningHit
from tests.riskmgmt import factories as f

DATA = Path(settings.PORTAL_SAMPLE_DATA) / "sanctions"
FTM = (DATA / "opensanctions_eu_fsf_entities.ftm.json").read_bytes()
# Results as the CSL API of the International Trade Administration gave them (its own test
# data: fixtures/data/README.md): the Entity List, the SDN list, the Nonproliferation Sanctions.
CSL_EL = (DATA / "us_csl_ita_api_el_results.json").read_bytes()
CSL_SDN = (DATA / "us_csl_ita_api_sdn_results.json").read_bytes()
CSL_ISN = (DATA / "us_csl_ita_api_isn_results.json").read_bytes()


def _bulk(*files: bytes) -> bytes:
    """The results of the samples in the layout of today's bulk file (consolidated.json)."""
    results = [r for data in files for r in json.loads(data)]
    return json.dumps({"total": len(results), "results": results}).encode()


def test_opensanctions_entities_give_the_organisations_and_skip_people_and_addresses():
    result = importers.parse(FTM, "ftm", list_code="eu-fsf")
    assert result.errors == []
    assert [e.name for e in result.entries] == ["RAB „Inter Tobacco“", "IRGC"]
    assert result.skipped == 5  # four persons and an address


def test_an_opensanctions_entity_keeps_its_names_country_topics_and_id():
    irgc = importers.parse(FTM, "ftm", list_code="eu-fsf").entries[1]
    assert irgc.aliases == ["Iranian Revolutionary Guard Corps"]
    assert (irgc.country, irgc.concerns, irgc.reference) == ("IR", ["sanction"],
                                                             "NK-2PacmNpiLUmoz4XD2mSt7A")
    assert irgc.source == "eu_fsf"


def test_an_opensanctions_entity_is_the_same_entry_in_the_next_release():
    first = importers.parse(FTM, "ftm", list_code="eu-fsf").entries[1]
    edited = FTM.replace(b'"IRGC","Iranian', b'"IRGC","Islamic Revolutionary Guard Corps","Iranian')
    again = importers.parse(edited, "ftm", list_code="eu-fsf").entries[1]
    assert again.entry_key == first.entry_key and again.fingerprint != first.fingerprint


def test_a_line_that_is_not_an_entity_is_a_row_error():
    from django.utils import translation

    with translation.override("ja"):  # the default language, whatever ran before
        result = importers.parse(FTM + b'\n{"id": "x"}\n', "ftm")
    assert result.errors == [(8, "8 行目は FollowTheMoney のエンティティではありません。")]


def test_the_entity_lists_results_are_all_kept_with_their_country_and_id():
    result = importers.parse(CSL_EL, "csl_json", list_code="csl")
    assert result.errors == [] and result.skipped == 0  # EL results carry no type
    assert [e.name for e in result.entries] == [
        "Fazal Rahim Farid", "Fazel Khalil Construction Company", "Murat Peker", "Qazi Abdallah",
        "Qazi Abdallah", "Qazi Abdallah", "Zurmat Construction Company offices"]
    company = result.entries[1]
    assert (company.country, company.reference, company.aliases) == (
        "AF", "82637ba282f441104f3aa8413aefdd5c303b9fe6", [])
    assert company.source == "Entity List (EL) - Bureau of Industry and Security"


def test_a_name_listed_in_three_entries_is_three_entries():
    qazi = [e for e in importers.parse(CSL_EL, "csl_json", list_code="csl").entries
            if e.name == "Qazi Abdallah"]
    assert len({e.entry_key for e in qazi}) == 3
    assert qazi[0].aliases == ["Jawid, Said Jan Abd-al-Salam"]


def test_sdn_results_keep_the_entity_and_skip_individuals_and_vessels():
    result = importers.parse(CSL_SDN, "csl_json", list_code="csl")
    assert result.errors == [] and result.skipped == 3  # two individuals, one vessel
    (bank,) = result.entries
    assert (bank.name, bank.aliases) == ("BANCO NACIONAL DE CUBA", ["BNC", "NATIONAL BANK OF CUBA"])
    assert (bank.country, bank.concerns, bank.reference) == ("CH", ["CUBA"], "306")


def test_a_country_given_beside_the_addresses_is_read():
    plant = importers.parse(CSL_ISN, "csl_json", list_code="csl").entries[0]
    assert (plant.name, plant.country) == ("150th Aircraft Repair Plant (ARZ) (Kaliningrad)", "RU")
    assert plant.concerns == ["INKSNA"]


def test_the_bulk_files_layout_gives_the_same_entries_as_the_searchs():
    bulk = importers.parse(_bulk(CSL_EL, CSL_SDN), "csl_json", list_code="csl")
    one_by_one = [importers.parse(data, "csl_json", list_code="csl") for data in (CSL_EL, CSL_SDN)]
    assert [(e.entry_key, e.fingerprint) for e in bulk.entries] == [
        (e.entry_key, e.fingerprint) for r in one_by_one for e in r.entries]


def test_alternate_names_joined_in_one_string_are_read_apart():
    """Since October 2022 the file gives an Entity List result's alternate names as one string
    joined by "; " (and [""] when there is none): InternationalTradeAdministration/
    developerportal issue 139."""
    el = json.loads(CSL_EL)
    el[0]["alt_names"] = ["; ".join(el[0]["alt_names"])]
    el[1]["alt_names"] = [""]
    entries = importers.parse(json.dumps(el[:2]).encode(), "csl_json", list_code="csl").entries
    assert [e.aliases for e in entries] == [["Fazel Rahim Farid", "Farid", "Engineer Idris"], []]


def test_an_id_published_under_two_sources_is_two_entries_not_an_error():
    el = json.loads(CSL_EL)
    again = {**el[1], "source": "Military End User (MEU) List - Bureau of Industry and Security"}
    result = importers.parse(json.dumps([el[1], again]).encode(), "csl_json", list_code="csl")
    assert result.errors == []
    assert len({e.entry_key for e in result.entries}) == 2


def test_a_result_published_twice_is_read_once():
    el = json.loads(CSL_EL)
    result = importers.parse(json.dumps([el[1], el[1]]).encode(), "csl_json", list_code="csl")
    assert (result.errors, len(result.entries), result.skipped) == ([], 1, 1)


def test_a_csl_entry_is_the_same_entry_in_the_next_release():
    first = importers.parse(CSL_SDN, "csl_json", list_code="csl").entries[0]
    edited = json.loads(CSL_SDN)
    edited[0]["alt_names"].append("BANCO NACIONAL")
    again = importers.parse(json.dumps(edited).encode(), "csl_json", list_code="csl").entries[0]
    assert again.entry_key == first.entry_key and again.fingerprint != first.fingerprint


def test_a_file_without_results_is_refused():
    result = importers.parse(b'{"total": 0}', "csl_json")
    assert result.entries == [] and result.errors[0][0] == 0


@pytest.mark.django_db
def test_a_new_opensanctions_list_is_a_sanctions_list_and_its_hits_say_so():
    lst = services.screening_list_get_or_create(code="eu-fsf", fmt="ftm", name="EU FSF")
    assert lst.kind == ListKind.SANCTIONS
    services.screening_release_import(screening_list=lst, data=FTM, filename="e.ftm.json",
                                      rescreen=False)
    (hit,) = matching.screen_names(["Iranian Revolutionary Guard Corps"])
    assert (hit["entry"], hit["kind"], hit["kind_label"]) == ("IRGC", "sanctions", "制裁")


@pytest.mark.django_db
def test_a_list_kind_chosen_at_creation_is_kept():
    lst = services.screening_list_get_or_create(code="1260h", fmt="ftm", name="DoD 1260H",
                                                kind=ListKind.MILITARY_END_USER)
    assert lst.kind == ListKind.MILITARY_END_USER


@pytest.mark.django_db
def test_a_registry_hit_flag_and_page_name_the_kind_of_list(client_as, researcher, staff):
    o = f.org("Banco Nacional de Cuba", country="CU")
    v = f.version(researcher)
    f.funding(v, o)
    lst = services.screening_list_get_or_create(code="csl", fmt="csl_json", name="CSL")
    release, _r = services.screening_release_import(screening_list=lst, data=CSL_SDN,
                                                    filename="csl.json", rescreen=False)
    services.screening_rescreen_registry(release=release)
    hit = ScreeningHit.objects.get(organisation=o)
    assert "CSL (安全保障輸出管理)" in hit.flags.get().reason
    page = client_as(staff).get(reverse("riskmgmt:hit_detail", args=[hit.public_id]))
    assert page.status_code == 200
    assert 'data-testid="hit-list-kind">安全保障輸出管理<' in page.content.decode()


@pytest.fixture
def sanctions_hit():
    """The real OpenSanctions sample as a sanctions list, and a registry hit on the IRGC."""
    lst = services.screening_list_get_or_create(code="eu-fsf", fmt="ftm", name="EU FSF")
    release, _r = services.screening_release_import(screening_list=lst, data=FTM,
                                                    filename="e.ftm.json", rescreen=False)
    f.org("Iranian Revolutionary Guard Corps", country="IR")
    services.screening_rescreen_registry(release=release)
    return ScreeningHit.objects.get()


@pytest.mark.django_db
def test_the_hit_list_names_the_kind_of_list(client_as, staff, sanctions_hit):
    page = client_as(staff).get(reverse("riskmgmt:hit_list"), HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    assert "(EU FSF — 制裁)" in page.content.decode()


@pytest.mark.django_db
def test_the_check_page_names_the_kind_of_list(client_as, staff, sanctions_hit):
    page = client_as(staff).get(reverse("riskmgmt:screening_check"),
                                {"names": "IRGC", "threshold": 88}, HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    assert 'data-testid="list-kind">(制裁)' in page.content.decode()


@pytest.mark.django_db
def test_screening_check_json_gives_the_kind_of_list(capsys, sanctions_hit):
    import json

    from django.core.management import call_command

    call_command("screening_check", "IRGC", "--json")
    match = json.loads(capsys.readouterr().out)[0]["matches"][0]
    assert (match["entry"], match["kind"]) == ("IRGC", "sanctions")


@pytest.mark.django_db
def test_the_hits_export_names_the_kind_of_list_of_every_hit(staff):
    import io

    from openpyxl import load_workbook

    from portal.exports import get_exporter

    o = f.org("Banco Nacional de Cuba", country="CU")
    lst = services.screening_list_get_or_create(code="csl", fmt="csl_json", name="CSL")
    release, _r = services.screening_release_import(screening_list=lst, data=CSL_SDN,
                                                    filename="csl.json", rescreen=False)
    services.screening_rescreen_registry(release=release)
    _name, _mime, content = get_exporter("riskmgmt.hits").render({}, user=staff,
                                                                 progress=lambda *a: None)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("Banco Nacional de Cuba", str(o))
    assert rows[1][4:6] == ("CSL", "安全保障輸出管理")


@pytest.mark.django_db
def test_researchers_cannot_export_the_hits(client_as, researcher):
    response = client_as(researcher).post(reverse("riskmgmt:hits_export"))
    assert response.status_code == 403


def test_an_entity_listed_twice_in_one_file_is_a_row_error_naming_it():
    lines = FTM.splitlines()
    irgc = next(line for line in lines if b'"IRGC"' in line)
    with_twice = b"\n".join([*lines, irgc]) + b"\n"
    result = importers.parse(with_twice, "ftm", list_code="eu-fsf")
    assert [e.name for e in result.entries] == ["RAB „Inter Tobacco“", "IRGC"]
    assert [(line, message) for line, message in result.errors] == [
        (len(lines) + 1, "「IRGC」が重複しています。")]
