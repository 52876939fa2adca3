"""Pages: the permission matrix of every view, the queue's filters and query count, the
import dry run in the UI, hit clearing, the register export and the FA response PDF."""
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import GeneratedFile
from riskmgmt import services
from riskmgmt.models import (
    Case,
    Concern,
    FundingAgencyInquiry,
    MeasureKind,
    ScreeningHit,
    ScreeningListRelease,
)
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db
PERSONAS = ["researcher", "other_researcher", "reviewer", "staff", "admin", "outsider"]


@pytest.fixture(autouse=True)
def _persist_outsider_password(outsider):
    # UserFactory saves the hashed password only when roles are given; without this the
    # outsider's forced login is dropped on the next request (as in tests/portal).
    outsider.save()


def _status(client_as, user, url, method="get", data=None):
    return getattr(client_as(user), method)(url, data or {}).status_code


def matrix(client_as, personas, url, method="get", data=None):
    return {name: _status(client_as, personas[name], url, method, data) for name in PERSONAS}


@pytest.fixture
def world(personas, staff):
    alice, bob = personas["researcher"], personas["other_researcher"]
    case_a, _f = services.case_open_or_join(researcher=alice, concern=Concern.FOREIGN_SUPPORT,
                                            reason="Foreign grant")
    case_b, _f = services.case_open_or_join(researcher=bob, concern=Concern.TALENT_PROGRAMME,
                                            reason="Programme")
    req = services.information_request_ask(case=case_a, question="Contract?", actor=staff)
    o = f.org("Harbin Institute of Technology", country="CN")
    services.screening_rescreen_registry(release=f.import_list())
    hit = ScreeningHit.objects.get(organisation=o)
    inquiry = services.inquiry_save(
        instance=FundingAgencyInquiry(agency_name="JST", programme="K Program", project_title="P",
                                      question="Q?", deadline=dt.date(2030, 1, 1)), actor=staff)
    services.rules_ensure_builtin()
    return {"case_a": case_a, "case_b": case_b, "req": req, "hit": hit, "inquiry": inquiry}


OFFICE_ONLY = {"researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 200,
               "admin": 200, "outsider": 403}


@pytest.mark.parametrize("name", ["register", "screening", "hit_list", "screening_check",
                                  "rule_list", "inquiry_list", "inquiry_create"])
def test_office_pages_permission_matrix(client_as, personas, world, name):
    url = reverse(f"riskmgmt:{name}")
    assert matrix(client_as, personas, url) == OFFICE_ONLY
    if name not in ("inquiry_create",):
        assert _status(client_as, personas["staff"], url, "post") == 405


def test_queue_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:index")
    assert matrix(client_as, personas, url) == {
        "researcher": 403, "other_researcher": 403, "reviewer": 200, "staff": 200, "admin": 200,
        "outsider": 403}
    assert _status(client_as, personas["staff"], url, "post") == 405
    assert client_as(None).get(url).status_code == 302


def test_reviewer_sees_only_the_cases_of_their_departments(client_as, personas, world):
    page = client_as(personas["reviewer"]).get(reverse("riskmgmt:index")).content.decode()
    assert world["case_a"].reference in page and world["case_b"].reference not in page


def test_case_detail_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:case_detail", args=[world["case_a"].public_id])
    assert matrix(client_as, personas, url) == {
        "researcher": 403, "other_researcher": 403, "reviewer": 200, "staff": 200, "admin": 200,
        "outsider": 403}
    url_b = reverse("riskmgmt:case_detail", args=[world["case_b"].public_id])
    assert _status(client_as, personas["reviewer"], url_b) == 404
    assert _status(client_as, personas["staff"], url, "post") == 405


def test_case_actions_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:case_action", args=[world["case_a"].public_id, "assess"])
    data = {"likelihood": 3, "impact": 3, "rationale": "r"}
    got = matrix(client_as, personas, url, "post", data)
    assert got == {"researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 302,
                   "admin": 302, "outsider": 403}
    assert _status(client_as, personas["staff"], url) == 405
    url_b = reverse("riskmgmt:case_action", args=[world["case_b"].public_id, "assess"])
    assert _status(client_as, personas["reviewer"], url_b, "post", data) == 404


def test_bulk_assign_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:bulk_assign")
    data = {"cases": [str(world["case_a"].public_id)], "assignee": personas["staff"].pk}
    got = matrix(client_as, personas, url, "post", data)
    assert got == {"researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 302,
                   "admin": 302, "outsider": 403}
    assert Case.objects.get(pk=world["case_a"].pk).assignee == personas["staff"]
    assert _status(client_as, personas["staff"], url) == 405
    response = client_as(personas["staff"]).post(url, {**data, "next": "https://evil.example/"})
    assert response["Location"] == reverse("riskmgmt:index")


def test_screening_import_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:screening_import")
    assert matrix(client_as, personas, url) == {
        "researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 403, "admin": 200,
        "outsider": 403}
    assert _status(client_as, personas["admin"], url, "put") == 405


def test_rule_detail_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:rule_detail", args=["effort_threshold"])
    assert matrix(client_as, personas, url) == OFFICE_ONLY
    data = {"is_enabled": "on", "p_threshold": "120", "p_sections": ["funding"], "note": "tune"}
    assert _status(client_as, personas["staff"], url, "post", data) == 403
    assert _status(client_as, personas["admin"], url, "post", data) == 302
    from riskmgmt.models import Rule

    rule = Rule.objects.get(code="effort_threshold")
    assert rule.params == {"threshold": 120, "sections": ["funding"]} and rule.is_enabled
    bad = {**data, "p_threshold": "abc"}
    assert _status(client_as, personas["admin"], url, "post", bad) == 400
    page = client_as(personas["staff"]).get(url).content.decode()
    assert "tune" in page  # the history of changes
    assert _status(client_as, personas["admin"], url, "delete") == 405


def test_hit_detail_permission_matrix_and_clearing(client_as, personas, world):
    url = reverse("riskmgmt:hit_detail", args=[world["hit"].public_id])
    assert matrix(client_as, personas, url) == OFFICE_ONLY
    assert _status(client_as, personas["reviewer"], url, "post", {"action": "clear"}) == 403
    response = client_as(personas["staff"]).post(url, {"action": "clear", "reason": ""})
    assert response.status_code == 400
    response = client_as(personas["staff"]).post(url, {"action": "clear", "reason": "namesake"})
    assert response.status_code == 302
    world["hit"].refresh_from_db()
    assert world["hit"].status == "cleared"


def test_inquiry_detail_and_pdf_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:inquiry_detail", args=[world["inquiry"].public_id])
    assert matrix(client_as, personas, url) == OFFICE_ONLY
    pdf_url = reverse("riskmgmt:inquiry_pdf", args=[world["inquiry"].public_id])
    assert _status(client_as, personas["staff"], pdf_url) == 405
    assert _status(client_as, personas["reviewer"], pdf_url, "post") == 403


def test_my_questions_permission_matrix(client_as, personas, world):
    url = reverse("riskmgmt:my_requests")
    assert matrix(client_as, personas, url) == {
        "researcher": 200, "other_researcher": 200, "reviewer": 200, "staff": 403, "admin": 403,
        "outsider": 403}
    detail = reverse("riskmgmt:my_request_detail", args=[world["req"].public_id])
    assert matrix(client_as, personas, detail) == {
        "researcher": 200, "other_researcher": 404, "reviewer": 404, "staff": 403, "admin": 403,
        "outsider": 403}
    assert _status(client_as, personas["researcher"], detail, "delete") == 405
    assert world["req"].question not in client_as(personas["other_researcher"]).get(url).content.decode()


def test_researcher_answers_in_the_portal_and_staff_see_the_exchange(client_as, personas, world):
    detail = reverse("riskmgmt:my_request_detail", args=[world["req"].public_id])
    assert client_as(personas["researcher"]).post(detail, {"answer": ""}).status_code == 400
    assert client_as(personas["researcher"]).post(detail, {"answer": "Here it is"}).status_code == 302
    page = client_as(personas["staff"]).get(
        reverse("riskmgmt:case_detail", args=[world["case_a"].public_id])).content.decode()
    assert "Here it is" in page and "Contract?" in page


def test_queue_filters_sort_and_search(client_as, staff, world, researcher):
    client = client_as(staff)
    services.case_assess(case=world["case_a"], likelihood=5, impact=5, rationale="r", actor=staff)
    url = reverse("riskmgmt:index")
    page = client.get(url, {"level": "critical"}).content.decode()
    assert world["case_a"].reference in page and world["case_b"].reference not in page
    page = client.get(url, {"q": "bob@example"}).content.decode()
    assert world["case_b"].reference in page and world["case_a"].reference not in page
    page = client.get(url, {"department": researcher.department.parent_id}).content.decode()
    assert world["case_a"].reference in page and world["case_b"].reference not in page
    services.case_assess(case=world["case_b"], likelihood=1, impact=2, rationale="r", actor=staff)
    page = client.get(url, {"assignee": "none", "sort": "-level"}).content.decode()
    assert page.index(world["case_a"].reference) < page.index(world["case_b"].reference)
    page = client.get(url, {"sort": "level"}).content.decode()
    assert page.index(world["case_b"].reference) < page.index(world["case_a"].reference)
    page = client.get(url, {"age": "30"}).content.decode()
    assert world["case_a"].reference not in page
    response = client.get(url, {"status": "assessing"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and world["case_b"].reference.encode() in response.content


def test_queue_filter_by_rule(client_as, staff, researcher):
    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    services.version_evaluate(version_id=v.pk)
    from riskmgmt.models import Rule

    rule = Rule.objects.get(code="talent_programme")
    other = Rule.objects.get(code="contract_clauses")
    url = reverse("riskmgmt:index")
    case = Case.objects.get(concern="talent_programme")
    assert case.reference in client_as(staff).get(url, {"rule": rule.pk}).content.decode()
    assert case.reference not in client_as(staff).get(url, {"rule": other.pk}).content.decode()


def test_queue_page_of_50_filtered_and_sorted_in_at_most_12_queries(
        client_as, staff, departments, django_assert_max_num_queries):
    from tests.factories import UserFactory

    people = [UserFactory(department=departments["mech"], roles=["researcher"]) for _ in range(60)]
    for i, person in enumerate(people):
        case, _f = services.case_open_or_join(researcher=person, concern=Concern.FOREIGN_SUPPORT,
                                              reason="r")
        if i % 2:
            services.case_assign(cases=[case], assignee=staff, actor=staff)
    client = client_as(staff)
    url = reverse("riskmgmt:index")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(url, {"status": "open", "department": departments["eng"].pk,
                                    "sort": "-opened", "q": "example", "age": ""})
    assert response.status_code == 200
    assert response.content.decode().count('name="cases"') == 50


def test_case_page_and_register_in_at_most_12_queries(client_as, staff, world,
                                                      django_assert_max_num_queries):
    case = world["case_a"]
    services.case_assess(case=case, likelihood=3, impact=3, rationale="r", actor=staff)
    services.measure_add(case=case, kind=MeasureKind.TRAINING, owner=staff,
                         due_date=dt.date(2020, 1, 1), actor=staff)
    client = client_as(staff)
    client.get(reverse("riskmgmt:index"))
    # The scales' wording is read once and cached (an hour, or until administrators change it).
    client.get(reverse("riskmgmt:case_detail", args=[case.public_id]))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("riskmgmt:case_detail", args=[case.public_id]))
    assert page.status_code == 200 and "Contract?" in page.content.decode()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("riskmgmt:register")).status_code == 200


def test_import_dry_run_in_the_ui_shows_row_errors_and_imports_nothing(client_as, admin_user):
    client = client_as(admin_user)
    bad = b"name,aliases,country\nGood,,US\n,,CN\nX,,Narnia\n"
    response = client.post(reverse("riskmgmt:screening_import"), {
        "new_name": "Test list", "format": "generic",
        "file": SimpleUploadedFile("bad.csv", bad, content_type="text/csv")}, follow=True)
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page and ">3<" in page and ">4<" in page
    assert 'data-testid="screening-confirm"' not in page
    assert ScreeningListRelease.objects.count() == 0


def test_import_in_the_ui_is_a_dry_run_then_a_confirmation(client_as, admin_user,
                                                           django_capture_on_commit_callbacks):
    client = client_as(admin_user)
    response = client.post(reverse("riskmgmt:screening_import"), {
        "new_name": "Test list", "format": "generic", "label": "v1",
        "file": SimpleUploadedFile("ok.csv", f.GENERIC_CSV.encode(), content_type="text/csv")},
        follow=True)
    assert response.status_code == 200 and 'data-testid="dry-run"' in response.content.decode()
    assert ScreeningListRelease.objects.count() == 0
    upload = response.context["upload"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:import_confirm", args=[upload.public_id]))
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("riskmgmt:screening")
    release = ScreeningListRelease.objects.get()
    assert release.entry_count == 3 and release.imported_by == admin_user
    assert release.runs.get(kind="registry").status == "done"


def test_import_refuses_a_file_whose_content_is_not_the_format(client_as, admin_user):
    response = client_as(admin_user).post(reverse("riskmgmt:screening_import"), {
        "new_name": "L", "format": "generic",
        "file": SimpleUploadedFile("list.csv", b"\x00\x01binary\x00", content_type="text/csv")},
        follow=True)
    assert response.context["upload"].status == "invalid"
    assert ScreeningListRelease.objects.count() == 0


def test_an_euc_jp_meti_list_is_imported_as_written(client_as, admin_user,
                                                   django_capture_on_commit_callbacks):
    """EUC-JP read as CP932 used to turn the names into half-width katakana, and the release
    that matched nothing became the current one."""
    from riskmgmt.models import ScreeningEntry

    data = "No.,国名,企業名,別名,懸念区分,\n1,北朝鮮,朝鮮銀行,,核,\n".encode("euc_jp")
    client = client_as(admin_user)
    response = client.post(reverse("riskmgmt:screening_import"), {
        "new_name": "METI", "format": "meti",
        "file": SimpleUploadedFile("meti.csv", data, content_type="text/csv")}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:import_confirm", args=[response.context["upload"].public_id]))
    entry = ScreeningEntry.objects.get(release__is_current=True)
    assert (entry.name, entry.country) == ("朝鮮銀行", "KP")


def test_a_list_that_reads_as_both_shift_jis_and_euc_jp_never_becomes_a_release(
        client_as, admin_user):
    data = "name\n山田花子\n".encode("euc_jp")  # also valid CP932: ｻｳﾅﾄｲﾖｻﾒ
    response = client_as(admin_user).post(reverse("riskmgmt:screening_import"), {
        "new_name": "L", "format": "generic",
        "file": SimpleUploadedFile("meti.csv", data, content_type="text/csv")}, follow=True)
    assert response.context["upload"].status == "invalid"
    assert ScreeningListRelease.objects.count() == 0


def test_a_zip_without_a_workbook_part_is_refused_in_the_screening_import(client_as, admin_user):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    response = client_as(admin_user).post(reverse("riskmgmt:screening_import"), {
        "new_name": "METI", "format": "meti",
        "file": SimpleUploadedFile("meti.xlsx", buffer.getvalue())}, follow=True)
    assert response.status_code == 200
    assert response.context["upload"].status == "invalid"
    assert "workbook part" in response.content.decode() or response.context["report"]


def test_register_page_shows_heat_map_counts_and_overdue(client_as, staff, world):
    case = world["case_a"]
    services.case_assess(case=case, likelihood=4, impact=3, rationale="r", actor=staff)
    services.measure_add(case=case, kind=MeasureKind.TRAINING, owner=staff,
                         due_date=dt.date(2020, 1, 1), actor=staff)
    response = client_as(staff).get(reverse("riskmgmt:register"))
    s = response.context["s"]
    cell = next(c for row in s["heatmap"] if row["impact"] == 3 for c in row["cells"]
                if c["likelihood"] == 4)
    assert cell["count"] == 1 and cell["level"] == "high"
    assert len(s["overdue"]) == 1 and s["open_count"] == 2
    assert 'class="rm-overdue"' in response.content.decode()


def test_register_counts_every_overdue_measure_and_lists_the_most_overdue(
        client_as, staff, world, monkeypatch):
    from riskmgmt import selectors

    monkeypatch.setattr(selectors, "OVERDUE_SHOWN", 2)
    case = world["case_a"]
    for day in (3, 1, 2):
        services.measure_add(case=case, kind=MeasureKind.TRAINING, owner=staff,
                             due_date=dt.date(2020, 1, day), actor=staff)
    response = client_as(staff).get(reverse("riskmgmt:register"))
    s = response.context["s"]
    assert s["overdue_count"] == 3
    assert [m.due_date.day for m in s["overdue"]] == [1, 2]
    assert 'data-testid="overdue-count"' in response.content.decode()


def test_register_names_departments_in_the_reader_language(client_as, staff, world):
    dept = world["case_a"].department
    dept.name_ja, dept.name_en = "工学部", "Faculty of Engineering"
    dept.save()
    client = client_as(staff)
    ja = client.get(reverse("riskmgmt:register"), HTTP_ACCEPT_LANGUAGE="ja")
    en = client.get(reverse("riskmgmt:register"), HTTP_ACCEPT_LANGUAGE="en")
    assert "工学部" in [d["name"] for d in ja.context["s"]["by_department"]]
    assert "Faculty of Engineering" in [d["name"] for d in en.context["s"]["by_department"]]
    assert "Faculty of Engineering" in en.content.decode()


def test_register_export_contents(client_as, staff, world, researcher,
                                  django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    case = world["case_a"]
    services.case_assess(case=case, likelihood=4, impact=3, rationale="r", actor=staff)
    services.measure_add(case=case, kind=MeasureKind.EXPORT_CONTROL, owner=staff,
                         due_date=dt.date(2020, 1, 1), description="=HYPERLINK(1)", actor=staff)
    services.contingency_plan_save(case=case, trigger="t", actions="Suspend access",
                                   responsible=staff, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(staff).post(reverse("riskmgmt:register_export"))
    assert response.status_code == 302
    gf = GeneratedFile.objects.get(exporter="riskmgmt.register")
    assert gf.status == "done", gf.message
    wb = load_workbook(io.BytesIO(gf.file.open("rb").read()))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3  # header + two open cases
    row = next(r for r in rows if r[0] == case.reference)
    assert row[1] == researcher.display_name and row[6] == 4 and row[7] == 3
    assert row[14] == 1 and row[15] == "Suspend access"
    assert wb.worksheets[0].cell(row=rows.index(row) + 1, column=1).fill.fgColor.rgb.endswith("F8D7DA")
    measures = list(wb.worksheets[1].iter_rows(values_only=True))
    assert measures[1][0] == case.reference and measures[1][2] == "'=HYPERLINK(1)"
    heat = list(wb.worksheets[2].iter_rows(values_only=True))
    assert heat[0][0] and heat[3][4] == 1  # impact 3 row, likelihood 4 column
    assert _status(client_as, researcher, reverse("riskmgmt:register_export"), "post") == 403


def test_inquiry_response_pdf_has_the_japanese_text(client_as, staff, world, researcher,
                                                    django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    inquiry = world["inquiry"]
    services.inquiry_respond(inquiry=inquiry, response_text="リスク軽減策を講じます。", actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(staff).post(reverse("riskmgmt:inquiry_pdf", args=[inquiry.public_id]))
    assert response.status_code == 302
    gf = GeneratedFile.objects.get(exporter="riskmgmt.inquiry_response")
    assert gf.status == "done", gf.message
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(gf.file.open("rb").read())).pages)
    assert "リスク軽減策を講じます" in text and "K Program" in text


def test_inquiry_create_links_researchers_cases_and_disclosures(client_as, staff, world, researcher):
    v = f.version(researcher)
    response = client_as(staff).post(reverse("riskmgmt:inquiry_create"), {
        "agency_name": "JSPS", "programme": "Prog", "project_title": "Proj", "question": "Q",
        "received_on": "2026-01-05", "deadline": "2026-02-01", "status": "received",
        "researcher_emails": researcher.email, "case_references": world["case_a"].reference})
    assert response.status_code == 302
    inquiry = FundingAgencyInquiry.objects.get(agency_name="JSPS")
    assert list(inquiry.researchers.all()) == [researcher]
    assert list(inquiry.cases.all()) == [world["case_a"]]
    assert list(inquiry.disclosures.all()) == [v.disclosure]
    response = client_as(staff).post(reverse("riskmgmt:inquiry_create"), {
        "agency_name": "JSPS", "programme": "P", "project_title": "P", "question": "Q",
        "received_on": "2026-01-05", "deadline": "2026-02-01", "status": "received",
        "researcher_emails": "nobody@nowhere.example"})
    assert response.status_code == 400 and "nobody@nowhere.example" in response.content.decode()


def test_case_and_request_links(world):
    assert world["case_a"].get_absolute_url().endswith(f"{world['case_a'].public_id}/")
    assert "/my/questions/" in world["req"].get_absolute_url()
    assert "/inquiries/" in world["inquiry"].get_absolute_url()


def test_dashboard_widgets(client_as, staff, researcher, world):
    page = client_as(staff).get(reverse("portal:dashboard")).content.decode()
    assert reverse("riskmgmt:hit_list") in page
    page = client_as(researcher).get(reverse("portal:dashboard")).content.decode()
    assert reverse("riskmgmt:my_request_detail", args=[world["req"].public_id]) in page


def test_screening_check_page_shows_scores(client_as, staff, world):
    page = client_as(staff).get(reverse("riskmgmt:screening_check"),
                                {"names": "Harbin Inst. of Technology", "threshold": 88})
    assert page.status_code == 200
    assert "Harbin Institute of Technology" in page.content.decode()


def test_a_heat_map_cell_links_to_the_queue_of_exactly_its_cases(client_as, staff, world):
    services.case_assess(case=world["case_a"], likelihood=5, impact=3, rationale="r", actor=staff)
    services.case_assess(case=world["case_b"], likelihood=5, impact=2, rationale="r", actor=staff)
    client = client_as(staff)
    html = client.get(reverse("riskmgmt:register")).content.decode()
    href = f'{reverse("riskmgmt:index")}?likelihood=5&amp;impact=3'
    assert f'href="{href}"' in html
    page = client.get(href.replace("&amp;", "&")).context["page"]
    assert [c.pk for c in page.object_list] == [world["case_a"].pk]


def test_an_out_of_scale_likelihood_in_the_queue_url_is_ignored(client_as, staff, world):
    response = client_as(staff).get(reverse("riskmgmt:index"), {"likelihood": "9", "impact": "x"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2


def test_register_counts_a_case_once_per_rule_however_many_of_its_flags_it_raised(
        client_as, staff, personas):
    from riskmgmt.models import Rule

    services.rules_ensure_builtin()
    rule = Rule.objects.get(code="foreign_support")
    alice, bob = personas["researcher"], personas["other_researcher"]
    for researcher, grants in ((alice, 3), (bob, 1)):
        for n in range(grants):
            services.case_open_or_join(researcher=researcher, concern=Concern.FOREIGN_SUPPORT,
                                       reason=f"Foreign grant {n}", rule=rule,
                                       concern_key=f"grant-{n}")
    s = client_as(staff).get(reverse("riskmgmt:register")).context["s"]
    assert [(r["rule__code"], r["n"]) for r in s["by_rule"]] == [("foreign_support", 2)]
