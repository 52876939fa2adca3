"""Four-eyes approval of the survey answers, and the confirmation step."""

import pytest
from django.urls import reverse

from followup import services
from followup.models import SurveyResponse
from portal.errors import NotAllowed
from tests.factories import UserFactory, give_totp
from tests.followup.test_services import all_answered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _four_eyes_on(settings):
    settings.PORTAL_FOUR_EYES_APPROVAL = True


@pytest.fixture
def drafted(cycle, admin_user):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, answers=all_answered(), actor=admin_user)
    return response


@pytest.fixture
def second_admin(departments):
    user = UserFactory(email="admin2@example.ac.jp", department=departments["ro"],
                       roles=["admin", "office_staff"])
    give_totp(user)
    return user


def test_the_administrator_who_drafted_cannot_approve(drafted, admin_user):
    with pytest.raises(NotAllowed):
        services.response_approve(response=drafted, actor=admin_user)
    drafted.refresh_from_db()
    assert drafted.status == SurveyResponse.Status.DRAFT


def test_another_administrator_approves(drafted, second_admin):
    services.response_approve(response=drafted, actor=second_admin)
    drafted.refresh_from_db()
    assert drafted.status == "approved" and drafted.approved_by == second_admin


def test_with_the_setting_off_the_drafter_may_approve(drafted, admin_user, settings):
    settings.PORTAL_FOUR_EYES_APPROVAL = False
    services.response_approve(response=drafted, actor=admin_user)
    drafted.refresh_from_db()
    assert drafted.status == "approved"


def test_approving_without_the_confirmation_is_refused(drafted, cycle, second_admin, client_as):
    url = reverse("followup:response_action", args=[cycle.fiscal_year, "approve"])
    client = client_as(second_admin)
    assert client.post(url).status_code == 302
    drafted.refresh_from_db()
    assert drafted.status == "draft"
    client.post(url, {"confirm": "1"})
    drafted.refresh_from_db()
    assert drafted.status == "approved"
