"""A list's kind (export control, named research organisation, …) shows on every
due-diligence hit, as on the registry's hits: the project's checks page, the forms and the
office's summary workbook."""
import importlib
import io
from pathlib import Path

import lxml.html
import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from riskmgmt import services as risk_services
from riskmgmt.duediligence import selectors, services
from riskmgmt.models import ListKind
from tests.riskmgmt import factories as rf
from tests.riskmgmt.duediligence import factories as f
from tests.riskmgmt.duediligence.test_exports import _export, _rows

pytestmark = pytest.mark.django_db

METI_XLSX = Path(settings.PORTAL_SAMPLE_DATA) / "export_control" / "meti_end_user_list_20250929.xlsx"
NRO_CSV = ("name,aliases,country,source,note\n"
           "Example Defence Research Academy,EDRA,CN,Named Research Organizations,\n")
HARBIN = "Harbin Institute of Technology (HIT)"
ACADEMY = "Example Defence Research Academy"


def _label(kind) -> str:
    with translation.override("ja"):
        return str(kind.label)


@pytest.fixture
def project(staff):
    rf.import_list(METI_XLSX.read_bytes(), code="meti", fmt="meti")  # export control
    risk_services.screening_list_get_or_create(code="nro", fmt="generic",
                                               name="Named Research Organizations",
                                               kind=ListKind.NAMED_RESEARCH_ORGANISATION)
    rf.import_list(NRO_CSV, code="nro")
    project = f.project(staff)
    m = f.member(project, staff, name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content={"publications": [
        {"title": "Paper", "coauthor_affiliations":
         "HARBIN INSTITUTE OF TECHNOLOGY; Example Defence Research Academy"}]})
    services.project_check(project=project)
    return project


def test_the_checks_page_shows_each_hits_list_kind(project, staff, client_as):
    response = client_as(staff).get(reverse("duediligence:project_detail",
                                            args=[project.public_id]))
    table = lxml.html.fromstring(response.content).get_element_by_id("hits")
    kinds = {row.xpath("td")[3].text_content(): row.xpath('td[@data-testid="hit-list-kind"]')[0]
             .text_content() for row in table.xpath("tbody/tr")}
    assert (response.status_code, kinds) == (200, {
        HARBIN: _label(ListKind.EXPORT_CONTROL),
        ACADEMY: _label(ListKind.NAMED_RESEARCH_ORGANISATION)})


def test_the_summary_hits_sheet_gives_each_hits_list_kind(project, staff, client_as,
                                                          django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    data = _export(client_as(staff), project, "summary", django_capture_on_commit_callbacks)
    rows = _rows(load_workbook(io.BytesIO(data)).worksheets[1], "メンバー")
    assert {r["掲載機関"]: r["リストの種類"] for r in rows} == {
        HARBIN: _label(ListKind.EXPORT_CONTROL),
        ACADEMY: _label(ListKind.NAMED_RESEARCH_ORGANISATION)}


def test_the_word_forms_name_each_hits_list_and_kind(project, staff, client_as,
                                                     django_capture_on_commit_callbacks):
    from docx import Document

    data = _export(client_as(staff), project, "forms_docx", django_capture_on_commit_callbacks)
    cells = {c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells}
    relationships = next(c for c in cells if c.startswith("はい:") and HARBIN in c)
    assert (f"{HARBIN} (List meti — {_label(ListKind.EXPORT_CONTROL)})" in relationships,
            f"{ACADEMY} (Named Research Organizations — "
            f"{_label(ListKind.NAMED_RESEARCH_ORGANISATION)})" in relationships) == (True, True)


def test_the_pdf_forms_name_each_hits_list_kind(project, staff, client_as,
                                                django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    data = _export(client_as(staff), project, "forms_pdf", django_capture_on_commit_callbacks)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")
    assert _label(ListKind.NAMED_RESEARCH_ORGANISATION) in text


def test_hits_recorded_before_the_release_was_kept_get_it_back(project):
    from riskmgmt.duediligence.models import CheckHit

    hits = CheckHit.objects.filter(run__project=project)
    expected = dict(hits.values_list("entry_name", "release_id"))
    hits.update(release=None)
    migration = importlib.import_module(
        "riskmgmt.duediligence.migrations.0002_checkhit_list_release")
    migration.backfill_release(apps, None)
    assert dict(hits.values_list("entry_name", "release_id")) == expected


def _hit_page_queries(client, project) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("duediligence:project_detail", args=[project.public_id])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_kinds_are_read_with_the_hits_not_once_per_hit(project, staff, client_as):
    client = client_as(staff)
    _hit_page_queries(client, project)  # warm the caches
    before = _hit_page_queries(client, project)
    for org in ("Harbin Institute of Technology", "EDRA"):
        project.partner_institutions.add(rf.org(org, country="CN"))
    services.project_check(project=project)
    assert (len(selectors.current_hits(project)), _hit_page_queries(client, project)) == (
        4, before)


def test_a_hit_checked_in_japanese_explains_itself_in_english_to_an_english_reader(
        project, staff, client_as):
    from riskmgmt.duediligence.models import CheckHit

    hit = CheckHit.objects.get(entry_name__startswith="Harbin")
    with translation.override("en"):
        english = hit.explanation_display
    with translation.override("ja"):
        japanese = hit.explanation_display
    client = client_as(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("duediligence:project_detail", args=[project.public_id]))
    text = page.content.decode()
    assert (english != japanese, english in text, japanese in text) == (True, True, False)
