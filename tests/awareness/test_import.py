"""Attendance import: dry run, row errors, all-or-nothing, matching by e-mail or staff number."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from followup.awareness import services
from followup.awareness.models import Attendance, AttendanceSource
from portal.errors import ApplicationError, NotAllowed
from portal.models import AuditEntry
from tests.awareness.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def csv_upload(text: str, name="attendance.csv", encoding="utf-8-sig"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_upload(rows, name="attendance.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


@pytest.fixture
def numbered(researcher, other_researcher):
    researcher.employee_number = "E1001"
    researcher.save()
    other_researcher.employee_number = "E1002"
    other_researcher.save()
    return researcher, other_researcher


def test_dry_run_reports_rows_and_imports_nothing(staff, numbered):
    activity = ActivityFactory()
    upload = csv_upload("email,attended\nalice@example.ac.jp,yes\nbob@example.ac.jp,○\n")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=True)
    assert not report.has_errors
    assert [r["person"].email for r in report.rows] == ["alice@example.ac.jp", "bob@example.ac.jp"]
    assert report.new_count == 2
    assert not Attendance.objects.exists()


def test_import_matches_people_by_email_or_staff_number(staff, numbered):
    alice, bob = numbered
    activity = ActivityFactory()
    upload = csv_upload("メールアドレス,職員番号,出席,修了日時\nALICE@example.ac.jp,,出席,2024/06/01\n,E1002,欠席,\n")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=False)
    assert report.imported
    rows = {a.user_id: a for a in Attendance.objects.filter(activity=activity)}
    assert rows[alice.pk].attended and rows[alice.pk].source == AttendanceSource.IMPORT
    assert rows[alice.pk].completed_at.date().isoformat() == "2024-06-01"
    assert rows[bob.pk].attended is False and rows[bob.pk].completed_at is None
    assert AuditEntry.objects.filter(action="awareness.attendance.imported").count() == 1


def test_one_bad_row_blocks_the_whole_import_and_is_reported_by_line(staff, numbered):
    activity = ActivityFactory()
    upload = csv_upload(
        "email,staff_number,attended,completed_at\n"
        "alice@example.ac.jp,,yes,\n"
        "nobody@example.ac.jp,,yes,\n"
        ",E1002,maybe,\n"
        "bob@example.ac.jp,E1001,yes,\n"
    )
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=False)
    assert not report.imported
    lines = dict(report.errors)
    assert set(lines) == {3, 4, 5}
    assert "nobody@example.ac.jp" in " ".join(lines[3])
    assert "maybe" in " ".join(lines[4])
    assert "別の人" in " ".join(lines[5])
    assert not Attendance.objects.exists()


def test_a_date_that_cannot_be_read_is_a_row_error(staff, numbered):
    activity = ActivityFactory()
    upload = csv_upload("email,completed_at\nalice@example.ac.jp,yesterday\n")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=False)
    assert "yesterday" in " ".join(dict(report.errors)[2])
    assert not Attendance.objects.exists()


def test_a_person_listed_twice_is_an_error(staff, numbered):
    activity = ActivityFactory()
    upload = csv_upload("email,staff_number\nalice@example.ac.jp,\n,E1001\n")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=False)
    assert dict(report.errors).keys() == {3}
    assert not Attendance.objects.exists()


def test_xlsx_is_imported_and_reimport_updates_instead_of_duplicating(staff, numbered):
    alice, _bob = numbered
    activity = ActivityFactory()
    rows = [["staff_number", "attended", "note"], [1001.0, "1", "前半のみ"]]
    rows[1][0] = "E1001"
    report = services.attendance_import(actor=staff, activity=activity,
                                        upload=xlsx_upload(rows), dry_run=False)
    assert report.imported and report.new_count == 1
    report = services.attendance_import(actor=staff, activity=activity,
                                        upload=xlsx_upload(rows), dry_run=False)
    assert report.imported and report.update_count == 1
    assert Attendance.objects.get(activity=activity, user=alice).note == "前半のみ"


def test_shift_jis_csv_from_japanese_excel_is_read(staff, numbered):
    activity = ActivityFactory()
    upload = csv_upload("メールアドレス,出席\nalice@example.ac.jp,出席\n", encoding="cp932")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=True)
    assert not report.has_errors and len(report.rows) == 1


def test_file_without_a_person_column_is_refused(staff):
    activity = ActivityFactory()
    with pytest.raises(ApplicationError, match="メールアドレス"):
        services.attendance_import(actor=staff, activity=activity,
                                   upload=csv_upload("name\nAlice\n"), dry_run=True)


def test_binary_file_is_refused(staff):
    activity = ActivityFactory()
    upload = SimpleUploadedFile("a.csv", b"\x00\x01\x02binary")
    with pytest.raises(ApplicationError):
        services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=True)


def test_oversized_file_is_refused(staff, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 10
    activity = ActivityFactory()
    with pytest.raises(ApplicationError, match="大きすぎ"):
        services.attendance_import(actor=staff, activity=activity,
                                   upload=csv_upload("email\nalice@example.ac.jp\n"), dry_run=True)


def test_researcher_cannot_import(researcher):
    activity = ActivityFactory()
    with pytest.raises(NotAllowed):
        services.attendance_import(actor=researcher, activity=activity,
                                   upload=csv_upload("email\nalice@example.ac.jp\n"))


def test_import_page_checks_then_confirms_without_a_second_upload(client_as, staff, numbered):
    activity = ActivityFactory()
    client = client_as(staff)
    url = f"/awareness/activities/{activity.public_id}/attendance/import/"
    resp = client.post(url, {"file": csv_upload("email\nalice@example.ac.jp\nbob@example.ac.jp\n")},
                       follow=True)
    assert resp.status_code == 200
    assert resp.context["can_confirm"] and not Attendance.objects.exists()
    resp = client.post(reverse("portal:import_confirm", args=[resp.context["upload"].public_id]),
                       follow=True)
    assert resp.redirect_chain[-1][0] == reverse("awareness:activity_detail",
                                                 args=[activity.public_id])
    assert Attendance.objects.filter(activity=activity).count() == 2


def test_import_page_shows_row_errors_and_offers_no_confirmation(client_as, staff, numbered):
    activity = ActivityFactory()
    resp = client_as(staff).post(
        f"/awareness/activities/{activity.public_id}/attendance/import/",
        {"file": csv_upload("email\nalice@example.ac.jp\nghost@example.ac.jp\n")}, follow=True,
    )
    html = resp.content.decode()
    assert "ghost@example.ac.jp" in html
    assert 'data-testid="attendance-confirm"' not in html
    assert not Attendance.objects.exists()


def test_large_import_does_not_look_people_up_row_by_row(staff, departments,
                                                         django_assert_max_num_queries):
    from portal.models import User

    User.objects.bulk_create([User(email=f"p{i}@example.ac.jp", employee_number=f"N{i:04d}",
                                   department=departments["mech"]) for i in range(200)])
    activity = ActivityFactory()
    lines = "\n".join(f"p{i}@example.ac.jp,N{i:04d},1" for i in range(200))
    upload = csv_upload(f"email,staff_number,attended\n{lines}\n")
    # per row and per run (check, then import): an insert inside a savepoint; people and
    # existing rows are loaded once per run
    with django_assert_max_num_queries(2 * 3 * 200 + 40):
        report = services.attendance_import(actor=staff, activity=activity, upload=upload,
                                            dry_run=False)
    assert report.imported and Attendance.objects.filter(activity=activity).count() == 200


def test_euc_jp_csv_is_read_as_written(staff, numbered):
    activity = ActivityFactory()
    lines = "".join(f"alice@example.ac.jp,出席,前半のみ{i}\n" for i in range(1))
    upload = csv_upload("メールアドレス,出席,備考\n" + lines, encoding="euc_jp")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=False)
    assert report.imported
    assert Attendance.objects.get(activity=activity).note == "前半のみ0"


def test_a_row_error_names_the_line_of_the_file(staff, numbered):
    activity = ActivityFactory()
    upload = csv_upload("email\nalice@example.ac.jp\n\n\nghost@example.ac.jp\n")
    report = services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=True)
    assert [line for line, _messages in report.errors] == [5]


def test_a_million_row_workbook_is_refused_before_its_rows_are_read(staff):
    """The 337 KB xlsx of a million rows ran 366 s and grew the server to 5 GB."""
    from tests.portal.test_tabular import _million_row_xlsx

    activity = ActivityFactory()
    upload = SimpleUploadedFile("attendance.xlsx", _million_row_xlsx())
    with pytest.raises(ApplicationError, match="1000000"):
        services.attendance_import(actor=staff, activity=activity, upload=upload, dry_run=True)


def test_another_departments_manager_cannot_start_an_import_of_an_activity_out_of_scope(
        client_as, researcher):
    from portal import imports

    activity = ActivityFactory()
    with pytest.raises(NotAllowed):
        imports.import_start(user=researcher, kind="awareness.attendance",
                             files={"file": csv_upload("email\na@example.ac.jp\n")},
                             params={"activity": str(activity.public_id)})
