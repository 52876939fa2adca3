"""Exports (reopened with openpyxl) and the Q1 evidence summary."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile

from followup.awareness import selectors, services
from followup.awareness.models import ActivityKind
from portal.models import GeneratedFile
from tests import files
from tests.awareness.factories import ActivityFactory, make_checklist

pytestmark = pytest.mark.django_db


def run_export(client, name, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/awareness/export/{name}/", {"format": "xlsx", **data})
    assert resp.status_code == 302 and "/files/" in resp["Location"]
    gf = GeneratedFile.objects.latest("created_at")
    assert gf.status == GeneratedFile.Status.DONE, gf.message
    wb = openpyxl.load_workbook(io.BytesIO(gf.file.read()))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_activity_export_is_the_q1_evidence_of_a_fiscal_year(
    client_as, staff, researcher, django_capture_on_commit_callbacks
):
    act = ActivityFactory(title="=SUM(A1)研修", date=dt.date(2024, 6, 1))
    ActivityFactory(title="翌年度の研修", date=dt.date(2025, 6, 1))
    services.attendance_mark(actor=staff, activity=act, users=[researcher])
    rows = run_export(client_as(staff), "activities", django_capture_on_commit_callbacks,
                      fy="2024")
    assert len(rows) == 2
    assert rows[1][0] == dt.datetime(2024, 6, 1) and rows[1][1] == "令和6年度"
    assert rows[1][3] == "'=SUM(A1)研修"  # guarded against formula injection
    assert rows[1][7] == 1


def test_attendance_export_is_scoped_for_a_department_reviewer(
    client_as, staff, reviewer, researcher, other_researcher, django_capture_on_commit_callbacks
):
    act = ActivityFactory()
    services.attendance_mark(actor=staff, activity=act, users=[researcher, other_researcher])
    rows = run_export(client_as(reviewer), "attendance", django_capture_on_commit_callbacks)
    emails = {r[4] for r in rows[1:]}
    assert emails == {"alice@example.ac.jp"}
    rows = run_export(client_as(staff), "attendance", django_capture_on_commit_callbacks)
    assert {r[4] for r in rows[1:]} == {"alice@example.ac.jp", "bob@example.ac.jp"}


def test_checklist_answer_export(client_as, staff, researcher, django_capture_on_commit_callbacks):
    checklist = make_checklist()
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    items = {i.key: i for i in response.version.items.all()}
    services.response_save(actor=researcher, response=response, submit=True, answers={
        items["side-jobs"].pk: ("yes", ""), items["talent"].pk: ("no", ""),
        items["export"].pk: ("no", "窓口を知らなかった"), items["free"].pk: ("", "特になし")})
    rows = run_export(client_as(staff), "answers", django_capture_on_commit_callbacks)
    assert len(rows) == 5
    export_row = next(r for r in rows if r[8] == items["export"].text)
    assert export_row[4] == "alice@example.ac.jp" and export_row[10] == "窓口を知らなかった"
    assert export_row[11] == "はい"


def test_researchers_cannot_export(client_as, researcher):
    assert client_as(researcher).post("/awareness/export/activities/").status_code == 403
    assert client_as(researcher).post("/awareness/export/nothing/").status_code == 404


def test_activity_summary_counts_activities_and_participants_per_kind(staff, researcher,
                                                                      other_researcher):
    seminar = ActivityFactory(kind=ActivityKind.SEMINAR, participants_count=40,
                              date=dt.date(2024, 7, 1))
    training = ActivityFactory(kind=ActivityKind.TRAINING, date=dt.date(2024, 8, 1))
    ActivityFactory(kind=ActivityKind.NOTICE, date=dt.date(2024, 9, 1))
    ActivityFactory(kind=ActivityKind.TRAINING, date=dt.date(2023, 9, 1))
    services.attendance_mark(actor=staff, activity=training, users=[researcher, other_researcher])
    services.attendance_mark(actor=staff, activity=seminar, users=[researcher])
    summary = {r["kind"]: (r["count"], r["participants"])
               for r in selectors.activity_summary(fiscal_year=2024)}
    assert summary == {"training": (1, 2), "seminar": (1, 40), "elearning": (0, 0),
                       "notice": (1, 0)}


def test_material_files_live_in_private_storage(staff, settings):
    from portal.storage import private_storage

    act = ActivityFactory()
    material = services.material_add(actor=staff, activity=act,
                                      upload=ContentFile(files.PDF, name="a.pdf"))
    assert material.file.storage is private_storage() or material.file.storage.location == \
        private_storage().location
    assert material.file.name.startswith("awareness/materials/")
