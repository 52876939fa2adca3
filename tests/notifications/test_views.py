"""Pages: permission matrix, the bell, mark-as-read with htmx, preferences, admin pages."""

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from portal.notifications import services
from portal.notifications.models import Delivery, Notification, NotificationPreference
from portal.notifications.services import Draft, Target

pytestmark = pytest.mark.django_db

PERSONAS = ["researcher", "other_researcher", "reviewer", "staff", "admin", "outsider"]


def store(user, period="p", kind="disclosure_stale"):
    services.notifications_create([Draft(user.pk, kind, {"last": "2025-04-01"}, "/disclosures/",
                                         Target(), period, user.language)])
    return Notification.objects.filter(recipient=user).order_by("-id").first()


def status_of(client, method, url, **kw):
    return getattr(client, method)(url, **kw).status_code


EVERYONE_OK = {"researcher": 200, "other_researcher": 200, "reviewer": 200, "staff": 200,
               "admin": 200, "outsider": 403}
ADMIN_ONLY = {"researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 403,
              "admin": 200, "outsider": 403}


@pytest.mark.parametrize("name, expected", [
    ("notifications:index", EVERYONE_OK),
    ("notifications:preferences", EVERYONE_OK),
    ("notifications:deliveries", ADMIN_ONLY),
    ("notifications:schedules", ADMIN_ONLY),
])
def test_permission_matrix_of_pages(personas, client_as, name, expected):
    url = reverse(name)
    for persona, code in expected.items():
        assert status_of(client_as(personas[persona]), "get", url) == code, persona
    anonymous = client_as(None).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert status_of(client_as(personas["admin"]), "delete", url) == 405


def test_permission_matrix_of_schedule_preview_and_run(personas, client_as):
    preview = reverse("notifications:schedule_preview", args=["campaign_reminders"])
    run = reverse("notifications:schedule_run", args=["send_due"])
    for persona, code in ADMIN_ONLY.items():
        client = client_as(personas[persona])
        assert status_of(client, "get", preview) == code, persona
        assert status_of(client, "post", run) == (302 if code == 200 else 403), persona
    admin = client_as(personas["admin"])
    assert status_of(admin, "get", run) == 405
    assert status_of(admin, "post", preview) == 405
    assert status_of(admin, "get", reverse("notifications:schedule_preview", args=["nope"])) == 404
    assert status_of(admin, "post", reverse("notifications:schedule_run", args=["nope"])) == 404


def test_permission_matrix_of_one_notification(personas, client_as):
    note = store(personas["researcher"])
    open_url = reverse("notifications:open", args=[note.public_id])
    read_url = reverse("notifications:mark_read", args=[note.public_id])
    for persona in PERSONAS:
        client = client_as(personas[persona])
        expected = {"researcher": 302, "outsider": 403}.get(persona, 404)
        assert status_of(client, "get", open_url) == expected, persona
        assert status_of(client, "post", read_url) == expected, persona
    assert status_of(client_as(personas["researcher"]), "get", read_url) == 405
    assert status_of(client_as(personas["researcher"]), "post", open_url) == 405
    assert status_of(client_as(personas["researcher"]), "get",
                     reverse("notifications:mark_all_read")) == 405


def test_opening_a_notification_marks_it_read_and_goes_to_the_exact_page(researcher, client_as):
    note = store(researcher)
    response = client_as(researcher).get(reverse("notifications:open", args=[note.public_id]))
    assert response["Location"] == "/disclosures/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_offsite_link_is_never_followed(researcher, client_as):
    note = store(researcher)
    Notification.objects.filter(pk=note.pk).update(url="https://evil.example/")
    response = client_as(researcher).get(reverse("notifications:open", args=[note.public_id]))
    assert response["Location"] == reverse("notifications:index")


def test_the_bell_shows_the_unread_count_with_one_query(researcher, client_as,
                                                       django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    store(researcher, "a")
    store(researcher, "b")
    request = RequestFactory().get("/")
    request.user = researcher
    template = Template('{% include "notifications/partials/_bell.html" %}')
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "user": researcher}))
    assert '<span class="count" data-testid="unread-count">2</span>' in html
    page = client_as(researcher).get(reverse("portal:dashboard")).content.decode()
    assert 'data-testid="unread-count">2<' in page


def test_the_bell_works_with_nothing_there(researcher, client_as):
    page = client_as(researcher).get(reverse("notifications:index")).content.decode()
    assert 'data-testid="notification-bell"' in page
    assert "unread-count" not in page
    assert "You have no notifications." in page or "通知はありません" in page


def test_mark_read_with_htmx_returns_the_item_and_updates_the_bell(researcher, client_as):
    first = store(researcher, "a")
    store(researcher, "b")
    response = client_as(researcher).post(
        reverse("notifications:mark_read", args=[first.public_id]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.public_id}"' in html
    assert 'hx-swap-oob="true"' in html and 'data-testid="unread-count">1<' in html
    assert 'data-testid="mark-read"' not in html


def test_list_filters_unread_and_paginates(researcher, client_as, django_assert_max_num_queries):
    for i in range(30):
        store(researcher, f"p{i}")
    services.notification_mark_read(user=researcher, notification=Notification.objects.first())
    client = client_as(researcher)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:index"))
    assert response.context["page"].paginator.count == 30
    assert len(response.context["page"].object_list) == 25
    unread = client.get(reverse("notifications:index") + "?show=unread")
    assert unread.context["page"].paginator.count == 29
    partial = client.get(reverse("notifications:index") + "?page=2", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and len(partial.context["page"].object_list) == 5


def test_mark_all_read(researcher, client_as):
    store(researcher, "a")
    store(researcher, "b")
    client_as(researcher).post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=researcher, read_at__isnull=True).exists()


def test_preferences_are_saved_and_mandatory_kinds_are_not_offered(researcher, client_as):
    client = client_as(researcher)
    page = client.get(reverse("notifications:preferences"))
    assert "campaign_overdue" not in page.context["form"].fields
    assert "item_ended" in page.context["form"].fields
    data = dict.fromkeys(page.context["form"].fields, "immediate")
    data["item_ended"] = "digest"
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=researcher).mode == "digest"
    assert AuditEntry.objects.filter(action="notifications.preference.changed").count() == 1
    bad = client.post(reverse("notifications:preferences"), {**data, "item_ended": "sms"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_delivery_log_lists_and_filters_for_administrators(personas, client_as,
                                                          django_assert_max_num_queries):
    store(personas["researcher"], "a")
    store(personas["other_researcher"], "b")
    Delivery.objects.filter(recipient=personas["other_researcher"]).update(
        status="failed", attempts=5, last_error="SMTPServerDisconnected: gone")
    client = client_as(personas["admin"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("notifications:deliveries"))
    assert page.context["page"].paginator.count == 2
    failed = client.get(reverse("notifications:deliveries") + "?status=failed")
    assert [d.recipient for d in failed.context["page"].object_list] == [personas["other_researcher"]]
    assert "SMTPServerDisconnected: gone" in failed.content.decode()
    by_email = client.get(reverse("notifications:deliveries") + "?recipient=alice")
    assert [d.recipient for d in by_email.context["page"].object_list] == [personas["researcher"]]
    partial = client.get(reverse("notifications:deliveries") + "?kind=disclosure_stale",
                         HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"delivery-table" in partial.content


def test_schedules_page_lists_every_schedule(admin_user, client_as):
    from portal.notifications.schedules import SCHEDULES, sync

    sync()
    response = client_as(admin_user).get(reverse("notifications:schedules"))
    html = response.content.decode()
    for schedule in SCHEDULES:
        assert f'data-testid="run-{schedule.name}"' in html
    editable = [s for s in SCHEDULES if s.has_fixed_time or "days_before" in s.options]
    assert html.count('data-testid="edit-') == len(editable)
    assert "/admin/django_celery_beat/" not in html


def test_preview_lists_who_would_be_notified_without_storing(personas, client_as):
    from tests.notifications.factories import make_campaign

    make_campaign()
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 6, 27, 9, 0, tzinfo=dt.UTC), tick=False):
        response = client_as(personas["admin"]).get(
            reverse("notifications:schedule_preview", args=["campaign_reminders"]))
    assert response.context["preview"].total == 3 + 3  # opening notice (catch-up) + reminder
    assert personas["researcher"].email in response.content.decode()
    assert not Notification.objects.exists()
    assert AuditEntry.objects.filter(action="notifications.schedule.previewed",
                                     actor=personas["admin"], data__total=6).exists()


def test_run_now_is_audited_and_runs(admin_user, researcher, client_as, mailoutbox,
                                     django_capture_on_commit_callbacks):
    store(researcher)
    Delivery.objects.update(status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin_user).post(
            reverse("notifications:schedule_run", args=["send_due"]))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="notifications.schedule.run_requested",
                                     actor=admin_user, data__schedule="send_due").exists()
    assert AuditEntry.objects.filter(action="notifications.schedule.ran", actor=admin_user).exists()
    assert len(mailoutbox) == 1


def test_run_now_with_the_broker_down_waits_in_the_outbox_for_the_sweep(
        admin_user, researcher, client_as, mailoutbox, django_capture_on_commit_callbacks):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from portal.outbox import services as outbox

    store(researcher)
    with mock.patch("celery.app.task.Task.apply_async", side_effect=OperationalError("down")):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(admin_user).post(
                reverse("notifications:schedule_run", args=["send_due"]), follow=True)
    assert response.status_code == 200
    assert mailoutbox == []
    outbox.sweep()
    assert len(mailoutbox) == 1


def test_dashboard_widget_shows_unread_notifications(researcher, client_as):
    store(researcher)
    page = client_as(researcher).get(reverse("portal:dashboard"))
    assert any(w.template == "notifications/partials/_widget.html" for w in page.context["widgets"])


def test_administrators_see_failed_emails_on_the_dashboard(personas, client_as):
    store(personas["researcher"])
    Delivery.objects.update(status="failed", attempts=5, last_error="boom")
    admin_page = client_as(personas["admin"]).get(reverse("portal:dashboard"))
    assert any(w.template == "notifications/partials/_widget_failed.html"
               for w in admin_page.context["widgets"])
    staff_page = client_as(personas["staff"]).get(reverse("portal:dashboard"))
    assert not any(w.template == "notifications/partials/_widget_failed.html"
                   for w in staff_page.context["widgets"])


def test_every_schedule_preview_page_renders(admin_user, researcher, client_as,
                                            django_assert_max_num_queries):
    from portal.notifications.schedules import SCHEDULES

    store(researcher)
    client = client_as(admin_user)
    with django_assert_max_num_queries(15):
        client.get(reverse("notifications:schedules"))
    for schedule in SCHEDULES:
        response = client.get(reverse("notifications:schedule_preview", args=[schedule.name]))
        assert response.status_code == 200, schedule.name
        assert b'data-testid="preview-total"' in response.content
    send_due = client.get(reverse("notifications:schedule_preview", args=["send_due"]))
    assert send_due.context["preview"].total == 1  # stored, waiting for the commit to be sent
    assert researcher.email in send_due.content.decode()


def test_dashboard_counts_unread_notifications_once_for_widget_and_bell(researcher, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store(researcher)
    client = client_as(researcher)
    client.get(reverse("portal:dashboard"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("portal:dashboard"))
    unread = [q["sql"] for q in ctx.captured_queries
              if "notifications_notification" in q["sql"] and "read_at" in q["sql"]]
    assert len(unread) == 1
    assert 'data-testid="unread-count">1<' in page.content.decode()


def test_permission_matrix_of_schedule_edit(personas, client_as):
    from portal.notifications.schedules import sync

    sync()
    url = reverse("notifications:schedule_edit", args=["campaign_reminders"])
    for persona, code in ADMIN_ONLY.items():
        assert status_of(client_as(personas[persona]), "get", url) == code, persona
    admin = client_as(personas["admin"])
    assert status_of(admin, "delete", url) == 405
    assert status_of(admin, "get", reverse("notifications:schedule_edit", args=["nope"])) == 404


def test_schedule_time_is_changed_on_the_portals_own_page_in_japanese(admin_user, client_as):
    from django_celery_beat.models import PeriodicTask

    from portal.notifications.schedules import sync

    sync()
    client = client_as(admin_user)
    url = reverse("notifications:schedule_edit", args=["campaign_reminders"])
    assert "時刻（日本時間）" in client.get(url).content.decode()
    response = client.post(url, {"time": "09:30", "days_before": "10, 2"})
    assert response.status_code == 302
    task = PeriodicTask.objects.get(name="portal:campaign_reminders")
    assert (task.crontab.hour, task.crontab.minute) == ("9", "30")
    page = client.get(reverse("notifications:schedules")).content.decode()
    assert "毎日 9:30" in page and "締切の10日前、2日前" in page
