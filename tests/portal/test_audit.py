"""The audit log: append-only, read-only in the admin, entries carry actor and request id."""

import pytest
from django.urls import reverse

from portal import services
from portal.audit import audit_log, history_for, register_renderer, render_entry, task_actor
from portal.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_saving_an_existing_entry_raises(admin_user):
    entry = audit_log(action="tests.thing.done", actor=admin_user, data={"x": 1})
    entry.action = "tests.thing.rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "tests.thing.done"


def test_deleting_an_entry_raises(admin_user):
    entry = audit_log(action="tests.thing.done", actor=admin_user)
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_admin_shows_entries_but_cannot_add_change_or_delete(client_as, admin_user):
    entry = audit_log(action="tests.thing.done", actor=admin_user)
    client = client_as(admin_user)
    assert client.get(reverse("admin:portal_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:portal_auditentry_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:portal_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:portal_auditentry_delete", args=[entry.pk])).status_code == 403
    response = client.post(reverse("admin:portal_auditentry_change", args=[entry.pk]),
                           {"action": "tests.changed"})
    assert response.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "tests.thing.done"


def test_entries_written_in_a_request_carry_the_actor_and_request_id(client_as, researcher):
    from django.urls import reverse

    from tests.disclosures.test_views import draft_for

    draft = draft_for(researcher)
    response = client_as(researcher).post(
        reverse("disclosures:item_add", args=["career"]),
        {"career-new_organisation_name_ja": "架空研究所", "career-new_organisation_name_en":
         "Imaginary Institute", "career-new_organisation_country": "DE",
         "career-position": "Postdoc", "career-country": "DE", "lock_version": draft.lock_version},
        HTTP_X_REQUEST_ID="req-abc-123")
    assert response["X-Request-ID"] == "req-abc-123"
    entry = AuditEntry.objects.get(action="disclosures.item.added")
    assert entry.actor == researcher
    assert entry.actor_kind == "user"
    assert entry.request_id == "req-abc-123"


def test_unsafe_request_ids_are_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id; drop table")
    assert response["X-Request-ID"] != "bad id; drop table"
    assert len(response["X-Request-ID"]) == 32


def test_service_changes_record_before_and_after(admin_user, departments):
    dept = departments["eng"]
    dept.name_en = "School of Engineering"
    services.department_save(instance=dept, actor=admin_user)
    entry = history_for(dept).first()
    assert entry.data["before"] == {"name_en": "Graduate School of Engineering"}
    assert entry.data["after"] == {"name_en": "School of Engineering"}
    assert entry.data["changed"] == ["name_en"]


def test_secrets_are_masked(admin_user):
    entry = audit_log(action="tests.secret", actor=admin_user,
                      data={"password": "hunter2", "nested": {"api_token": "t"}, "ok": "visible"})
    assert entry.data["password"] != "hunter2"
    assert entry.data["nested"]["api_token"] != "t"
    assert entry.data["ok"] == "visible"


def test_entries_inside_a_task_are_attributed_to_the_task(researcher):
    with task_actor(researcher):
        entry = audit_log(action="tests.task.ran")
    assert entry.actor == researcher and entry.actor_kind == "task"
    entry = audit_log(action="tests.system.ran")
    assert entry.actor is None and entry.actor_kind == "system"


def test_history_reads_as_sentences(admin_user, departments):
    register_renderer("tests.department.renamed", "Renamed to %(name)s")
    entry = audit_log(action="tests.department.renamed", target=departments["eng"], actor=admin_user,
                      data={"name": "工学部"})
    assert render_entry(entry) == "Renamed to 工学部"
    from django.template import Context, Template
    from django.test import RequestFactory

    html = Template("{% load portal %}{% audit_history obj %}").render(
        Context({"obj": departments["eng"], "request": RequestFactory().get("/")}))
    assert "Renamed to 工学部" in html and "{" not in html.split("Renamed")[1][:20]
