"""Storing, sending, retrying and digesting notifications."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from kombu.exceptions import OperationalError

from portal.notifications import services
from portal.notifications.models import Delivery, EmailMode, Notification, NotificationPreference
from portal.notifications.services import Draft, Target

pytestmark = pytest.mark.django_db


def draft(user, kind="disclosure_stale", period="p1", **params):
    params = params or {"last": "2025-01-01"}
    return Draft(user.pk, kind, params, "/disclosures/", Target(), period, user.language)


def test_a_stored_notification_has_a_pending_email_sent_after_commit(
    researcher, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_create([draft(researcher)]) == 1
    note = Notification.objects.get(recipient=researcher)
    delivery = Delivery.objects.get(notification=note)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [researcher.email]
    assert "12か月" in message.subject or "12" in message.subject
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "http://127.0.0.1:8000/disclosures/" in message.body
    assert 'href="http://127.0.0.1:8000/disclosures/"' in html


def test_the_same_reminder_is_stored_once_however_often_it_is_created(researcher, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_create([draft(researcher), draft(researcher)]) == 1
        assert services.notifications_create([draft(researcher)]) == 0
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1
    assert len(mailoutbox) == 1
    services.notifications_create([draft(researcher, period="p2")])
    assert Notification.objects.count() == 2


def test_the_stored_fallback_text_is_in_each_recipients_language(researcher, other_researcher):
    other_researcher.language = "en"
    other_researcher.save()
    services.notifications_create([draft(researcher), draft(other_researcher)])
    ja = Notification.objects.get(recipient=researcher)
    en = Notification.objects.get(recipient=other_researcher)
    assert en.stored_title == "Your disclosure has not been updated for 12 months"
    assert ja.stored_title == "あなたの開示内容は12か月間更新されていません"
    assert en.params == ja.params == {"last": "2025-01-01"}


def test_a_notice_created_in_japanese_reads_in_english_for_an_english_reader(researcher):
    from django.utils import translation

    with translation.override("ja"):
        services.notifications_create([draft(researcher)])
    note = Notification.objects.get()
    with translation.override("en"):
        assert note.title == "Your disclosure has not been updated for 12 months"
        assert "Jan. 1, 2025" in note.body
    fresh = Notification.objects.get()
    with translation.override("ja"):
        assert fresh.title == "あなたの開示内容は12か月間更新されていません"
        assert "2025年1月1日" in fresh.body


def test_a_notice_stored_before_params_existed_reads_as_stored(researcher):
    from django.utils import translation

    note = Notification.objects.create(recipient=researcher, kind="disclosure_stale",
                                       stored_title="古い通知", stored_body="本文",
                                       dedupe_key="legacy:1", params=None)
    with translation.override("en"):
        assert (note.title, note.body) == ("古い通知", "本文")


def test_english_email_uses_english_boilerplate(other_researcher, mailoutbox,
                                               django_capture_on_commit_callbacks):
    other_researcher.language = "en"
    other_researcher.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_create([draft(other_researcher)])
    assert "Open in the portal:" in mailoutbox[0].body
    assert "Dear Bob Bo," in mailoutbox[0].body


def test_digest_preference_holds_the_email_for_the_daily_digest(
    researcher, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=researcher, kind="disclosure_stale",
                                          mode=EmailMode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_create([draft(researcher), draft(researcher, period="p2")])
    assert Delivery.objects.count() == 0
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_prepare() == 2
    assert len(mailoutbox) == 1
    digest = Delivery.objects.get()
    assert digest.kind == "digest" and digest.status == Delivery.Status.SENT
    assert digest.digested_notifications.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_prepare() == 0
    assert len(mailoutbox) == 1


def test_portal_only_preference_sends_no_email_but_lists_the_notification(researcher, mailoutbox):
    NotificationPreference.objects.create(user=researcher, kind="disclosure_stale",
                                          mode=EmailMode.NONE)
    services.notifications_create([draft(researcher)])
    assert Notification.objects.filter(recipient=researcher).count() == 1
    assert not Delivery.objects.exists()
    services.digests_prepare()
    assert not Delivery.objects.exists()


def test_mandatory_kinds_ignore_preferences(researcher):
    NotificationPreference.objects.create(user=researcher, kind="campaign_overdue",
                                          mode=EmailMode.NONE)
    services.notifications_create([draft(researcher, "campaign_overdue", campaign="C",
                                         due_date="2026-06-30")])
    assert Notification.objects.get().email_mode == EmailMode.IMMEDIATE
    assert Delivery.objects.count() == 1


def test_preferences_cannot_turn_off_a_mandatory_kind(researcher):
    from portal.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.preferences_save(user=researcher, modes={"campaign_opened": "none"})
    assert services.preferences_save(user=researcher, modes={"item_ended": "digest"}) == ["item_ended"]
    assert NotificationPreference.objects.get(user=researcher).mode == "digest"


def test_broker_outage_loses_nothing_and_the_sweep_sends_later(
    researcher, mailoutbox, django_capture_on_commit_callbacks
):
    from portal.outbox.tasks import run_job

    with mock.patch.object(run_job, "apply_async", side_effect=OperationalError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                services.notifications_create([draft(researcher)])
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert mailoutbox == []
    assert services.schedule_run(name="send_due") == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(mailoutbox) == 1


def test_a_failed_send_is_retried_with_back_off_and_finally_shown_as_failed(researcher, mailoutbox):
    services.notifications_create([draft(researcher)])
    delivery = Delivery.objects.get()
    start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP refused")):
        with time_machine.travel(start, tick=False):
            delivery.next_attempt_at = start
            delivery.save()
            outcome = services.deliveries_send_due()
        assert outcome["retry"] == [delivery.pk]
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.PENDING
        assert delivery.attempts == 1
        assert "SMTP refused" in delivery.last_error
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
        with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
            assert services.deliveries_send_due()["retry"] == []  # not due yet
        when = start
        for attempt in range(2, services.MAX_ATTEMPTS + 1):
            when = delivery.next_attempt_at
            with time_machine.travel(when, tick=False):
                services.deliveries_send_due()
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
        assert delivery.status == Delivery.Status.FAILED
        assert when - start == dt.timedelta(minutes=1 + 4 + 16 + 64)
    assert mailoutbox == []


def test_a_delivery_claimed_by_one_worker_is_not_claimed_by_another(researcher):
    services.notifications_create([draft(researcher)])
    first = services.deliveries_claim()
    second = services.deliveries_claim()
    assert len(first) == 1 and second == []


def test_a_delivery_stuck_in_sending_is_marked_failed_not_resent(researcher, mailoutbox):
    services.notifications_create([draft(researcher)])
    services.deliveries_claim()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)):
        services.deliveries_send_due()
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    assert mailoutbox == []


def test_inactive_recipient_is_skipped(researcher, mailoutbox):
    services.notifications_create([draft(researcher)])
    researcher.is_active = False
    researcher.save()
    services.deliveries_send_due()
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED
    assert mailoutbox == []


def test_mark_read_and_mark_all_read(researcher, other_researcher):
    services.notifications_create([draft(researcher), draft(researcher, period="x")])
    note = Notification.objects.filter(recipient=researcher).first()
    services.notification_mark_read(user=researcher, notification=note)
    assert Notification.objects.filter(recipient=researcher, read_at__isnull=True).count() == 1
    from portal.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.notification_mark_read(user=other_researcher, notification=note)
    assert services.notifications_mark_all_read(user=researcher) == 1
