"""manage.py bootstrap: the home institution and the first administrator, once."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.models import AuditEntry, Institution, Role, RoleAssignment, User

ENV = {
    "PORTAL_BOOTSTRAP_INSTITUTION_CODE": "12601",
    "PORTAL_BOOTSTRAP_INSTITUTION_NAME": "試験大学",
    "PORTAL_BOOTSTRAP_INSTITUTION_NAME_EN": "Test University",
    "PORTAL_BOOTSTRAP_INSTITUTION_CATEGORY": "national_university",
    "PORTAL_BOOTSTRAP_ADMIN_EMAIL": "First.Admin@test.ac.jp",
    "PORTAL_BOOTSTRAP_ADMIN_FAMILY_NAME": "管理",
    "PORTAL_BOOTSTRAP_ADMIN_GIVEN_NAME": "一郎",
    "PORTAL_BOOTSTRAP_ADMIN_PASSWORD": "a-Long-and-unusual-passphrase-42",
}


@pytest.fixture
def bootstrap_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def _run(*args):
    out = io.StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bootstrap_from_the_environment_creates_the_home_institution(bootstrap_env):
    _run("--noinput")
    home = Institution.home()
    assert (home.code, home.name_ja, home.category.code) == ("12601", "試験大学",
                                                             "national_university")


@pytest.mark.django_db
def test_bootstrap_creates_an_administrator_who_can_log_in(bootstrap_env, client):
    _run("--noinput")
    admin = User.objects.get(email="first.admin@test.ac.jp")
    assert RoleAssignment.objects.filter(user=admin, role=Role.ADMIN).exists()
    response = client.post("/accounts/login/", {"login": "first.admin@test.ac.jp",
                                                "password": ENV["PORTAL_BOOTSTRAP_ADMIN_PASSWORD"]})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(admin.pk)


@pytest.mark.django_db
def test_bootstrap_run_twice_changes_nothing_the_second_time(bootstrap_env):
    _run("--noinput")
    counts = (Institution.objects.count(), User.objects.count(), AuditEntry.objects.count())
    output = _run("--noinput")
    assert (Institution.objects.count(), User.objects.count(), AuditEntry.objects.count()) == counts
    assert output.count("既にあるため変更なし") == 2


@pytest.mark.django_db
def test_bootstrap_is_audited(bootstrap_env):
    _run("--noinput")
    entry = AuditEntry.objects.get(action="portal.bootstrap")
    assert entry.data["institution"] == "created" and entry.data["admin"] == "created"


@pytest.mark.django_db
def test_bootstrap_keeps_an_existing_home_institution(bootstrap_env, home_institution):
    _run("--noinput")
    assert Institution.home().code == "HOME01"
    assert Institution.objects.count() == 1


@pytest.mark.django_db
def test_bootstrap_gives_an_existing_user_the_role_and_keeps_their_password(
        bootstrap_env, researcher, monkeypatch):
    monkeypatch.setenv("PORTAL_BOOTSTRAP_ADMIN_EMAIL", researcher.email)
    monkeypatch.delenv("PORTAL_BOOTSTRAP_ADMIN_PASSWORD")
    password_before = researcher.password
    _run("--noinput")
    researcher.refresh_from_db()
    assert RoleAssignment.objects.filter(user=researcher, role=Role.ADMIN).exists()
    assert researcher.password == password_before


@pytest.mark.django_db
def test_bootstrap_without_input_refuses_a_missing_value(bootstrap_env, monkeypatch):
    monkeypatch.delenv("PORTAL_BOOTSTRAP_ADMIN_EMAIL")
    with pytest.raises(CommandError):
        _run("--noinput")
    assert not Institution.objects.exists()  # all or nothing


@pytest.mark.django_db
def test_bootstrap_refuses_a_weak_password(bootstrap_env, monkeypatch):
    monkeypatch.setenv("PORTAL_BOOTSTRAP_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError):
        _run("--noinput")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_bootstrap_asks_for_what_the_environment_does_not_give(monkeypatch):
    answers = iter(["12602", "問答大学", "Q and A University", "", "asked@test.ac.jp", "問", "答"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a-Long-and-unusual-passphrase-42")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    _run()
    assert Institution.home().code == "12602"
    assert User.objects.get(email="asked@test.ac.jp").check_password(
        "a-Long-and-unusual-passphrase-42")
