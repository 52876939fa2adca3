"""Roster import: upload → dry run → confirm, all-or-nothing, audited, type/size checked."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditEntry, Department, RoleAssignment, User

pytestmark = pytest.mark.django_db

URL = "/roster/"

PEOPLE_HEADER = ("email,family_name,given_name,family_name_en,given_name_en,employee_number,"
                 "researcher_number,department_code,roles\n")


def csv_file(text, name="people.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="people.xlsx"):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/octet-stream")


def reauthenticated(client, user):
    """Mark the session as recently re-authenticated (what allauth's password prompt does)."""
    import time

    session = client.session
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}]
    session.save()
    return client


def dry_run(client, **files):
    """Upload, then open the upload's page (a small upload is checked in the request)."""
    response = client.post(URL, files)
    assert response.status_code == 302, response.content
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def token_of(response):
    """The confirm URL of a checked upload ("" when it cannot be confirmed)."""
    upload = response.context["upload"]
    if not response.context["can_confirm"]:
        return ""
    return reverse("portal:import_confirm", args=[upload.public_id])


def confirm(client, response_or_url, **extra):
    url = response_or_url if isinstance(response_or_url, str) else token_of(response_or_url)
    return client.post(url, extra)


def test_dry_run_shows_changes_and_saves_nothing(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER
                      + "new.person@example.ac.jp,新井,一,Arai,Hajime,E1,123,ENG-MECH,researcher\n")
    before = AuditEntry.objects.count()
    response = dry_run(client, people=people)
    report = response.context["report"]
    assert report.ok and report.dry_run and not report.imported
    row = report.files[0].rows[0]
    assert row.action == "new" and row.line == 2
    assert ("family_name", "", "新井") in row.changes
    assert row.new_roles
    assert not User.objects.filter(email="new.person@example.ac.jp").exists()
    assert AuditEntry.objects.count() == before
    assert "new.person@example.ac.jp" in response.content.decode()
    assert token_of(response)


def test_confirm_imports_people_and_roles_through_audited_services(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER
                      + "New.Person@Example.ac.jp,新井,一,Arai,Hajime,E1,123,ENG-MECH,researcher;dept_reviewer:ENG\n")
    token = token_of(dry_run(client, people=people))
    response = client.post(token)
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.ac.jp")
    assert user.department == departments["mech"]
    assert user.researcher_number == "123"
    assert not user.has_usable_password()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "department__code"))
    assert roles == {("researcher", None), ("dept_reviewer", "ENG")}
    actions = list(AuditEntry.objects.filter(actor=admin_user).values_list("action", flat=True))
    assert "portal.user.saved" in actions
    assert actions.count("portal.role.assigned") == 2
    assert "portal.roster.imported" in actions
    from django.utils import translation

    from portal.audit import render_entry

    with translation.override("en"):
        summary = render_entry(AuditEntry.objects.get(action="portal.roster.imported"))
    assert summary == "Roster imported: 1 new, 0 updated, 0 unchanged"
    # the confirmation is single-use
    again = client.post(token, follow=True)
    assert any(m.level_tag == "error" for m in again.context["messages"])
    assert User.objects.filter(email="new.person@example.ac.jp").count() == 1


def test_one_bad_row_means_nothing_is_imported_and_the_row_is_reported(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER
                      + "good@example.ac.jp,良,子,,,,,ENG,researcher\n"
                      + "bad@example.ac.jp,悪,太,,,,,NOPE,researcher\n"
                      + "not-an-email,無,効,,,,,ENG,boss\n")
    response = dry_run(client, people=people)
    report = response.context["report"]
    assert not report.ok
    assert token_of(response) == ""
    rows = {r.line: r for r in report.files[0].rows}
    assert not rows[2].errors
    assert any("department_code" in e and "NOPE" in e for e in rows[3].errors)
    assert any(e.startswith("email") for e in rows[4].errors)
    assert any("roles" in e and "boss" in e for e in rows[4].errors)
    assert not User.objects.filter(email="good@example.ac.jp").exists()
    assert 'data-testid="roster-confirm"' not in response.content.decode()


def test_departments_and_people_in_one_upload_import_parents_first(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    depts = csv_file("code,name_ja,name_en,parent_code\n"
                     "NEW-CHILD,子専攻,Child,NEW-TOP\n"
                     "NEW-TOP,新研究科,New School,\n", name="departments.csv")
    people = csv_file(PEOPLE_HEADER + "kid@example.ac.jp,子,一,,,,,NEW-CHILD,dept_reviewer:NEW-TOP\n")
    response = dry_run(client, departments=depts, people=people)
    assert response.context["report"].ok, response.context["report"]
    confirm(client, response)
    child = Department.objects.get(code="NEW-CHILD")
    assert child.parent.code == "NEW-TOP"
    user = User.objects.get(email="kid@example.ac.jp")
    assert user.department == child
    assert RoleAssignment.objects.filter(user=user, role="dept_reviewer", department__code="NEW-TOP").exists()
    assert AuditEntry.objects.filter(action="portal.department.saved", object_id=str(child.pk)).exists()


def test_a_bad_people_file_rolls_back_the_departments_file_too(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    depts = csv_file("code,name_ja,name_en,parent_code\nNEW-TOP,新研究科,New School,\n", name="d.csv")
    people = csv_file(PEOPLE_HEADER + "x@example.ac.jp,エックス,,,,,,MISSING,\n")
    response = dry_run(client, departments=depts, people=people)
    assert not response.context["report"].ok
    assert not Department.objects.filter(code="NEW-TOP").exists()


def test_unchanged_rows_are_skipped_and_updates_show_before_and_after(client_as, admin_user, researcher):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER
                      + f"{researcher.email},有栖,アリス,Arisu,Alice,,,ENG-MECH,researcher\n"
                      + f"{admin_user.email},管理,新名,,,,,RO,admin\n")
    response = dry_run(client, people=people)
    rows = response.context["report"].files[0].rows
    assert rows[0].action == "skip"
    assert rows[1].action == "update"
    assert ("given_name", "者", "新名") in rows[1].changes


def test_xlsx_upload_with_numbers_is_read(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    upload = xlsx_file([
        ["email", "family_name", "given_name", "employee_number", "department_code", "roles"],
        ["xl@example.ac.jp", "表", "計算", 12345, "SCI-CHEM", "researcher"],
    ])
    response = dry_run(client, people=upload)
    assert response.context["report"].ok
    confirm(client, response)
    assert User.objects.get(email="xl@example.ac.jp").employee_number == "12345"


def test_shift_jis_csv_is_read(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    upload = csv_file("email,family_name,given_name,department_code\nsjis@example.ac.jp,佐藤,花子,ENG\n",
                      encoding="cp932")
    response = dry_run(client, people=upload)
    assert response.context["report"].ok
    assert ("family_name", "", "佐藤") in response.context["report"].files[0].rows[0].changes


@pytest.mark.parametrize("name,content,message", [
    ("people.pdf", b"%PDF-1.4", "neither an Excel workbook"),
    ("people.csv", b"PK\x03\x04binary", "not a readable Excel workbook"),
    ("people.csv", b"mail,name\nx,y\n", "Unknown column"),
    ("people.csv", b"family_name\nx\n", "Missing column"),
    ("people.csv", b"email,family_name\n", "no rows"),
    ("people.csv", b"email,,family_name\na,b,c\n", "has no name"),
])
def test_files_are_checked_by_content_and_columns(client_as, admin_user, departments, name, content, message, settings):
    settings.LANGUAGE_CODE = "en"
    client = reauthenticated(client_as(admin_user), admin_user)
    response = client.post(URL, {"people": SimpleUploadedFile(name, content)}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    upload = response.context["upload"]
    assert (upload.status, message in upload.message) == ("invalid", True)
    assert not response.context["can_confirm"]


def test_files_larger_than_the_limit_are_refused(client_as, admin_user, departments, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100
    client = reauthenticated(client_as(admin_user), admin_user)
    upload = csv_file(PEOPLE_HEADER + "a@example.ac.jp" + "," * 8 + "\n" * 3 + "x" * 200)
    response = client.post(URL, {"people": upload})
    assert response.status_code == 400
    assert response.context["form"].errors["people"]


def test_confirm_does_not_accept_a_new_file_and_checks_the_stored_digest(client_as, admin_user, departments, settings):
    from portal.storage import private_storage

    client = reauthenticated(client_as(admin_user), admin_user)
    good = csv_file(PEOPLE_HEADER + "first@example.ac.jp,一,二,,,,,ENG,researcher\n")
    token = token_of(dry_run(client, people=good))
    # a different file sent along with the confirmation is ignored
    other = csv_file(PEOPLE_HEADER + "evil@example.ac.jp,悪,者,,,,,ENG,admin\n")
    client.post(token, {"people": other})
    assert User.objects.filter(email="first@example.ac.jp").exists()
    assert not User.objects.filter(email="evil@example.ac.jp").exists()

    # tampering with the stored file after the dry run is detected
    page = dry_run(client, people=csv_file(PEOPLE_HEADER + "second@example.ac.jp,二,三,,,,,ENG,\n"))
    token = token_of(page)
    stored = page.context["upload"].files[0]["path"]
    storage = private_storage()
    storage.delete(stored)
    storage.save(stored, io.BytesIO((PEOPLE_HEADER + "evil@example.ac.jp,悪,者,,,,,ENG,admin\n").encode()))
    response = client.post(token, follow=True)
    assert not User.objects.filter(email__in=["second@example.ac.jp", "evil@example.ac.jp"]).exists()
    assert response.context["upload"].status == "invalid"


def test_another_administrator_cannot_open_or_confirm_an_upload(client_as, admin_user, departments):
    from tests.factories import UserFactory, give_totp

    other_admin = UserFactory(roles=["admin"], department=departments["ro"])
    give_totp(other_admin)
    token = token_of(dry_run(client_as(admin_user),
                             people=csv_file(PEOPLE_HEADER + "t@example.ac.jp,t,t,,,,,ENG,\n")))
    response = reauthenticated(client_as(other_admin), other_admin).post(token)
    assert response.status_code == 404
    assert not User.objects.filter(email="t@example.ac.jp").exists()


def test_duplicate_rows_in_one_file_are_errors(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER + "dup@example.ac.jp,a,b,,,,,ENG,\nDUP@example.ac.jp,c,d,,,,,ENG,\n")
    report = dry_run(client, people=people).context["report"]
    assert not report.ok
    assert report.files[0].rows[1].errors


def test_sample_files_import_cleanly_on_the_demo_data(client_as, db):
    from django.conf import settings

    from portal import demo
    from tests.factories import InstitutionCategoryFactory, give_totp

    InstitutionCategoryFactory(code="national_university")
    demo.load()
    admin = User.objects.get(email="admin@demo.example")
    give_totp(admin)
    client = reauthenticated(client_as(admin), admin)
    fixtures = settings.BASE_DIR / "fixtures"
    depts = SimpleUploadedFile("d.csv", (fixtures / "roster_departments_sample.csv").read_bytes())
    people = SimpleUploadedFile("p.csv", (fixtures / "roster_sample.csv").read_bytes())
    response = dry_run(client, departments=depts, people=people)
    assert response.context["report"].ok
    confirm(client, response)
    assert User.objects.filter(email__endswith="@demo.example").count() == 10
    assert Department.objects.filter(code="ENG-CIVIL", parent__code="ENG").exists()


def test_sample_download_is_a_csv_for_administrators_only(client_as, admin_user, staff):
    url = reverse("portal:roster_sample", args=["people"])
    response = client_as(admin_user).get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("email,family_name")
    assert client_as(staff).get(url).status_code == 403
    assert client_as(admin_user).get(reverse("portal:roster_sample", args=["nope"])).status_code == 404


def test_confirming_asks_for_the_password_again_and_then_imports(client_as, admin_user, departments):
    from tests.factories import PASSWORD

    client = client_as(admin_user)  # signed in, but not recently re-authenticated
    token = token_of(dry_run(client, people=csv_file(PEOPLE_HEADER + "re@example.ac.jp,再,認,,,,,ENG,\n")))
    response = client.post(token)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not User.objects.filter(email="re@example.ac.jp").exists()
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert User.objects.filter(email="re@example.ac.jp").exists()


def test_existing_people_are_matched_by_email_case_insensitively(client_as, admin_user, researcher):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER + "ALICE@Example.AC.JP,有栖,アリス,Arisu,Alice,E-77,,ENG-MECH,\n")
    response = dry_run(client, people=people)
    row = response.context["report"].files[0].rows[0]
    assert row.action == "update" and row.changes == [("employee_number", "", "E-77")]
    confirm(client, response)
    researcher.refresh_from_db()
    assert researcher.employee_number == "E-77"
    assert User.objects.filter(email__iexact="alice@example.ac.jp").count() == 1


@pytest.fixture
def large(monkeypatch):
    """Treat every upload as large: checked and imported by the background task."""
    from portal import imports

    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 1)


def test_large_uploads_are_checked_and_imported_in_the_background(
        client_as, admin_user, departments, large, django_capture_on_commit_callbacks):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER + "".join(
        f"bg{i}@example.ac.jp,背,景{i},,,,,ENG,researcher\n" for i in range(3)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"people": people})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    report = page.context["report"]
    assert report.ok and report.dry_run and report.files[0].new == 3
    assert not User.objects.filter(email__startswith="bg").exists()
    assert 'data-testid="roster-confirm"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, page)
    done = client.get(response["Location"])
    assert done.status_code == 302 and done["Location"] == URL
    assert User.objects.filter(email__startswith="bg").count() == 3
    entry = AuditEntry.objects.filter(action="portal.user.saved", actor=admin_user).first()
    assert entry.actor_kind == "task"
    assert page.context["upload"].__class__.objects.get().files == []  # the files are gone


def test_the_progress_page_answers_200_at_every_poll_while_the_check_runs(
        client_as, admin_user, departments, large, personas):
    """The old page raced its state file (404/500 while polling); the state is a row now."""
    client = reauthenticated(client_as(admin_user), admin_user)
    response = client.post(URL, {"people": csv_file(PEOPLE_HEADER + "a@example.ac.jp,a,b,,,,,ENG,\n"
                                                    + "b@example.ac.jp,a,b,,,,,ENG,\n")})
    job_url = response["Location"]  # on_commit not run: the check stays queued
    statuses = [client.get(job_url, HTTP_HX_REQUEST="true").status_code for _ in range(5)]
    assert statuses == [200] * 5
    page = client.get(job_url)
    html = page.content.decode()
    assert 'hx-trigger="every 1s"' in html and "<progress" in html
    partial = client.get(job_url, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()


def test_progress_is_shown_while_the_check_runs(client_as, admin_user, departments, large):
    from portal import imports
    from portal.models import ImportUpload

    client = reauthenticated(client_as(admin_user), admin_user)
    job_url = client.post(URL, {"people": csv_file(PEOPLE_HEADER + "a@example.ac.jp,a,b,,,,,ENG,\n")})["Location"]
    upload = ImportUpload.objects.get()
    from django.core.cache import cache

    cache.set(imports._progress_key(upload.pk), 42)
    assert client.get(job_url, HTTP_HX_REQUEST="true").context["progress"] == 42


def test_an_upload_page_is_private_to_its_owner(client_as, admin_user, departments, large, personas):
    from tests.factories import UserFactory, give_totp

    client = reauthenticated(client_as(admin_user), admin_user)
    job_url = client.post(URL, {"people": csv_file(PEOPLE_HEADER + "a@example.ac.jp,a,b,,,,,ENG,\n")})["Location"]
    other_admin = UserFactory(roles=["admin"], department=departments["ro"])
    give_totp(other_admin)
    assert client_as(other_admin).get(job_url).status_code == 404
    assert client_as(personas["staff"]).get(job_url).status_code == 404
    assert client.post(job_url).status_code == 405
    assert client_as(None).get(job_url)["Location"].startswith("/accounts/login/")


def test_background_dry_run_reports_row_errors_and_offers_no_confirm(
        client_as, admin_user, departments, large, django_capture_on_commit_callbacks):
    client = reauthenticated(client_as(admin_user), admin_user)
    people = csv_file(PEOPLE_HEADER + "ok@example.ac.jp,a,b,,,,,ENG,\nbad@example.ac.jp,a,b,,,,,NOPE,\n")
    with django_capture_on_commit_callbacks(execute=True):
        job_url = client.post(URL, {"people": people})["Location"]
    page = client.get(job_url)
    assert not page.context["report"].ok
    assert 'data-testid="roster-confirm"' not in page.content.decode()
    assert "NOPE" in page.content.decode()


def test_an_xlsx_that_expands_enormously_is_refused(client_as, admin_user, departments, monkeypatch):
    from portal import tabular

    monkeypatch.setattr(tabular, "MAX_XLSX_EXPANDED_BYTES", 1000)
    upload = xlsx_file([["email", "family_name"], *[[f"x{i}@example.ac.jp", "x" * 50] for i in range(50)]])
    response = client_as(admin_user).post(URL, {"people": upload}, follow=True)
    assert response.context["upload"].status == "invalid"
    assert response.context["report"] is None


def test_an_euc_jp_roster_is_imported_as_written(client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    rows = "".join(f"euc{i}@example.ac.jp,山田,花子,ENG\n" for i in range(10))
    page = dry_run(client, people=csv_file("email,family_name,given_name,department_code\n" + rows,
                                           encoding="euc_jp"))
    confirm(client, page)
    assert User.objects.get(email="euc0@example.ac.jp").family_name == "山田"


def test_a_database_error_is_reported_as_try_again_not_as_a_problem_of_the_file(
        client_as, admin_user, departments, monkeypatch, settings):
    from django.db import OperationalError

    from portal import roster

    def broken(*args, **kwargs):
        raise OperationalError('relation "portal_user" does not exist; SELECT "portal_user"."id"')

    monkeypatch.setattr(roster, "roster_run", broken)
    settings.LANGUAGE_CODE = "en"
    client = reauthenticated(client_as(admin_user), admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = dry_run(client, people=csv_file(PEOPLE_HEADER + "db@example.ac.jp,a,b,,,,,ENG,\n"))
    upload = page.context["upload"]
    html = page.content.decode()
    assert (upload.status, "try again" in upload.message.lower()) == ("failed", True)
    assert "SELECT" not in html and "portal_user" not in html
    assert 'data-testid="import-retry"' in html


def test_a_row_that_became_wrong_after_the_check_means_nothing_is_imported(
        client_as, admin_user, departments):
    client = reauthenticated(client_as(admin_user), admin_user)
    depts = csv_file("code,name_ja,name_en,parent_code\nNEW-TOP,新研究科,New School,\n", name="d.csv")
    people = csv_file(PEOPLE_HEADER + "ok@example.ac.jp,a,b,,,,,ENG,\n"
                      + "late@example.ac.jp,a,b,,,,,SCI-CHEM,\n")
    page = dry_run(client, departments=depts, people=people)
    assert page.context["report"].ok
    Department.objects.filter(code="SCI-CHEM").update(code="SCI-CHEM-OLD")  # the row is wrong now
    response = confirm(client, page)
    result = client.get(response["Location"])
    assert result.context["upload"].status == "invalid"
    assert not Department.objects.filter(code="NEW-TOP").exists()
    assert not User.objects.filter(email="ok@example.ac.jp").exists()


def test_a_people_dry_run_makes_no_query_per_row(admin_user, departments, django_assert_max_num_queries):
    """Departments are looked up once per code and the file's people in one query: a dry run
    of 200 rows makes as few queries as one of a few rows (the 50,000-row bench depends on it)."""
    from portal import roster

    lines = "".join(f"p{i}@example.ac.jp,山田,花子{i},,,E{i},,{'ENG' if i % 2 else 'SCI'},"
                    f"researcher;dept_reviewer:ENG\n" for i in range(200))
    with django_assert_max_num_queries(12):
        report = roster.roster_run(user=admin_user, files={"people": (PEOPLE_HEADER + lines).encode()},
                                   names={"people": "people.csv"}, dry_run=True)
    assert report.ok and report.files[0].new == 200
