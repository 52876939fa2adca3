"""Personas shared by every test (healthchecks' Alice/Bob/Charlie).

- ``researcher`` (Alice) in 機械工学専攻 under 工学研究科;
- ``other_researcher`` (Bob) in 化学専攻 under 理学研究科;
- ``reviewer`` reviews 工学研究科 and everything below it (so Alice, not Bob);
- ``staff`` (research office) and ``admin`` see everything; both have TOTP set up;
- ``outsider`` has an account but no role at all.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests


@pytest.fixture(autouse=True)
def _portal_test_settings(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()  # rate limits and TOTP replay marks must not leak from one test to the next
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture
def home_institution(db):
    from portal.models import Institution
    from tests.factories import InstitutionFactory

    return Institution.home() or InstitutionFactory(is_home=True, code="HOME01",
                                                    name_ja="ホーム大学", name_en="Home University")


@pytest.fixture
def departments(home_institution):
    from tests.factories import DepartmentFactory

    eng = DepartmentFactory(institution=home_institution, code="ENG", name_ja="工学研究科",
                            name_en="Graduate School of Engineering")
    mech = DepartmentFactory(institution=home_institution, code="ENG-MECH", parent=eng,
                             name_ja="機械工学専攻", name_en="Mechanical Engineering")
    sci = DepartmentFactory(institution=home_institution, code="SCI", name_ja="理学研究科",
                            name_en="Graduate School of Science")
    chem = DepartmentFactory(institution=home_institution, code="SCI-CHEM", parent=sci,
                             name_ja="化学専攻", name_en="Chemistry")
    ro = DepartmentFactory(institution=home_institution, code="RO", name_ja="研究推進部",
                           name_en="Research Office")
    return {"eng": eng, "mech": mech, "sci": sci, "chem": chem, "ro": ro}


@pytest.fixture
def researcher(departments):
    from tests.factories import UserFactory

    return UserFactory(email="alice@example.ac.jp", family_name="有栖", given_name="アリス",
                       family_name_en="Arisu", given_name_en="Alice",
                       department=departments["mech"], roles=["researcher"])


@pytest.fixture
def other_researcher(departments):
    from tests.factories import UserFactory

    return UserFactory(email="bob@example.ac.jp", family_name="坊", given_name="ボブ",
                       family_name_en="Bo", given_name_en="Bob",
                       department=departments["chem"], roles=["researcher"])


@pytest.fixture
def reviewer(departments):
    from tests.factories import UserFactory

    return UserFactory(email="charlie@example.ac.jp", family_name="茶", given_name="チャーリー",
                       department=departments["eng"],
                       roles=["researcher", ("dept_reviewer", departments["eng"])])


@pytest.fixture
def staff(departments):
    from tests.factories import UserFactory, give_totp

    user = UserFactory(email="staff@example.ac.jp", family_name="職員", given_name="研究推進",
                       department=departments["ro"], roles=["office_staff"])
    give_totp(user)
    return user


@pytest.fixture
def admin_user(departments):
    from tests.factories import UserFactory, give_totp

    user = UserFactory(email="admin@example.ac.jp", family_name="管理", given_name="者",
                       department=departments["ro"], roles=["admin", "office_staff"])
    give_totp(user)
    return user


@pytest.fixture
def outsider(departments):
    from tests.factories import UserFactory

    return UserFactory(email="outsider@example.com", department=None, roles=[])


@pytest.fixture
def personas(researcher, other_researcher, reviewer, staff, admin_user, outsider):
    return {
        "researcher": researcher,
        "other_researcher": other_researcher,
        "reviewer": reviewer,
        "staff": staff,
        "admin": admin_user,
        "outsider": outsider,
    }


def client_for(user):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client_as():
    """``client_as(user)`` → a logged-in Django test client (None → anonymous)."""
    return client_for


def pytest_addoption(parser):
    parser.addoption(
        "--run-integration", action="store_true", default=False,
        help="Run tests that start a real Celery worker/beat (needs PostgreSQL and REDIS_URL).",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-integration"):
        return
    skip = pytest.mark.skip(reason="needs --run-integration (PostgreSQL + Redis), run by .ci/run")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sample_data():
    """The real public data samples the repository carries (``fixtures/data``, see its README),
    or the folder ``PORTAL_SAMPLE_DATA`` names."""
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.PORTAL_SAMPLE_DATA)
    if not path.is_dir():
        pytest.fail(f"data samples not found at {path} (PORTAL_SAMPLE_DATA)")
    return path
