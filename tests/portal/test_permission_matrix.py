"""Every core view × every persona: anonymous → login, allowed → 200, forbidden → 403,
someone else's generated file → 404, wrong method → 405."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from portal.models import GeneratedFile

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "researcher", "other_researcher", "reviewer", "staff", "admin", "outsider"]

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _persist_outsider_password(outsider):
    # UserFactory saves the hashed password only when roles are given; without this the
    # outsider's forced login is dropped on the next request (see the report to the lead).
    outsider.save()


@pytest.fixture
def alice_file(researcher):
    gf = GeneratedFile.objects.create(owner=researcher, exporter="test.export", title="Alice export",
                                      status=GeneratedFile.Status.DONE, progress=100,
                                      filename="alice.csv", mimetype="text/csv")
    gf.file.save("alice.csv", ContentFile(b"a,b\n1,2\n"), save=True)
    return gf


def _urls(alice_file):
    pid = alice_file.public_id
    return {
        "dashboard": reverse("portal:dashboard"),
        "file_list": reverse("portal:file_list"),
        "file_detail": reverse("portal:file_detail", args=[pid]),
        "file_download": reverse("portal:file_download", args=[pid]),
        "audit_list": reverse("portal:audit_list"),
        "organisation_search": reverse("portal:organisation_search") + "?q=test",
        "roster_import": reverse("portal:roster_import"),
        "healthz": reverse("healthz"),
        "admin_index": reverse("admin:index"),
    }


# expected status per view and persona; "login" = redirect to the login page
EXPECTED = {
    #                     anon     alice  bob  charlie staff admin outsider
    "dashboard":          ["login", 200, 200, 200, 200, 200, 403],
    "file_list":          ["login", 200, 200, 200, 200, 200, 403],
    "file_detail":        ["login", 200, 404, 404, 404, 200, 403],
    "file_download":      ["login", 200, 404, 404, 404, 200, 403],
    "audit_list":         ["login", 403, 403, 403, 200, 200, 403],
    "organisation_search": ["login", 200, 200, 200, 200, 200, 403],
    "roster_import":      ["login", 403, 403, 403, 403, 200, 403],
    "healthz":            [200, 200, 200, 200, 200, 200, 200],
    "admin_index":        ["admin_login", 403, 403, 403, 403, 200, 403],
}

CASES = [(view, persona, expected)
         for view, row in EXPECTED.items()
         for persona, expected in zip(PERSONAS, row, strict=True)]


@pytest.mark.parametrize("view,persona,expected", CASES, ids=[f"{v}-{p}" for v, p, _ in CASES])
def test_permission_matrix(view, persona, expected, personas, client_as, alice_file):
    user = None if persona == "anonymous" else personas["admin" if persona == "admin" else persona]
    url = _urls(alice_file)[view]
    if view == "admin_index":
        # Django's admin redirects to its login view first; that view must hand over to
        # allauth (anonymous) or refuse (signed in without the admin role).
        response = client_as(user).get(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if expected == "admin_login":
            assert final.startswith(LOGIN), final
        else:
            assert response.status_code == expected, (view, persona, final)
        return
    response = client_as(user).get(url)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == expected, (view, persona, response.status_code)


WRONG_METHOD = [
    ("dashboard", "post"), ("file_list", "post"), ("file_detail", "post"),
    ("file_download", "post"), ("audit_list", "post"), ("organisation_search", "post"),
    ("roster_import", "put"), ("roster_import", "delete"), ("healthz", "post"),
]


@pytest.mark.parametrize("view,method", WRONG_METHOD)
@pytest.mark.parametrize("persona", ["anonymous", "researcher", "admin"])
def test_wrong_method_is_405(view, method, persona, personas, client_as, alice_file):
    user = None if persona == "anonymous" else personas[persona]
    response = getattr(client_as(user), method)(_urls(alice_file)[view])
    assert response.status_code == 405


def test_roster_sample_and_upload_are_admin_only(personas, client_as, alice_file):
    url = reverse("portal:roster_sample", args=["people"])
    for persona in ["researcher", "other_researcher", "reviewer", "staff", "outsider"]:
        assert client_as(personas[persona]).get(url).status_code == 403
        assert client_as(personas[persona]).post(reverse("portal:roster_import"), {}).status_code == 403
    assert client_as(None).get(url)["Location"].startswith(LOGIN)
    assert client_as(personas["admin"]).post(url).status_code == 405


def test_expired_file_is_not_downloadable_even_by_its_owner(researcher, client_as, alice_file):
    import datetime as dt

    from django.utils import timezone

    alice_file.expires_at = timezone.now() - dt.timedelta(minutes=1)
    alice_file.save()
    client = client_as(researcher)
    assert client.get(reverse("portal:file_download", args=[alice_file.public_id])).status_code == 404
    assert client.get(reverse("portal:file_detail", args=[alice_file.public_id])).status_code == 200


def test_dashboard_query_count_is_bounded(client_as, admin_user, researcher, django_assert_max_num_queries):
    import portal.core_dashboard  # noqa: F401  (registers the core widgets)

    client = client_as(admin_user)
    client.get("/")  # warm caches (content types, sessions)
    with django_assert_max_num_queries(40):
        assert client.get("/").status_code == 200
