"""The Excel workbook and PDF report, reopened and checked; the background export; the command."""

import io

import openpyxl
from django.core.management import call_command
from pypdf import PdfReader

from followup import services
from followup.reports import build_pdf, build_xlsx
from portal.models import GeneratedFile
from tests.followup.factories import answers, institution


def make_results(cycle, previous_cycle):
    # 2024 national: A1 all 1, A2 all 2, A3 all 3, A4 all 5 → done 50.0%
    for code, c in (("A1", 1), ("A2", 2), ("A3", 3), ("A4", 5)):
        answers(cycle, institution(code), [c] * 7)
    # 2023 national: A1 all 1, A2..A4 all 4 → done 25.0% → +25.0pt
    for code, c in (("A1", 1), ("A2", 4), ("A3", 4), ("A4", 4)):
        answers(previous_cycle, institution(code), [c] * 7)
    answers(cycle, institution("P1", "private_university", "私立甲大学"), [1, 1, 1, 1, 4, 4, 4])


def test_workbook_has_institution_rows_aggregates_and_a_chart_per_question(
        cycle, previous_cycle):
    make_results(cycle, previous_cycle)
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx(cycle=cycle)))
    assert wb.sheetnames == ["機関別データ", "集計", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "説明"]
    ws = wb["機関別データ"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("機関コード", "機関名", "機関区分", "年度", "Q1", "Q1回答")
    assert len(rows) == 6  # header + 5 institutions
    p1 = next(r for r in rows if r[0] == "P1")
    assert p1[1:6] == ("私立甲大学", "私立大学", "令和6年度", 1, "実施している")
    assert p1[12:14] == (4, "検討している（実施時期未定）")
    a2 = next(r for r in rows if r[0] == "A2")
    assert a2[5] == "検討している（令和6年度実施予定）"

    agg = list(wb["集計"].iter_rows(values_only=True))
    assert agg[0][:8] == ("年度", "機関区分", "設問", "設問（略称）", "選択肢コード", "選択肢", "件数", "割合(%)")
    national_q1 = [r for r in agg if r[1] == "国立大学" and r[2] == "Q1"]
    assert [(r[4], r[6], r[7]) for r in national_q1] == [
        (1, 1, 25.0), (2, 1, 25.0), (3, 1, 25.0), (4, 0, 0.0), (5, 1, 25.0)]
    assert national_q1[0][8:] == (4, 50.0, 25.0)
    everyone_q5 = [r for r in agg if r[1] == "全体" and r[2] == "Q5"]
    assert everyone_q5[3][6:8] == (1, 20.0)

    for n in range(1, 8):
        sheet = wb[f"Q{n}"]
        assert len(sheet._charts) == 1
        chart = sheet._charts[0]
        assert chart.type == "bar" and chart.grouping == "percentStacked"
        assert len(chart.series) == 5
    q1 = list(wb["Q1"].iter_rows(values_only=True))
    assert q1[1][:3] == ("機関区分", "実施している", "検討している（令和6年度実施予定）")
    assert q1[2][0] == "国公立大学等" and q1[2][1] == 25.0  # the ministry's headline group first
    assert q1[3][0] == "国立大学" and q1[3][1] == 25.0


def test_workbook_reports_the_national_and_public_group_and_colours_done_in_orange(
        cycle, previous_cycle):
    make_results(cycle, previous_cycle)
    answers(cycle, institution("K1", "kosen", "甲高専"), [5] * 7)  # a member of 国公立大学等
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx(cycle=cycle)))
    agg = list(wb["集計"].iter_rows(values_only=True))
    group_q1 = [r for r in agg if r[1] == "国公立大学等" and r[2] == "Q1"]
    # 4 national universities + 1 college of technology; the private university is not a member
    assert [(r[4], r[6]) for r in group_q1] == [(1, 1), (2, 1), (3, 1), (4, 0), (5, 2)]
    assert group_q1[0][8:10] == (5, 40.0)
    chart = wb["Q1"]._charts[0]
    assert chart.title.tx.rich.p[0].r[0].t == "Q1. 関係者に適切な理解を促す取組を実施しているか。"
    fills = [str(s.graphicalProperties.solidFill.srgbClr).upper() for s in chart.series]

    def is_orange(rgb):
        r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
        return r > 180 and r > g > b + 40

    assert [is_orange(f) for f in fills] == [True, True, False, False, False]


def test_pdf_shows_question_labels_percentages_and_home_answers(
        cycle, previous_cycle, admin_user, home_institution):
    make_results(cycle, previous_cycle)
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, actor=admin_user, answers={
        1: services.AnswerInput(option_code=1, evidence="令和6年度 研究インテグリティ研修 120名"),
        2: services.AnswerInput(option_code=1),
    })
    pdf = build_pdf(cycle=cycle)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = text.replace("\n", "")
    assert "令和6年度" in text
    assert "令和6年度 研究インテグリティの確保に係る取組状況のフォローアップ調査 結果" in compact
    assert "オレンジ網掛部分までが令和6年度中までに実施・整備済部分" in compact
    assert "国公立大学等" in text
    for label in ("関係者に適切な理解を促す取組を実施しているか",
                  "利益相反・責務相反に関する規程を整備しているか",
                  "研究者・職員から報告された情報の更新を受けるための仕組みを整備しているか"):
        assert label in compact
    assert "国立大学" in text and "私立大学" in text
    assert "25.0%" in text and "50.0%" in text
    assert "+25.0pt" in text
    assert "令和6年度 研究インテグリティ研修 120名" in compact
    assert "根拠が記載されていません" in compact  # Q2 implemented without evidence
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Noto-Sans-CJK-JP" in f for f in fonts), fonts  # embedded (subset)


def test_export_view_builds_the_file_in_the_background_and_redirects_to_progress(
        client_as, staff, cycle, previous_cycle, django_capture_on_commit_callbacks):
    make_results(cycle, previous_cycle)
    client = client_as(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/followup/2024/export/xlsx/")
    gf = GeneratedFile.objects.get(owner=staff)
    assert response.status_code == 302
    assert response["Location"] == f"/files/{gf.public_id}/"
    assert gf.status == "done" and gf.filename.endswith(".xlsx")
    download = client.get(f"/files/{gf.public_id}/download/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "集計" in wb.sheetnames
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/followup/2024/export/pdf/")
    pdf = GeneratedFile.objects.filter(owner=staff, exporter="followup.results_pdf").get()
    assert pdf.status == "done" and pdf.mimetype == "application/pdf"


def test_export_command_writes_xlsx_and_pdf(cycle, previous_cycle, tmp_path):
    make_results(cycle, previous_cycle)
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    call_command("followup_export", "--year", "2024", "--format", "xlsx", "-o", str(xlsx))
    call_command("followup_export", "--year", "2024", "--format", "pdf", "-o", str(pdf))
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "機関別データ"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_home_draft_is_left_out_of_results_until_approved(cycle, previous_cycle, admin_user,
                                                         home_institution):
    from followup.selectors import results_for

    answers(cycle, institution("A1"), [1] * 7)
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, actor=admin_user, answers={
        n: services.AnswerInput(option_code=5) for n in range(1, 8)})
    national = results_for(cycle=cycle).categories[0]
    assert national.respondents == 1
    services.response_approve(response=response, actor=admin_user)
    national = results_for(cycle=cycle).categories[0]
    assert national.respondents == 2 and national.results[1].count(5) == 1


def test_workbook_names_the_survey_as_the_ministry_does(cycle, previous_cycle):
    make_results(cycle, previous_cycle)
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx(cycle=cycle)))
    rows = {r[0]: r[1] for r in wb["説明"].iter_rows(values_only=True)}
    assert rows["調査名"] == "令和6年度 研究インテグリティの確保に係る取組状況のフォローアップ調査"
