"""Pages: permission matrix, the answering flow, import through the browser form, regulations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from followup import services
from followup.models import RegulationDocument, SurveyResponse
from followup.resources import csv_bytes
from portal.models import AuditEntry
from tests import files
from tests.followup.factories import answers, institution

PDF = files.PDF

OFFICE_ONLY = {"researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 200,
               "admin": 200, "outsider": 403}
ADMIN_ONLY = {**OFFICE_ONLY, "staff": 403}


@pytest.mark.parametrize("url,expected", [
    ("/followup/", OFFICE_ONLY),
    ("/followup/2024/", OFFICE_ONLY),
    ("/followup/2024/answers/", OFFICE_ONLY),
    ("/followup/2024/results/", OFFICE_ONLY),
    ("/followup/regulations/", OFFICE_ONLY),
    ("/followup/institutions/", OFFICE_ONLY),
    ("/followup/import/", ADMIN_ONLY),
    ("/followup/import/template.csv", ADMIN_ONLY),
])
def test_permission_matrix_of_pages(client_as, personas, cycle, url, expected):
    for name, user in personas.items():
        response = client_as(user).get(url)
        assert response.status_code == expected[name], (name, url)


@pytest.mark.parametrize("url,expected_ok", [
    ("/followup/2024/export/xlsx/", OFFICE_ONLY),
    ("/followup/cycles/open/", ADMIN_ONLY),
    ("/followup/2024/answers/approve/", ADMIN_ONLY),
])
def test_permission_matrix_of_actions(client_as, personas, cycle, url, expected_ok,
                                      django_capture_on_commit_callbacks):
    services.home_response_start(cycle=cycle)
    for name, user in personas.items():
        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(user).post(url, {"fiscal_year": 2025})
        if expected_ok[name] == 403:
            assert response.status_code == 403, (name, url)
        else:
            assert response.status_code in (302, 400), (name, url, response.status_code)


def test_anonymous_is_sent_to_login(client, cycle):
    response = client.get("/followup/2024/results/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_cycle_and_document_are_404(client_as, staff, cycle):
    client = client_as(staff)
    assert client.get("/followup/2031/").status_code == 404
    assert client.get("/followup/2031/results/").status_code == 404
    assert client.get(
        "/followup/regulations/6f1c1a52-27a4-4a3c-9a4e-8c2f3e3b0a11/download/").status_code == 404
    assert client.post("/followup/2024/export/docx/").status_code == 404


def test_wrong_methods_are_405(client_as, admin_user, cycle):
    client = client_as(admin_user)
    assert client.get("/followup/cycles/open/").status_code == 405
    assert client.get("/followup/2024/export/xlsx/").status_code == 405
    assert client.get("/followup/2024/answers/approve/").status_code == 405
    assert client.delete("/followup/").status_code == 405
    assert client.put("/followup/2024/results/").status_code == 405


def test_results_page_query_count_is_bounded(client_as, staff, cycle, previous_cycle,
                                             django_assert_max_num_queries):
    for i in range(30):
        cat = ("national_university", "public_university", "private_university", "kosen")[i % 4]
        inst = institution(f"I{i:03d}", cat)
        answers(cycle, inst, [(i + n) % 5 + 1 for n in range(7)])
        answers(previous_cycle, inst, [(i * n) % 5 + 1 for n in range(7)])
    client = client_as(staff)
    client.get("/followup/")  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get("/followup/2024/results/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") == 6  # 国公立大学等, four categories, all institutions
    assert "国立大学" in body and "高等専門学校" in body


def test_admin_answers_sees_suggestions_and_approves(client_as, admin_user, cycle,
                                                      home_institution):
    client = client_as(admin_user)
    RegulationDocument.objects.create(title="利益相反規程", kind="coi",
                                      enacted_on="2022-04-01", original_filename="r.pdf",
                                      file=SimpleUploadedFile("r.pdf", PDF))
    page = client.get("/followup/2024/answers/").content.decode()
    assert "利益相反規程" in page  # suggested evidence for Q2
    data = {}
    for n in range(1, 8):
        data[f"q{n}-option"] = "1" if n != 5 else "3"
        data[f"q{n}-evidence"] = "" if n in (2, 3) else f"根拠{n}"
    data["q2-use_suggestions"] = "on"
    response = client.post("/followup/2024/answers/", data)
    assert response.status_code == 302
    detail = client.get("/followup/2024/").content.decode()
    assert 'data-testid="warning-q3"' in detail  # implemented, no evidence
    assert 'data-testid="warning-q2"' not in detail  # the suggestion was added
    assert client.post("/followup/2024/answers/approve/", {"confirm": "1"}).status_code == 302
    response = SurveyResponse.objects.get(institution=home_institution)
    assert response.status == "approved"
    q2 = response.answers.get(question__number=2)
    assert "利益相反規程" in q2.evidence


def test_answer_form_keeps_input_on_error(client_as, staff, cycle, home_institution):
    response = client_as(staff).post("/followup/2024/answers/",
                                     {"q1-option": "9", "q1-note": "メモを残す"})
    assert response.status_code == 400
    assert "メモを残す" in response.content.decode()


def test_import_page_checks_then_imports_on_confirm(client_as, admin_user, cycle):
    client = client_as(admin_user)
    rows = [["A1", "甲大学", "国立大学", 2024, 1, 1, 1, 1, 1, 1, 1]]
    upload = SimpleUploadedFile("a.csv", csv_bytes(rows), "text/csv")
    response = client.post("/followup/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert SurveyResponse.objects.count() == 0
    assert 'data-testid="import-confirm"' in response.content.decode()
    response = client.post(reverse("portal:import_confirm", args=[response.context["upload"].public_id]))
    assert response.status_code == 302
    assert SurveyResponse.objects.filter(institution__code="A1").count() == 1


def test_import_page_shows_row_errors(client_as, admin_user, cycle):
    rows = [["A1", "甲大学", "国立大学", 2024, 1, 1, 1, 1, 1, 1, 7]]
    upload = SimpleUploadedFile("a.csv", csv_bytes(rows), "text/csv")
    response = client_as(admin_user).post("/followup/import/", {"file": upload}, follow=True)
    body = response.content.decode()
    assert 'data-testid="row-errors"' in body and "Q7" in body
    assert 'data-testid="import-confirm"' not in body


def test_regulation_upload_sniffs_pdf_and_limits_size(client_as, staff, settings):
    client = client_as(staff)
    fake = SimpleUploadedFile("rules.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post("/followup/regulations/", {
        "title": "偽物", "kind": "coi", "enacted_on": "2023-04-01", "file": fake})
    assert response.status_code == 400
    assert not RegulationDocument.objects.exists()
    settings.PORTAL_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("rules.pdf", PDF, "application/pdf")
    response = client.post("/followup/regulations/", {
        "title": "大きい", "kind": "coi", "enacted_on": "2023-04-01", "file": big})
    assert response.status_code == 400
    settings.PORTAL_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    good = SimpleUploadedFile("rules.pdf", PDF, "application/pdf")
    response = client.post("/followup/regulations/", {
        "title": "利益相反規程", "kind": "coi", "enacted_on": "2023-04-01",
        "revised_on": "2024-04-01", "file": good})
    assert response.status_code == 302
    doc = RegulationDocument.objects.get()
    assert doc.original_filename == "rules.pdf" and doc.size == len(PDF)
    assert "/followup/" in doc.file.name or "followup" in doc.file.name


def test_regulation_download_is_permission_checked_and_audited(client_as, personas, staff):
    doc = services.regulation_upload(
        title="リスク規程", kind="risk", enacted_on="2024-01-01", revised_on=None,
        upload=SimpleUploadedFile("risk.pdf", PDF, "application/pdf"), actor=staff)
    url = f"/followup/regulations/{doc.public_id}/download/"
    for name, user in personas.items():
        response = client_as(user).get(url)
        assert response.status_code == OFFICE_ONLY[name], name
        if response.status_code == 200:
            assert b"".join(response.streaming_content) == PDF
    assert AuditEntry.objects.filter(action="followup.regulation.downloaded").count() == 2


def test_researcher_cannot_upload_regulations(client_as, researcher):
    response = client_as(researcher).post("/followup/regulations/", {"title": "x"})
    assert response.status_code == 403


def test_admin_opens_a_cycle_for_a_new_year(client_as, admin_user):
    response = client_as(admin_user).post("/followup/cycles/open/", {"fiscal_year": 2025})
    assert response.status_code == 302 and response["Location"] == "/followup/2025/"


def test_amend_from_the_cycle_page(client_as, admin_user, cycle, home_institution):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, actor=admin_user, answers={
        n: services.AnswerInput(option_code=2) for n in range(1, 8)})
    services.response_approve(response=response, actor=admin_user)
    services.response_lock(response=response, actor=admin_user)
    client = client_as(admin_user)
    assert client.post("/followup/2024/answers/amend/", {"reason": ""}).status_code == 302
    assert SurveyResponse.objects.count() == 1
    client.post("/followup/2024/answers/amend/", {"reason": "Q1を実施済みに訂正"})
    assert SurveyResponse.objects.filter(version=2, is_current=True).exists()
    page = client.get("/followup/2024/").content.decode()
    assert "Q1を実施済みに訂正" in page


def test_dashboard_shows_the_survey_widget_to_office(client_as, staff, researcher, cycle):
    assert "7" in client_as(staff).get("/").content.decode()
    assert "/followup/2024/" in client_as(staff).get("/").content.decode()
    assert "/followup/2024/" not in client_as(researcher).get("/").content.decode()


def test_question_set_in_use_is_read_only_in_the_admin(client_as, admin_user, cycle):
    client = client_as(admin_user)
    assert client.get("/admin/followup/questionset/").status_code == 200
    url = f"/admin/followup/questionset/{cycle.question_set.pk}/change/"
    assert client.get(url).status_code == 200  # view only
    assert client.post(url, {"code": "changed"}).status_code == 403
    unused = cycle.question_set.__class__.objects.get(fiscal_year=2025)
    page = client.get(f"/admin/followup/questionset/{unused.pk}/change/").content.decode()
    assert 'name="_save"' in page


def test_institution_list_filters_by_category_and_search(client_as, staff, cycle):
    answers(cycle, institution("F101", "national_university", "北海道大学"), [1] * 7)
    institution("F201", "public_university", "札幌医科大学")
    client = client_as(staff)
    body = client.get("/followup/institutions/?category=public_university").content.decode()
    assert "札幌医科大学" in body and "北海道大学" not in body
    body = client.get("/followup/institutions/?q=北海道").content.decode()
    assert "北海道大学" in body and "札幌医科大学" not in body
    assert client_as(staff).post("/followup/institutions/load-mext/").status_code == 403


def test_admin_loads_the_mext_list_in_the_background(client_as, admin_user,
                                                     django_capture_on_commit_callbacks):
    from portal.models import Institution

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin_user).post("/followup/institutions/load-mext/")
    assert response.status_code == 302
    assert Institution.objects.filter(category__code="private_university").count() == 633


def test_import_template_is_the_current_layout(client_as, admin_user):
    response = client_as(admin_user).get("/followup/import/template.csv")
    header = response.content.decode("utf-8-sig").strip()
    assert header == "機関コード,機関名,機関区分,年度,Q1,Q2,Q3,Q4,Q5,Q6,Q7"


def test_opening_the_answer_form_creates_nothing(client_as, staff, cycle, home_institution):
    assert client_as(staff).get("/followup/2024/answers/").status_code == 200
    assert not SurveyResponse.objects.exists()


def test_the_institution_list_heads_its_name_column_as_an_organisations_name(client_as, staff,
                                                                           cycle):
    institution("F101", "national_university", "北海道大学")
    body = client_as(staff).get("/followup/institutions/").content.decode()
    assert '<th scope="col">名称</th>' in body
