"""Reminder sources other than the campaign, with frozen time; and submissions."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from kombu.exceptions import OperationalError

from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.notifications.factories import respond

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def on(y, m, d):
    return time_machine.travel(dt.datetime(y, m, d, 8, 30, tzinfo=TOKYO), tick=False)


def run(name, **options):
    return services.schedule_run(name=name, options=options)


def test_a_disclosure_not_updated_for_12_months_is_reminded_once_a_month(researcher, other_researcher):
    respond(researcher, None, kind="initial", when=dt.datetime(2025, 5, 1, 10, tzinfo=TOKYO))
    respond(other_researcher, None, kind="initial", when=dt.datetime(2026, 1, 1, 10, tzinfo=TOKYO))
    with on(2026, 4, 30):
        assert run("disclosure_stale") == 0
    with on(2026, 5, 3):
        assert run("disclosure_stale") == 1
        assert run("disclosure_stale") == 0
    with on(2026, 5, 20):
        assert run("disclosure_stale") == 0
    with on(2026, 6, 3):
        assert run("disclosure_stale") == 1
    assert set(Notification.objects.values_list("recipient", flat=True)) == {researcher.pk}
    assert Notification.objects.first().url == reverse("disclosures:mine")


def test_a_side_job_or_contract_past_its_end_date_is_reminded_once(researcher):
    from disclosures.models import ContractItem, PositionItem

    version = respond(researcher, None, kind="initial")
    job = PositionItem.objects.create(version=version, role="技術顧問", end_date=dt.date(2026, 5, 31))
    ContractItem.objects.create(version=version, contract_type="mou", title="Joint MoU",
                                end_date=dt.date(2026, 9, 30))
    old = respond(researcher, None, kind="change")  # a newer version: only it counts
    PositionItem.objects.create(version=old, role="技術顧問", end_date=dt.date(2026, 5, 31),
                                item_key=job.item_key)
    with on(2026, 5, 31):
        assert run("items_ended") == 0
    with on(2026, 6, 1):
        assert run("items_ended") == 1
        assert run("items_ended") == 0
    note = Notification.objects.get()
    assert note.kind == "item_ended" and "技術顧問" in note.title
    with on(2026, 10, 1):
        assert run("items_ended") == 0  # the MoU is in an older version only


def _case(researcher, reference="RC-0001"):
    from riskmgmt.models import Case

    return Case.objects.create(reference=reference, researcher=researcher, concern="other",
                               title="Test case", department=researcher.department)


def test_mitigation_measures_due_soon_and_overdue_go_to_their_owner(researcher, staff):
    from riskmgmt.models import MeasureKind, MitigationMeasure

    measure = MitigationMeasure.objects.create(case=_case(researcher), kind=MeasureKind.values[0],
                                               owner=staff, due_date=dt.date(2026, 7, 10))
    with on(2026, 7, 1):
        assert run("mitigation_measures") == 0
    with on(2026, 7, 3):
        assert run("mitigation_measures") == 1
        assert run("mitigation_measures") == 0
    with on(2026, 7, 11):
        assert run("mitigation_measures") == 1
    with on(2026, 7, 15):
        assert run("mitigation_measures") == 0
    with on(2026, 7, 18):
        assert run("mitigation_measures") == 1
    kinds = list(Notification.objects.order_by("pk").values_list("kind", "recipient"))
    assert kinds == [("mitigation_due", staff.pk), ("mitigation_overdue", staff.pk),
                     ("mitigation_overdue", staff.pk)]
    assert Notification.objects.first().url == reverse("riskmgmt:case_detail",
                                                       args=[measure.case.public_id])
    measure.status = "done"
    measure.save()
    with on(2026, 7, 30):
        assert run("mitigation_measures") == 0


def test_inquiry_deadlines_go_to_the_handler_or_the_office(staff, admin_user):
    from riskmgmt.models import FundingAgencyInquiry

    handled = FundingAgencyInquiry.objects.create(
        reference="FA-1", programme="P", project_title="Sensors", question="?",
        deadline=dt.date(2026, 8, 10), handled_by=admin_user)
    FundingAgencyInquiry.objects.create(reference="FA-2", programme="P", project_title="Robots",
                                        question="?", deadline=dt.date(2026, 8, 10))
    with on(2026, 8, 3):
        assert run("inquiry_deadlines") == 1 + 2  # handler; office staff (staff + admin)
    with on(2026, 8, 9):
        assert run("inquiry_deadlines") == 3
        assert run("inquiry_deadlines") == 0
    assert set(Notification.objects.filter(object_id=str(handled.pk))
               .values_list("recipient", flat=True)) == {admin_user.pk}


def test_unanswered_requests_for_information_are_reminded_weekly(researcher, staff):
    from riskmgmt.models import InformationRequest

    req = InformationRequest.objects.create(
        case=_case(researcher), researcher=researcher, question="Please send the contract.",
        asked_by=staff, asked_at=dt.datetime(2026, 9, 1, 10, tzinfo=TOKYO))
    with on(2026, 9, 5):
        assert run("information_requests") == 0
    with on(2026, 9, 9):
        assert run("information_requests") == 1
        assert run("information_requests") == 0
    with on(2026, 9, 16):
        assert run("information_requests") == 1
    req.answered_at = dt.datetime(2026, 9, 17, tzinfo=TOKYO)
    req.save()
    with on(2026, 9, 30):
        assert run("information_requests") == 0
    assert Notification.objects.first().url == reverse("riskmgmt:my_request_detail",
                                                       args=[req.public_id])


def test_weekly_staff_digest_tells_staff_what_is_waiting_and_skips_those_with_nothing(
    personas, django_capture_on_commit_callbacks
):
    from tests.disclosures.factories import submitted_disclosure
    from tests.notifications.factories import make_campaign

    with on(2026, 9, 7):
        assert run("staff_weekly_digest") == 0  # nothing is waiting for anybody
    with django_capture_on_commit_callbacks(execute=True):
        submitted_disclosure(personas["researcher"])
    make_campaign(opens_on=dt.date(2026, 6, 1), due_date=dt.date(2026, 6, 30))
    with on(2026, 9, 14):
        count = run("staff_weekly_digest")
        assert run("staff_weekly_digest") == 0
    notes = {n.recipient: n for n in Notification.objects.filter(kind="staff_digest")}
    assert count == len(notes) == 3
    assert set(notes) == {personas["reviewer"], personas["staff"], personas["admin"]}
    reviewer_body = notes[personas["reviewer"]].body
    assert "1" in reviewer_body and reverse("disclosures:queue") in reviewer_body
    assert "令和8年度 定期更新" not in reviewer_body
    office_body = notes[personas["staff"]].body
    campaign_line = next(line for line in office_body.splitlines() if "令和8年度 定期更新" in line)
    assert ": 3 " in campaign_line  # alice, bob, charlie have not responded
    assert reverse("disclosures:queue") in office_body  # the office reviews every department


def test_a_submission_with_the_broker_down_succeeds_and_the_reviewer_is_told_later(
    researcher, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.disclosures.factories import submitted_disclosure

    with mock.patch("celery.app.task.Task.apply_async", side_effect=OperationalError("down")), \
         mock.patch("celery.app.task.Task.delay", side_effect=OperationalError("down")):
        with django_capture_on_commit_callbacks(execute=True):
            version = submitted_disclosure(researcher)
    assert version.status == "submitted"
    note = Notification.objects.get(kind="review_waiting")
    assert note.recipient == reviewer
    delivery = Delivery.objects.get(notification=note)
    assert delivery.status == Delivery.Status.PENDING
    assert mailoutbox == []
    run("send_due")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
