"""The role dashboards stay within their query budget with every app's widgets showing."""

import pytest
from django.core.management import call_command

from portal.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.PORTAL_SAMPLE_DATA = tmp_path  # no ROR sample: keep the demo small and fast
    call_command("demo_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_researcher_dashboard_stays_within_twelve_queries_with_all_widgets(
    demo, client, django_assert_max_num_queries
):
    researcher = User.objects.get(email="researcher@demo.example")
    client.force_login(researcher)
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200
    # The widgets of several apps are on the page, not an empty dashboard.
    assert response.content.decode().count('class="card widget"') >= 3


def test_staff_dashboards_stay_within_twenty_queries(demo, client, django_assert_max_num_queries):
    from tests.factories import give_totp

    for email in ["reviewer@demo.example", "staff@demo.example", "admin@demo.example"]:
        user = User.objects.get(email=email)
        give_totp(user)
        client.force_login(user)
        with django_assert_max_num_queries(20):
            response = client.get("/")
        assert response.status_code == 200, email
