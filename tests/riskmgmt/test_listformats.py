"""The JSON list formats (US CSL JSON, OpenSanctions' FollowTheMoney entities) and list kinds,
on the samples in fixtures/data/sanctions."""
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from riskmgmt import importers, matching, services
from riskmgmt.models import ListKind, ScreeningHit
from tests.riskmgmt import factories as f

DATA = Path(settings.PORTAL_SAMPLE_DATA) / "sanctions"
FTM = (DATA / "opensanctions_eu_fsf_entities.ftm.json").read_bytes()
CSL = (DATA / "us_csl_results_CONSTRUCTED.json").read_bytes()


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


def test_csl_json_gives_the_organisations_with_aliases_countries_and_programmes():
    result = importers.parse(CSL, "csl_json", list_code="csl")
    assert result.errors == [] and result.skipped == 1  # the individual
    heu = result.entries[0]
    assert (heu.name, heu.country, heu.concerns) == ("Harbin Engineering University", "CN",
                                                     ["EAR"])
    assert heu.aliases == ["HEU", "Harbin Shipbuilding Engineering Institute"]
    assert heu.source == "Entity List (EL) - Bureau of Industry and Security"


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
    o = f.org("Beihang University", country="CN")
    v = f.version(researcher)
    f.funding(v, o)
    lst = services.screening_list_get_or_create(code="csl", fmt="csl_json", name="CSL")
    release, _r = services.screening_release_import(screening_list=lst, data=CSL,
                                                    filename="csl.json", rescreen=False)
    services.screening_rescreen_registry(release=release)
    hit = ScreeningHit.objects.get(organisation=o)
    assert "CSL (安全保障輸出管理)" in hit.flags.get().reason
    page = client_as(staff).get(reverse("riskmgmt:hit_detail", args=[hit.public_id]))
    assert page.status_code == 200
    assert 'data-testid="hit-list-kind">安全保障輸出管理<' in page.content.decode()


@pytest.mark.django_db
def test_the_hits_export_names_the_kind_of_list_of_every_hit(staff):
    import io

    from openpyxl import load_workbook

    from portal.exports import get_exporter

    o = f.org("Beihang University", country="CN")
    lst = services.screening_list_get_or_create(code="csl", fmt="csl_json", name="CSL")
    release, _r = services.screening_release_import(screening_list=lst, data=CSL,
                                                    filename="csl.json", rescreen=False)
    services.screening_rescreen_registry(release=release)
    _name, _mime, content = get_exporter("riskmgmt.hits").render({}, user=staff,
                                                                 progress=lambda *a: None)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("Beihang University", str(o))
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
