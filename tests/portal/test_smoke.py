import pytest

pytestmark = pytest.mark.django_db


def test_login_page_is_served_in_japanese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="ja"' in response.content.decode()


def test_researcher_sees_dashboard(client_as, researcher):
    response = client_as(researcher).get("/")
    assert response.status_code == 200


def test_staff_without_mfa_is_sent_to_totp_setup(client_as, departments):
    from tests.factories import UserFactory

    user = UserFactory(roles=["office_staff"], department=departments["ro"])
    response = client_as(user).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate")
