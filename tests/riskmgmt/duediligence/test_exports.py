"""The programme's forms (Word, PDF) and the office's summary (Excel), through the export
mechanism; item 13 (nationality) is left for the member to fill in by hand."""
import datetime as dt
import io

import pytest
from django.urls import reverse

from portal.models import GeneratedFile
from riskmgmt.duediligence import services
from riskmgmt.duediligence.items import HANDWRITTEN_NOTE
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db


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


def test_the_summary_lists_every_member(project, staff, client_as,
                                        django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    data = _export(client_as(staff), project, "summary", django_capture_on_commit_callbacks)
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["Jane Roe"]


def test_a_member_cannot_generate_the_forms(project, researcher, client_as):
    url = reverse("duediligence:project_action", args=[project.public_id, "forms_docx"])
    assert client_as(researcher).post(url).status_code == 403
