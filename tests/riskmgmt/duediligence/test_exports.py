"""The programme's forms (Word, PDF) and the office's summary (Excel), through the export
mechanism; item 13 (nationality) is left for the member to fill in by hand."""
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import GeneratedFile
from riskmgmt.duediligence import services
from riskmgmt.duediligence.exports import LONG_LIST
from riskmgmt.duediligence.items import CONSENT_TEXT, HANDWRITTEN_NOTE
from tests.riskmgmt import factories as rf
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db

METI_XLSX = Path(settings.PORTAL_SAMPLE_DATA) / "export_control" / "meti_end_user_list_20250929.xlsx"


@pytest.fixture
def project(staff):
    project = f.project(staff, project_number="R8-001")
    m = f.member(project, staff, name="Jane Roe", role="pi")
    services.declaration_save(declaration=m.declaration, content={
        "education": [{"date": "2010-04", "content": "理学部入学", "organisation": "例示大学"}]})
    services.declaration_sign(declaration=m.declaration, consent=True, signed_name="Jane Roe")
    services.measure_add(project=project, area="data_access", description="共有フォルダの権限設定",
                         owner=staff, due_date=dt.date(2027, 1, 31), cost_amount=100000,
                         charged_to_programme=True, actor=staff)
    return project


def _export(client, project, action, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("duediligence:project_action",
                                       args=[project.public_id, action]))
    assert response.status_code == 302
    gf = GeneratedFile.objects.order_by("-id").first()
    assert gf.status == "done", gf.message
    return gf.file.open("rb").read()


def test_the_word_forms_carry_the_items_and_leave_nationality_blank(
        project, staff, client_as, django_capture_on_commit_callbacks):
    from docx import Document

    data = _export(client_as(staff), project, "forms_docx", django_capture_on_commit_callbacks)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    cells = "\n".join(c.text for t in Document(io.BytesIO(data)).tables for r in t.rows
                      for c in r.cells)
    assert ("理学部入学" in cells, "共有フォルダの権限設定" in cells,
            str(HANDWRITTEN_NOTE) in text) == (True, True, True)


def test_the_pdf_forms_carry_the_items(project, staff, client_as,
                                       django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    data = _export(client_as(staff), project, "forms_pdf", django_capture_on_commit_callbacks)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "理学部入学" in text and "Jane Roe" in text


def _workbook(client, project, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    data = _export(client, project, "summary", django_capture_on_commit_callbacks)
    return load_workbook(io.BytesIO(data))


def _rows(sheet, header_first_cell):
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == header_first_cell)
    return [dict(zip(rows[start], r, strict=False)) for r in rows[start + 1:]]


def test_the_summary_lists_every_member_with_typed_cells(project, staff, client_as,
                                                         django_capture_on_commit_callbacks):
    book = _workbook(client_as(staff), project, django_capture_on_commit_callbacks)
    signed = project.members.get().declaration.signed_version
    rows = _rows(book.worksheets[0], "メンバー")
    assert [(r["メンバー"], r["署名済み"], r["版"], r["署名日時"]) for r in rows] == [
        ("Jane Roe", True, 1,
         timezone.localtime(signed.signed_at).replace(tzinfo=None, microsecond=0))]


def test_the_summary_freezes_the_members_header_and_filters_it(
        project, staff, client_as, django_capture_on_commit_callbacks):
    sheet = _workbook(client_as(staff), project, django_capture_on_commit_callbacks).worksheets[0]
    header = next(r[0].row for r in sheet.iter_rows() if r[0].value == "メンバー")
    assert (sheet.freeze_panes, sheet.auto_filter.ref.split(":")[0]) == (
        f"A{header + 1}", f"A{header}")


def test_the_summary_measures_carry_the_cost_as_a_number_and_the_due_date_as_a_date(
        project, staff, client_as, django_capture_on_commit_callbacks):
    book = _workbook(client_as(staff), project, django_capture_on_commit_callbacks)
    rows = _rows(book.worksheets[2], "区分")
    assert [(r["経費"], r["期限"], r["制度の経費から支出"]) for r in rows] == [
        (100000, dt.datetime(2027, 1, 31), True)]


def test_the_summary_lists_each_hit_with_its_evidence(staff, client_as,
                                                      django_capture_on_commit_callbacks):
    rf.import_list(METI_XLSX.read_bytes(), code="meti", fmt="meti")
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content={"publications": [
        {"title": "Paper", "coauthor_affiliations": "HARBIN INSTITUTE OF TECHNOLOGY"}]})
    services.project_check(project=project)
    book = _workbook(client_as(staff), project, django_capture_on_commit_callbacks)
    rows = _rows(book.worksheets[1], "メンバー")
    assert [(r["メンバー"], r["確認した名称"], r["掲載機関"]) for r in rows] == [
        ("Jane Roe", "HARBIN INSTITUTE OF TECHNOLOGY", "Harbin Institute of Technology (HIT)")]


def test_the_summary_writes_a_formula_in_a_name_as_text(staff, client_as,
                                                        django_capture_on_commit_callbacks):
    project = f.project(staff)
    f.member(project, staff, name='=HYPERLINK("http://evil.example","x")')
    book = _workbook(client_as(staff), project, django_capture_on_commit_callbacks)
    rows = _rows(book.worksheets[0], "メンバー")
    assert rows[0]["メンバー"] == '\'=HYPERLINK("http://evil.example","x")'


def test_the_forms_are_written_in_the_readers_language(project, staff, client_as,
                                                       django_capture_on_commit_callbacks):
    from docx import Document

    client = client_as(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # reading the portal in English
    data = _export(client, project, "forms_docx", django_capture_on_commit_callbacks)
    text = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    with translation.override("en"):
        assert str(CONSENT_TEXT) in text


def test_the_japanese_forms_print_the_consent_in_japanese(project, staff, client_as,
                                                          django_capture_on_commit_callbacks):
    from docx import Document

    data = _export(client_as(staff), project, "forms_docx", django_capture_on_commit_callbacks)
    text = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    with translation.override("ja"):
        assert str(CONSENT_TEXT) in text


@pytest.fixture
def long_project(staff):
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content={"publications": [
        {"date": "2024-04", "title": f"Paper {n}", "coauthor_affiliations": f"Univ {n}"}
        for n in range(1, LONG_LIST + 6)]})
    return project


def test_the_word_forms_carry_every_row_of_a_long_list(long_project, staff, client_as,
                                                       django_capture_on_commit_callbacks):
    from docx import Document

    data = _export(client_as(staff), long_project, "forms_docx",
                   django_capture_on_commit_callbacks)
    cells = {c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells}
    assert {f"Paper {n}" for n in range(1, LONG_LIST + 6)} <= cells


def test_the_pdf_forms_print_every_row_of_a_long_list(long_project, staff, client_as,
                                                      django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    data = _export(client_as(staff), long_project, "forms_pdf",
                   django_capture_on_commit_callbacks)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    missing = [n for n in range(1, LONG_LIST + 6) if f"Paper {n} ｜ " not in text]
    assert missing == []


def test_a_member_cannot_generate_the_forms(project, researcher, client_as):
    url = reverse("duediligence:project_action", args=[project.public_id, "forms_docx"])
    assert client_as(researcher).post(url).status_code == 403


def test_the_forms_leave_out_the_items_the_programme_does_not_ask_for(
        staff, client_as, django_capture_on_commit_callbacks):
    from docx import Document

    project = f.project(staff, programme=f.programme(required_items=["education"]))
    f.member(project, staff, name="Jane Roe")
    data = _export(client_as(staff), project, "forms_docx", django_capture_on_commit_callbacks)
    headings = [p.text for p in Document(io.BytesIO(data)).paragraphs
                if p.style.name == "Heading 2"]
    assert [h.split(".")[0] for h in headings] == ["1"]


def test_the_word_forms_drop_characters_xml_cannot_hold(staff, client_as,
                                                        django_capture_on_commit_callbacks):
    from docx import Document

    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content={"publications": [
        {"title": "Paper\x07 with a bell"}]})
    data = _export(client_as(staff), project, "forms_docx", django_capture_on_commit_callbacks)
    cells = {c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells}
    assert "Paper with a bell" in cells
