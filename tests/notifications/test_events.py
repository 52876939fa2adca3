"""Event notices: each written by the app in the same transaction as the change it reports."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation

from portal.notifications import services as notification_services
from portal.notifications.models import Delivery, Notification
from tests.disclosures.factories import add_item, org, side_job, submitted_disclosure

pytestmark = pytest.mark.django_db


def notes(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


def _case(researcher, *, assignee=None, reference="RC-0001"):
    from riskmgmt.models import Case

    return Case.objects.create(reference=reference, researcher=researcher, concern="other",
                               title="Test case", department=researcher.department,
                               assignee=assignee)


# --- Disclosures -----------------------------------------------------------------------------


def test_a_submission_tells_the_reviewer_of_the_department_only(researcher, other_researcher,
                                                                reviewer, staff):
    submitted_disclosure(researcher, ("position", side_job(org())))
    assert len(notes(reviewer, "review_waiting")) == 1
    assert notes(staff, "review_waiting") == []
    submitted_disclosure(other_researcher, ("position", side_job(org("Other Corp"))))
    assert len(notes(reviewer, "review_waiting")) == 1  # Bob's department is not theirs


def test_returning_a_disclosure_tells_the_researcher_and_settles_the_review_notice(
        researcher, reviewer):
    from disclosures import services

    version = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_return(version=version, actor=reviewer, comment="契約書の期間を記入してください")
    [note] = notes(researcher, "disclosure_returned")
    assert note.url == "/disclosures/edit/"
    with translation.override("en"):
        assert note.title == f"Your disclosure (version {version.number}) was returned for changes"
        assert "契約書の期間を記入してください" in note.body
    assert Notification.objects.get(recipient=reviewer, kind="review_waiting").is_resolved


def test_resubmitting_resolves_the_return_notice(researcher, reviewer):
    from disclosures import services
    from tests.disclosures.factories import draft_for

    version = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_return(version=version, actor=reviewer, comment="Fix it")
    add_item(researcher, "position", side_job(org("Second Corp")))
    draft = draft_for(researcher)
    services.version_submit(version=draft, actor=researcher, attest=True,
                            lock_version=draft.lock_version)
    [note] = notes(researcher, "disclosure_returned")
    assert note.is_resolved and note.is_read


def test_accepting_a_disclosure_tells_the_researcher(researcher, reviewer):
    from disclosures import services

    version = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_accept(version=version, actor=reviewer)
    [note] = notes(researcher, "disclosure_accepted")
    with translation.override("en"):
        assert note.title == f"Your disclosure (version {version.number}) was accepted"


def test_a_notice_is_written_in_the_transaction_of_the_change(researcher, reviewer):
    """If the change rolls back, so does its notice (no receiver in another transaction)."""
    from disclosures import services

    version = submitted_disclosure(researcher, ("position", side_job(org())))
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.version_accept(version=version, actor=reviewer)
            assert len(notes(researcher, "disclosure_accepted")) == 1
            raise RuntimeError("the request failed after the service")
    assert notes(researcher, "disclosure_accepted") == []
    version.refresh_from_db()
    assert version.status == "submitted"


def test_a_failing_notice_fails_the_change_instead_of_being_lost(researcher, reviewer,
                                                                  monkeypatch):
    from disclosures import services

    version = submitted_disclosure(researcher, ("position", side_job(org())))

    def broken(drafts, **kwargs):
        raise RuntimeError("database connection lost")

    monkeypatch.setattr(notification_services, "notifications_create", broken)
    with pytest.raises(RuntimeError):
        services.version_accept(version=version, actor=reviewer)
    version.refresh_from_db()
    assert version.status == "submitted"


# --- Requests for information, cases ---------------------------------------------------------


def test_asking_tells_the_researcher_and_answering_tells_the_staff_who_asked(
        researcher, staff, admin_user, django_capture_on_commit_callbacks, mailoutbox):
    from riskmgmt import services

    case = _case(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        req = services.information_request_ask(case=case, question="契約書の写しを添付してください",
                                                actor=staff)
    [asked] = notes(researcher, "information_request")
    assert asked.url == req.get_absolute_url()
    assert mailoutbox[-1].to == [researcher.email]
    with django_capture_on_commit_callbacks(execute=True):
        services.information_request_answer(request=req, answer="添付しました", actor=researcher)
    asked.refresh_from_db()
    assert asked.is_resolved  # "回答が未了です" no longer waits
    [told] = notes(staff, "information_answered")
    assert notes(admin_user, "information_answered") == []  # the asker, not every handler
    with translation.override("en"):
        assert told.title == "有栖 アリス answered your request for information (RC-0001)"
    assert mailoutbox[-1].to == [staff.email]


def test_an_answer_goes_to_every_case_handler_when_the_asker_is_gone(researcher, staff,
                                                                     admin_user):
    from riskmgmt import services

    req = services.information_request_ask(case=_case(researcher), question="?", actor=staff)
    staff.is_active = False
    staff.save()
    services.information_request_answer(request=req, answer="!", actor=researcher)
    assert len(notes(admin_user, "information_answered")) == 1


def test_an_unanswered_reminder_is_not_emailed_once_answered(researcher, staff,
                                                            django_capture_on_commit_callbacks,
                                                            mailoutbox):
    from riskmgmt import services

    req = services.information_request_ask(case=_case(researcher), question="?", actor=staff)
    delivery = Delivery.objects.get(notification__recipient=researcher)
    assert delivery.status == Delivery.Status.PENDING  # the worker has not run yet
    services.information_request_answer(request=req, answer="!", actor=researcher)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED
    notification_services.deliveries_send_due()
    assert [m.to for m in mailoutbox] == [[staff.email]]


def test_assigning_a_case_tells_the_assignee(researcher, staff, admin_user):
    from riskmgmt import services

    case = _case(researcher)
    services.case_assign(cases=[case], assignee=staff, actor=admin_user)
    [note] = notes(staff, "case_assigned")
    assert note.url == case.get_absolute_url()
    services.case_assign(cases=[case], assignee=admin_user, actor=admin_user)
    assert notes(admin_user, "case_assigned") == []  # assigning oneself tells nobody


def test_a_decision_tells_the_assignee_and_the_departments_reviewer(researcher, staff,
                                                                    admin_user, reviewer,
                                                                    other_researcher):
    from riskmgmt import services

    case = _case(researcher, assignee=staff)
    services.case_assess(case=case, likelihood=4, impact=4, rationale="根拠", actor=admin_user)
    services.case_decide(case=case, decision="mitigate", note="対策を実施", actor=admin_user)
    recipients = set(Notification.objects.filter(kind="case_decided")
                     .values_list("recipient", flat=True))
    assert recipients == {staff.pk, reviewer.pk}
    note = Notification.objects.get(kind="case_decided", recipient=staff)
    with translation.override("en"):
        assert note.title == "Decision on risk case RC-0001: Mitigate"
    with translation.override("ja"):
        assert note.title.startswith("リスク案件 RC-0001 の判断：")
        assert "Mitigate" not in note.title


def test_a_measure_marked_done_resolves_its_reminder(researcher, staff):
    import time_machine

    from portal.notifications import services
    from riskmgmt import services as risk
    from riskmgmt.models import MitigationMeasure

    measure = MitigationMeasure.objects.create(case=_case(researcher), kind="training",
                                               owner=staff, due_date=dt.date(2026, 7, 10))
    with time_machine.travel(dt.datetime(2026, 7, 20, 9, 0), tick=False):
        assert services.schedule_run(name="mitigation_measures") == 1
    note = Notification.objects.get(kind="mitigation_overdue")
    with translation.override("en"):
        assert note.title == "Overdue mitigation measure: Training"
    risk.measure_set_status(measure=measure, status="done", actor=staff)
    assert services.schedule_run(name="resolve_done") == 1
    note.refresh_from_db()
    assert note.is_resolved


# --- Export ready ----------------------------------------------------------------------------


def test_a_finished_export_tells_the_person_who_asked(admin_user,
                                                       django_capture_on_commit_callbacks):
    from portal import services

    with django_capture_on_commit_callbacks(execute=True):
        gf = services.generated_file_request(user=admin_user, exporter="riskmgmt.register")
    gf.refresh_from_db()
    assert gf.status == "done"
    [note] = notes(admin_user, "export_ready")
    assert note.url == f"/files/{gf.public_id}/"
    with translation.override("en"):
        assert note.title.startswith("Your export is ready: ")


def test_the_list_shows_a_reminder_as_done_once_its_task_is_done(researcher, staff, client_as):
    from django.urls import reverse

    from riskmgmt import services
    from riskmgmt.models import InformationRequest

    req = services.information_request_ask(case=_case(researcher), question="?", actor=staff)
    # answered without going through the service (e.g. an import): the sweep settles it
    InformationRequest.objects.filter(pk=req.pk).update(answer="!", answered_at=req.asked_at)
    assert notification_services.schedule_run(name="resolve_done") == 1
    client = client_as(researcher)
    page = client.get(reverse("notifications:index"))
    assert page.status_code == 200
    assert 'data-testid="notification-done"' in page.content.decode()
    assert Notification.objects.get(recipient=researcher).is_resolved
