"""Core dashboard widgets: administrators see people per role, the roster import and the latest
changes; everybody sees their own recent files."""

import pytest

import portal.core_dashboard  # noqa: F401  (registers the providers; the lead imports it in ready())
from portal.audit import audit_log
from portal.models import GeneratedFile

pytestmark = pytest.mark.django_db


def test_admin_sees_roles_roster_link_and_latest_changes(client_as, personas):
    admin = personas["admin"]
    audit_log(action="portal.department.saved", actor=admin, data={})
    response = client_as(admin).get("/")
    html = response.content.decode()
    assert 'data-testid="active-users"' in html
    assert 'href="/roster/"' in html
    roles_widget = next(w for w in response.context["widgets"]
                        if w.template.endswith("_dashboard_roles.html"))
    counts = dict(roles_widget.context["roles"])
    # researcher: alice, bob, charlie; reviewer: charlie; staff: staff + admin; admin: admin
    assert list(counts.values()) == [3, 1, 2, 1]
    assert any(w.template.endswith("_dashboard_audit.html") for w in response.context["widgets"])


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "staff"])
def test_others_do_not_see_the_admin_widgets(client_as, personas, persona):
    response = client_as(personas[persona]).get("/")
    templates = [w.template for w in response.context["widgets"]]
    assert not any(t.endswith(("_dashboard_roles.html", "_dashboard_audit.html")) for t in templates)
    assert 'href="/roster/"' not in response.content.decode()


def test_everyone_sees_their_own_recent_files_only(client_as, researcher, other_researcher):
    GeneratedFile.objects.create(owner=researcher, exporter="x", title="アリスの出力")
    GeneratedFile.objects.create(owner=other_researcher, exporter="x", title="ボブの出力")
    html = client_as(researcher).get("/").content.decode()
    assert "アリスの出力" in html and "ボブの出力" not in html
    assert "ボブの出力" in client_as(other_researcher).get("/").content.decode()


def test_no_files_means_no_files_widget(client_as, researcher):
    response = client_as(researcher).get("/")
    assert not any(w.template.endswith("_dashboard_files.html") for w in response.context["widgets"])
