"""Every page of the app for every persona: 200 / 302 (login) / 403 / 404, and 405."""

import pytest
from django.urls import reverse

from tests.disclosures.factories import (
    accepted_disclosure,
    draft_for,
    open_campaign,
    org,
    side_job,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "researcher", "other_researcher", "reviewer", "staff", "admin",
            "outsider"]


@pytest.fixture
def world(researcher, reviewer, admin_user):
    accepted = accepted_disclosure(researcher, reviewer, ("position", side_job(org())))
    draft_for(researcher)  # an update in progress
    campaign = open_campaign(admin_user)
    return {"disclosure": accepted.disclosure, "version": accepted, "campaign": campaign}


def _matrix(client_as, personas, url, method="get"):
    result = {}
    for name in PERSONAS:
        user = None if name == "anonymous" else personas[name]
        response = getattr(client_as(user), method)(url)
        result[name] = response.status_code
    return result


# anon, alice, bob, charlie (reviewer of Alice's department), staff, admin, outsider
OWN_ONLY = dict(zip(PERSONAS, [302, 200, 200, 200, 403, 403, 403], strict=True))


@pytest.mark.parametrize("name", ["disclosures:mine", "disclosures:imports",
                                  "disclosures:applications"])
def test_researcher_pages(client_as, personas, world, name):
    expected = dict(OWN_ONLY)
    if name == "disclosures:mine":
        expected["researcher"] = 302  # Alice has a disclosure: sent to its page
    assert _matrix(client_as, personas, reverse(name)) == expected


def test_edit_page(client_as, personas, world):
    # Only Alice has a draft: the others with the researcher role are sent to their page.
    got = _matrix(client_as, personas, reverse("disclosures:edit"))
    assert got == {**OWN_ONLY, "other_researcher": 302, "reviewer": 302}


@pytest.mark.parametrize("suffix", ["", "diff/", "viewers/"])
def test_disclosure_pages(client_as, personas, world, suffix):
    url = reverse("disclosures:detail", args=[world["disclosure"].public_id]) + suffix
    assert _matrix(client_as, personas, url) == dict(zip(
        PERSONAS, [302, 200, 404, 200, 200, 200, 403], strict=True))
    assert client_as(personas["researcher"]).post(url).status_code == 405


def test_campaign_detail(client_as, personas, world):
    url = reverse("disclosures:campaign_detail", args=[world["campaign"].public_id])
    assert _matrix(client_as, personas, url) == dict(zip(
        PERSONAS, [302, 403, 403, 403, 200, 200, 403], strict=True))
    close = reverse("disclosures:campaign_close", args=[world["campaign"].public_id])
    assert client_as(personas["staff"]).post(close).status_code == 403
    assert client_as(personas["admin"]).get(close).status_code == 405


def test_index_sends_each_persona_to_their_page(client_as, personas, world):
    got = _matrix(client_as, personas, reverse("disclosures:index"))
    assert got == dict(zip(PERSONAS, [302, 302, 302, 302, 302, 302, 403], strict=True))
    assert client_as(personas["staff"]).get(reverse("disclosures:index"))["Location"] == \
        reverse("disclosures:queue")


def test_item_endpoints_are_the_owners_only(client_as, personas, world):
    section = reverse("disclosures:item_add", args=["position"])
    got = _matrix(client_as, personas, section)
    assert got == {**OWN_ONLY, "other_researcher": 404, "reviewer": 404}
    assert client_as(personas["researcher"]).get(
        reverse("disclosures:item_add", args=["nonsense"])).status_code == 404
    assert client_as(personas["researcher"]).put(section).status_code == 405
