"""Importing other institutions' answers: dry run, row errors, all-or-nothing, round trip."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from followup import services
from followup.models import SurveyResponse
from followup.reports import build_xlsx
from followup.resources import answers_import, csv_bytes
from portal.models import Institution
from tests.followup.factories import answers, institution

GOOD = [
    ["F101110100010", "北海道大学", "国立大学", "2024", 1, 1, 2, 1, 3, 4, 1],
    ["F201110100019", "札幌医科大学", "公立大学", "令和6年度", 1, 2, 2, 3, 5, 4, 1],
    ["X0001", "新設研究所", "national_rd_agency", "2024", 5, 5, 5, 5, 5, 5, 5],
]


def current_codes(code, year=2024):
    r = SurveyResponse.objects.get(institution__code=code, cycle__fiscal_year=year, is_current=True)
    return [a.option.code for a in r.answers.select_related("option", "question")
            .order_by("question__number")]


def test_dry_run_reports_rows_and_stores_nothing(cycle, admin_user):
    outcome = answers_import(content=csv_bytes(GOOD), filename="a.csv", actor=admin_user,
                             dry_run=True)
    assert outcome.ok and outcome.dry_run
    assert (outcome.total, outcome.new) == (3, 3)
    assert SurveyResponse.objects.count() == 0
    assert not Institution.objects.filter(code="X0001").exists()


def test_import_creates_institutions_and_locked_answers(cycle, admin_user):
    outcome = answers_import(content=csv_bytes(GOOD), filename="a.csv", actor=admin_user,
                             dry_run=False)
    assert outcome.imported
    assert current_codes("F201110100019") == [1, 2, 2, 3, 5, 4, 1]
    inst = Institution.objects.get(code="X0001")
    assert inst.category.code == "national_rd_agency" and inst.name_ja == "新設研究所"
    response = SurveyResponse.objects.get(institution=inst)
    assert response.status == "locked" and response.source == "imported"


def test_one_bad_row_imports_nothing_and_lists_every_error(cycle, admin_user):
    rows = GOOD + [
        ["F999", "誤り大学", "存在しない区分", "2024", 1, 1, 1, 1, 1, 1, 6],
        ["", "", "国立大学", "昭和50年", 1, 1, 1, 1, 1, 1, ""],
    ]
    outcome = answers_import(content=csv_bytes(rows), filename="bad.csv", actor=admin_user,
                             dry_run=False)
    assert not outcome.ok and not outcome.imported
    assert [e.number for e in outcome.errors] == [5, 6]  # lines of the file
    row4 = " ".join(outcome.errors[0].messages)
    assert "機関区分" in row4 and "Q7" in row4
    row5 = " ".join(outcome.errors[1].messages)
    assert "機関コード" in row5 and "年度" in row5 and "Q7" in row5
    assert SurveyResponse.objects.count() == 0
    assert not Institution.objects.filter(code="X0001").exists()


def test_the_same_institution_twice_in_one_year_is_an_error(cycle, admin_user):
    rows = [GOOD[0], GOOD[0]]
    outcome = answers_import(content=csv_bytes(rows), actor=admin_user, dry_run=False)
    assert [e.number for e in outcome.errors] == [3]  # line 3 of the file
    assert SurveyResponse.objects.count() == 0


def test_category_must_match_the_registry(cycle, admin_user):
    institution("F101110100010", "private_university")
    outcome = answers_import(content=csv_bytes([GOOD[0]]), actor=admin_user, dry_run=True)
    assert not outcome.ok
    assert "私立大学" in " ".join(outcome.errors[0].messages)


def test_missing_columns_are_reported(cycle, admin_user):
    content = "機関コード,機関名\nA,B\n".encode()
    outcome = answers_import(content=content, actor=admin_user, dry_run=True)
    assert not outcome.ok and "年度" in outcome.base_errors[0]


def test_shift_jis_csv_is_read(cycle, admin_user):
    content = csv_bytes([GOOD[1]]).decode("utf-8-sig").encode("cp932")
    outcome = answers_import(content=content, actor=admin_user, dry_run=False)
    assert outcome.imported
    assert current_codes("F201110100019")[0] == 1


def test_home_row_is_skipped_when_unchanged_and_refused_when_different(
        cycle, admin_user, home_institution):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, actor=admin_user, answers={
        n: services.AnswerInput(option_code=1, evidence="x") for n in range(1, 8)})
    same = [home_institution.code, home_institution.name_ja, home_institution.category.name_ja,
            "2024", 1, 1, 1, 1, 1, 1, 1]
    outcome = answers_import(content=csv_bytes([same]), actor=admin_user, dry_run=False)
    assert outcome.imported and outcome.skipped == 1
    different = same[:4] + [2, 1, 1, 1, 1, 1, 1]
    outcome = answers_import(content=csv_bytes([different]), actor=admin_user, dry_run=False)
    assert not outcome.ok
    assert response.answers.filter(option__code=1).count() == 7


def test_exported_workbook_imports_back_unchanged(cycle, previous_cycle, admin_user):
    answers(cycle, institution("A1"), [1, 2, 3, 4, 5, 1, 2])
    answers(cycle, institution("B1", "public_university", "=cmd|' /C calc'!A0"),
            [5, 4, 3, 2, 1, 1, 1])
    answers(cycle, institution("C1", "kosen"), [1, 1, 1, 1, 1, 1, 1])
    content = build_xlsx(cycle=cycle)
    outcome = answers_import(content=content, filename="export.xlsx", actor=admin_user,
                             dry_run=False)
    assert outcome.imported
    assert (outcome.total, outcome.new, outcome.updated, outcome.skipped) == (3, 0, 0, 3)
    # Delete the answers and import the export: everything comes back as it was.
    SurveyResponse.objects.all().delete()
    outcome = answers_import(content=content, filename="export.xlsx", actor=admin_user,
                             dry_run=False)
    assert outcome.imported and outcome.new == 3
    assert current_codes("A1") == [1, 2, 3, 4, 5, 1, 2]
    assert current_codes("B1") == [5, 4, 3, 2, 1, 1, 1]
    assert Institution.objects.get(code="B1").name_ja == "=cmd|' /C calc'!A0"


def test_edited_workbook_updates_the_changed_row_only(cycle, admin_user):
    answers(cycle, institution("A1"), [1, 2, 3, 4, 5, 1, 2])
    answers(cycle, institution("A2"), [1, 1, 1, 1, 1, 1, 1])
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx(cycle=cycle)))
    ws = wb["機関別データ"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("Q5") + 1, value=1)
    buf = io.BytesIO()
    wb.save(buf)
    outcome = answers_import(content=buf.getvalue(), actor=admin_user, dry_run=False)
    assert (outcome.updated, outcome.skipped) == (1, 1)
    assert current_codes("A1") == [1, 2, 3, 4, 1, 1, 2]


def test_import_command_imports_a_good_file(cycle, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(csv_bytes(GOOD))
    call_command("followup_import", str(path))
    assert SurveyResponse.objects.count() == 3


def test_import_command_fails_on_a_bad_file_and_imports_nothing(cycle, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(csv_bytes(GOOD + [["Z", "Z", "国立大学", "2024", 9, 1, 1, 1, 1, 1, 1]]))
    with pytest.raises(CommandError):
        call_command("followup_import", str(path))
    assert SurveyResponse.objects.count() == 0


def test_a_row_of_the_national_and_public_group_imports_for_a_member_institution(
        cycle, admin_user):
    """The ministry's 機関別データ gives 国公立大学等 as the 機関区分 of its headline group."""
    institution("F101110100010", "national_university", "北海道大学")
    row = ["F101110100010", "北海道大学", "国公立大学等", "令和6年度", 1, 1, 2, 1, 3, 4, 1]
    outcome = answers_import(content=csv_bytes([row]), actor=admin_user, dry_run=False)
    assert outcome.imported
    assert current_codes("F101110100010") == [1, 1, 2, 1, 3, 4, 1]
    assert Institution.objects.get(code="F101110100010").category.code == "national_university"


def test_a_group_row_is_refused_for_an_unknown_institution_or_a_non_member(cycle, admin_user):
    institution("P0001", "private_university", "私立乙大学")
    rows = [["N0001", "新しい大学", "国公立大学等", "2024", 1, 1, 1, 1, 1, 1, 1],
            ["P0001", "私立乙大学", "国公立大学等", "2024", 1, 1, 1, 1, 1, 1, 1]]
    outcome = answers_import(content=csv_bytes(rows), actor=admin_user, dry_run=False)
    assert not outcome.imported
    assert [e.number for e in outcome.errors] == [2, 3]  # lines of the file
    assert "国立大学" in " ".join(outcome.errors[0].messages)  # names the group's categories
    assert "私立大学" in " ".join(outcome.errors[1].messages)
    assert SurveyResponse.objects.count() == 0
