"""The Django admin: no path to the superuser/staff flags, role changes and deletes audited,
audit entries keep their actor when the user is deleted."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal import services
from portal.errors import NotAllowed
from portal.models import AuditEntry, Organisation, RoleAssignment, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _user_form(user, **extra):
    """The admin's change form of ``user`` as a browser posts it, with the role inline."""
    data = {
        "email": user.email, "family_name": user.family_name, "given_name": user.given_name,
        "family_name_en": user.family_name_en, "given_name_en": user.given_name_en, "employee_number": user.employee_number or "",
        "researcher_number": "", "department": user.department_id or "", "job_title": "",
        "is_active": "on", "language": user.language or "ja",
    }
    assignments = list(RoleAssignment.objects.filter(user=user).order_by("pk"))
    prefix = "role_assignments"
    data.update({f"{prefix}-TOTAL_FORMS": str(len(assignments)),
                 f"{prefix}-INITIAL_FORMS": str(len(assignments)),
                 f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    for i, a in enumerate(assignments):
        data.update({f"{prefix}-{i}-id": str(a.pk), f"{prefix}-{i}-user": str(user.pk),
                     f"{prefix}-{i}-role": a.role,
                     f"{prefix}-{i}-department": str(a.department_id or "")})
    data.update(extra)
    return data


def test_the_user_form_has_no_superuser_or_staff_field(client_as, admin_user, researcher):
    page = client_as(admin_user).get(reverse("admin:portal_user_change", args=[researcher.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="is_staff"' not in html


def test_posting_the_superuser_flag_to_the_admin_does_not_set_it(client_as, admin_user,
                                                                  researcher):
    response = client_as(admin_user).post(
        reverse("admin:portal_user_change", args=[researcher.pk]),
        _user_form(researcher, is_superuser="on", is_staff="on"))
    assert response.status_code == 302
    researcher.refresh_from_db()
    assert not researcher.is_superuser and not researcher.is_staff


def test_the_user_service_refuses_to_change_the_flags(admin_user, researcher):
    researcher.is_superuser = True
    with pytest.raises(NotAllowed):
        services.user_save(instance=researcher, actor=admin_user)


def test_the_management_command_sets_the_flag_audited_with_its_values(researcher):
    call_command("portal_admin_flags", researcher.email, "--superuser", "on",
                 "--reason", "break-glass", stdout=open("/dev/null", "w"))  # noqa: SIM115
    researcher.refresh_from_db()
    assert researcher.is_superuser
    entry = AuditEntry.objects.get(action="portal.user.flags_changed")
    assert entry.data["before"] == {"is_superuser": False}
    assert entry.data["after"] == {"is_superuser": True}
    assert entry.data["reason"] == "break-glass" and entry.actor_kind == "system"


def test_a_superuser_without_an_authenticator_must_set_up_mfa(client_as, researcher):
    User.objects.filter(pk=researcher.pk).update(is_superuser=True)
    researcher.refresh_from_db()
    response = client_as(researcher).get("/admin/")
    assert response.status_code == 302 and "totp" in response["Location"]


def test_a_role_added_in_the_inline_is_audited(client_as, admin_user, researcher, departments):
    data = _user_form(researcher)
    n = int(data["role_assignments-TOTAL_FORMS"])
    data.update({"role_assignments-TOTAL_FORMS": str(n + 1),
                 f"role_assignments-{n}-user": str(researcher.pk),
                 f"role_assignments-{n}-role": "office_staff",
                 f"role_assignments-{n}-department": ""})
    response = client_as(admin_user).post(
        reverse("admin:portal_user_change", args=[researcher.pk]), data)
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="portal.role.assigned", object_id=str(researcher.pk))
    assert entry.data["role"] == "office_staff" and entry.actor == admin_user


def test_a_role_changed_in_the_inline_is_audited_with_what_changed(client_as, admin_user,
                                                                   reviewer, departments):
    assignment = RoleAssignment.objects.get(user=reviewer, role="dept_reviewer")
    index = list(RoleAssignment.objects.filter(user=reviewer).order_by("pk")).index(assignment)
    data = _user_form(reviewer, **{f"role_assignments-{index}-department":
                                   str(departments["sci"].pk)})
    response = client_as(admin_user).post(
        reverse("admin:portal_user_change", args=[reviewer.pk]), data)
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="portal.role.changed")
    assert entry.data["changed"] == ["department"]
    assert entry.data["after"]["department"] == str(departments["sci"])


def test_a_role_removed_in_the_inline_is_audited(client_as, admin_user, reviewer):
    assignment = RoleAssignment.objects.get(user=reviewer, role="dept_reviewer")
    index = list(RoleAssignment.objects.filter(user=reviewer).order_by("pk")).index(assignment)
    data = _user_form(reviewer, **{f"role_assignments-{index}-DELETE": "on"})
    response = client_as(admin_user).post(
        reverse("admin:portal_user_change", args=[reviewer.pk]), data)
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    entry = AuditEntry.objects.get(action="portal.role.revoked")
    assert entry.data["role"] == "dept_reviewer"


def test_an_admin_delete_is_audited(client_as, admin_user):
    org = services.organisation_save(instance=Organisation(name_en="Doomed Co"), actor=admin_user)
    response = client_as(admin_user).post(
        reverse("admin:portal_organisation_delete", args=[org.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=org.pk).exists()
    entry = AuditEntry.objects.get(action="portal.admin.deleted")
    assert entry.data["object"] == str(org) and entry.data["values"]["name_en"] == "Doomed Co"
    assert entry.actor == admin_user


def test_an_admin_bulk_delete_is_audited(client_as, admin_user):
    orgs = [services.organisation_save(instance=Organisation(name_en=f"Bulk {i}"),
                                       actor=admin_user) for i in range(2)]
    response = client_as(admin_user).post(reverse("admin:portal_organisation_changelist"), {
        "action": "delete_selected", "_selected_action": [o.pk for o in orgs], "post": "yes"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="portal.admin.deleted").count() == 2


def test_an_audit_entry_keeps_its_actor_when_the_user_is_deleted(admin_user):
    reader = UserFactory(email="reader@example.ac.jp", family_name="読者", given_name="太郎")
    services.role_assign(user=admin_user, role="researcher", actor=reader)
    reader.delete()
    entry = AuditEntry.objects.filter(actor_email="reader@example.ac.jp").get()
    assert entry.actor is None
    assert entry.actor_label == "読者 太郎" and entry.actor_address == "reader@example.ac.jp"


def test_the_audit_list_shows_a_deleted_actor(client_as, admin_user):
    reader = UserFactory(email="gone@example.ac.jp", family_name="去", given_name="人")
    services.role_assign(user=admin_user, role="researcher", actor=reader)
    reader.delete()
    page = client_as(admin_user).get("/audit/?actor=gone@")
    assert "gone@example.ac.jp" in page.content.decode()
