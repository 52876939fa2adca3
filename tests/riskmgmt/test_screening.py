"""Screening lists: imports (all-or-nothing), the real METI workbook, matching, re-screening,
false-positive clearing, the commands."""
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from riskmgmt import importers, matching, services
from riskmgmt.models import (
    Case,
    ScreeningEntry,
    ScreeningHit,
    ScreeningListRelease,
    ScreeningRun,
)
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db

DATA = Path(settings.PORTAL_SAMPLE_DATA) / "export_control"
METI_XLSX = DATA / "meti_end_user_list_20250929.xlsx"
METI_CSV = DATA / "meti_end_user_list_20250929__cells_verbatim.csv"


# --- Parsing -----------------------------------------------------------------------------------


def test_meti_concern_codes_are_read_from_messy_cells():
    assert importers.parse_concerns("生物、化学、ミサイル、核\nB,C,M,N") == ["B", "C", "M", "N"]
    assert importers.parse_concerns("ミサイル、核\nM、N") == ["M", "N"]
    assert importers.parse_concerns("ミサイルM") == ["M"]
    assert importers.parse_concerns("核\nＮ ") == ["N"]
    assert importers.parse_concerns(None, "通常兵器\nCW") == ["CW"]


def test_meti_name_cells_split_bilingual_lines_and_bullet_aliases():
    assert importers.split_names("Kim Il Sung University\n(金日成総合大学)") == [
        "Kim Il Sung University", "金日成総合大学"]
    assert importers.parse_alias_cell("・Alias One \n・Alias Two\n(別名)") == [
        "Alias One", "Alias Two", "別名"]
    assert importers.country_code("イラン\nIslamic Republic of Iran") == "IR"
    assert importers.country_code("香港\nHong Kong") == "HK"


def test_the_real_meti_workbook_imports_as_published():
    release = f.import_list(METI_XLSX.read_bytes(), code="meti", fmt="meti")
    assert release.entry_count == 835
    assert ScreeningEntry.objects.filter(release=release).count() == 835
    kim = ScreeningEntry.objects.get(release=release, name="Kim Il Sung University")
    assert kim.aliases == ["金日成総合大学"] and kim.country == "KP"
    assert kim.concerns == ["B", "C", "M", "N"]
    utn = ScreeningEntry.objects.get(release=release, name="Ummah Tameer E-Nau (UTN)")
    assert "UMMAH TAMIR E-NAU" in utn.aliases and "UTN" in utn.aliases
    assert "FOUNDATION FOR CONSTRUCTION" in utn.aliases  # trailing space removed
    all_concerns = list(ScreeningEntry.objects.filter(release=release).values_list("concerns", flat=True))
    assert sum("CW" in c for c in all_concerns) == 240  # the conventional-weapons column
    countries = set(ScreeningEntry.objects.filter(release=release).values_list("country", flat=True))
    assert {"IR", "KP", "CN", "PK", "RU", "AE", "HK", "SY"} <= countries and "" not in countries
    total_aliases = sum(len(a) for a in ScreeningEntry.objects.filter(release=release)
                        .values_list("aliases", flat=True))
    assert total_aliases > 1500
    # A known entity matched by a variant of its name.
    result = matching.check_names(["KIM IL-SUNG UNIV.", "ＨＡＲＢＩＮ ＩＮＳＴＩＴＵＴＥ ＯＦ ＴＥＣＨＮＯＬＯＧＹ",
                                   "Mabrooka Trading Co., Ltd.", "シャリフ工科大学", "金日成総合大学"])
    assert result["KIM IL-SUNG UNIV."][0].entry_name == "Kim Il Sung University"
    assert result["ＨＡＲＢＩＮ ＩＮＳＴＩＴＵＴＥ ＯＦ ＴＥＣＨＮＯＬＯＧＹ"][0].entry_name == \
        "Harbin Institute of Technology (HIT)"
    assert result["Mabrooka Trading Co., Ltd."][0].entry_name == "Mabrooka Trading Co L.L.C."
    assert result["シャリフ工科大学"][0].entry_name == "Sharif University of Technology (SHFT)"
    assert result["金日成総合大学"][0].entry_name == "Kim Il Sung University"
    # Names of Japanese universities do not hit the list.
    for name in ["東京大学", "東京科学大学", "Kyoto University", "大阪大学", "ハーバード大学"]:
        assert matching.check_names([name])[name] == [], name


def test_the_verbatim_csv_of_the_workbook_parses_the_same():
    from_xlsx = importers.parse(METI_XLSX.read_bytes(), "meti")
    from_csv = importers.parse(METI_CSV.read_bytes(), "meti")
    assert not from_csv.errors and len(from_csv.entries) == 835
    assert [e.fingerprint for e in from_csv.entries] == [e.fingerprint for e in from_xlsx.entries]


def test_a_generic_csv_with_bad_rows_imports_nothing_and_names_the_rows():
    bad = ("name,aliases,country,source,note\n"
           "Good Corp,,US,x,\n"
           ",Alias only,CN,x,\n"
           "Bad Country Corp,,Atlantis,x,\n")
    lst = services.screening_list_get_or_create(code="g", fmt="generic")
    with pytest.raises(services.ImportFailed) as exc:
        services.screening_release_import(screening_list=lst, data=bad.encode(), filename="b.csv")
    rows = [row for row, _m in exc.value.errors]
    assert rows == [3, 4]
    assert ScreeningListRelease.objects.count() == 0 and ScreeningEntry.objects.count() == 0


def test_csl_layout_imports_organisations_and_never_reads_person_attributes():
    csv_text = (
        "_id,source,entity_number,type,programs,name,title,addresses,alt_names,citizenships,"
        "dates_of_birth,nationalities,places_of_birth,remarks\n"
        "a1,Entity List (EL) - Bureau of Industry and Security,,Entity,EAR,"
        "Beihang University,,\"37 Xueyuan Rd, Beijing, CN\","
        "Beijing University of Aeronautics and Astronautics; BUAA,,,,,\n"
        "a2,Specially Designated Nationals (SDN),,Individual,SDGT,John Doe,,,,IR,1970,IR,Tehran,\n")
    release = f.import_list(csv_text, code="csl", fmt="csl")
    entry = ScreeningEntry.objects.get(release=release)
    assert entry.name == "Beihang University" and entry.country == "CN"
    assert entry.aliases == ["Beijing University of Aeronautics and Astronautics", "BUAA"]
    assert "IR" not in json.dumps([entry.note, entry.source, entry.aliases])


def test_a_csl_file_without_the_name_column_is_refused():
    lst = services.screening_list_get_or_create(code="csl", fmt="csl")
    with pytest.raises(services.ImportFailed):
        services.screening_release_import(screening_list=lst, data=b"foo,bar\n1,2\n",
                                          filename="x.csv")


def test_an_excel_file_is_refused_for_a_csv_format():
    problem = importers.sniff(METI_XLSX.read_bytes(), "generic")
    assert problem


# --- Matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [
    "harbin institute of technology", "ＨＡＲＢＩＮ　ＩＮＳＴＩＴＵＴＥ　ＯＦ　ＴＥＣＨＮＯＬＯＧＹ",
    "Harbin Inst. of Technology", "哈爾浜工業大学", "Harbin Institute of Technolgy",
    "Kim Il-Sung University", "ロスアトム", "ROSATOM Corp.", "ハルビン工業大学",
])
def test_name_variants_match_with_a_score_and_an_explanation(variant):
    f.import_list()
    matches = matching.check_names([variant])[variant]
    assert matches, variant
    assert matches[0].score >= 88 and matches[0].explanation


def test_unrelated_names_do_not_match():
    f.import_list()
    for name in ["University of Tokyo", "東京大学", "Institute of Technology", "Harvard University"]:
        assert matching.check_names([name])[name] == [], name


# --- Re-screening and clearing -----------------------------------------------------------------


def test_a_new_release_rescreens_the_registry_and_flags_only_new_hits(researcher):
    hit_org = f.org("Harbin Institute of Technology", country="CN")
    later_org = f.org("Northwestern Polytechnical Univ.", country="CN")
    f.org("University of Tokyo", country="JP")
    v = f.version(researcher)
    f.position(v, later_org)
    first = f.import_list()
    run = services.screening_rescreen_registry(release=first)
    assert run.status == ScreeningRun.Status.DONE and run.new_hits == 1
    assert ScreeningHit.objects.get().organisation == hit_org
    second_csv = f.GENERIC_CSV + "Northwestern Polytechnical University,NWPU,CN,METI,\n"
    second = f.import_list(second_csv)
    run2 = services.screening_rescreen_registry(release=second)
    assert run2.new_hits == 1  # Harbin unchanged: not flagged again
    new_hit = ScreeningHit.objects.get(run=run2)
    assert new_hit.organisation == later_org
    case = Case.objects.get(researcher=researcher, concern="screening_match")
    assert case.flags.get().hit == new_hit


def test_import_on_commit_queues_the_rescreening(django_capture_on_commit_callbacks):
    f.org("Kim Il Sung University", country="KP")
    with django_capture_on_commit_callbacks(execute=True):
        f.import_list(rescreen=True)
    registry = ScreeningRun.objects.get(kind=ScreeningRun.Kind.REGISTRY)
    assert registry.new_hits == 1
    assert ScreeningRun.objects.filter(kind=ScreeningRun.Kind.OUTPUTS).count() == 1


def test_a_cleared_false_positive_stays_cleared_until_the_entry_changes(staff):
    o = f.org("Harbin Institute of Technology", country="CN")
    services.screening_rescreen_registry(release=f.import_list())
    hit = ScreeningHit.objects.get(organisation=o)
    services.screening_hit_clear(hit=hit, reason="A namesake in another city", actor=staff)
    # Same content in a new release: still cleared, no new hit.
    assert services.screening_rescreen_registry(release=f.import_list()).new_hits == 0
    # The entry changes (a new alias): the pair is screened again.
    changed = f.GENERIC_CSV.replace("HIT;哈爾浜工業大学", "HIT;哈爾浜工業大学;HIT Harbin")
    assert services.screening_rescreen_registry(release=f.import_list(changed)).new_hits == 1


def test_clearing_needs_a_reason(staff):
    o = f.org("Harbin Institute of Technology", country="CN")
    services.screening_rescreen_registry(release=f.import_list())
    hit = ScreeningHit.objects.get(organisation=o)
    with pytest.raises(services.ApplicationError):
        services.screening_hit_clear(hit=hit, reason=" ", actor=staff)


def test_a_cleared_pair_is_not_flagged_again_on_a_disclosure(researcher, staff):
    o = f.org("Harbin Institute of Technology", country="CN")
    services.screening_rescreen_registry(release=f.import_list())
    services.screening_hit_clear(hit=ScreeningHit.objects.get(organisation=o), reason="namesake",
                                 actor=staff)
    v = f.version(researcher)
    f.position(v, o)
    services.version_evaluate(version_id=v.pk)
    assert not Case.objects.filter(concern="screening_match").exists()


# --- Commands ----------------------------------------------------------------------------------


def test_screening_import_command_imports_the_meti_workbook(capsys):
    call_command("screening_import", str(METI_XLSX), "--format", "meti", "--no-rescreen")
    out = capsys.readouterr().out
    assert "835 entries" in out
    assert ScreeningListRelease.objects.get().entry_count == 835


def test_screening_import_command_shows_row_errors_and_imports_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("name,aliases,country\n,x,US\nOK Corp,,ZZ\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("screening_import", str(path), "--format", "generic")
    err = capsys.readouterr().err
    assert "row 2" in err and "row 3" in err
    assert ScreeningListRelease.objects.count() == 0


def test_screening_import_dry_run_saves_nothing(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text(f.GENERIC_CSV, encoding="utf-8")
    call_command("screening_import", str(path), "--format", "generic", "--dry-run")
    assert "Dry run: 3 entries" in capsys.readouterr().out
    assert ScreeningListRelease.objects.count() == 0


def test_screening_check_command_prints_json(capsys):
    f.import_list()
    call_command("screening_check", "Kim Il-Sung Univ.", "University of Tokyo", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data[0]["name"] == "Kim Il-Sung Univ."
    assert data[0]["matches"][0]["entry"] == "Kim Il Sung University"
    assert data[0]["matches"][0]["score"] == 100.0 and data[0]["matches"][0]["explanation"]
    assert data[1]["matches"] == []
