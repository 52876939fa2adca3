"""The department reviewer's page: flags and risk, changes since the last accepted version, one
next action per state, unchanged resubmissions refused."""

import pytest
from django.urls import reverse
from django.utils import translation

from disclosures import services
from portal.errors import ValidationFailed
from riskmgmt.services import version_evaluate
from tests.disclosures.factories import (
    accepted_disclosure,
    add_item,
    draft_for,
    foreign_grant,
    org,
    side_job,
    submitted_disclosure,
)

pytestmark = pytest.mark.django_db


def page(client, version):
    url = reverse("disclosures:detail", args=[version.disclosure.public_id])
    response = client.get(url, {"v": version.number})
    assert response.status_code == 200
    return response.content.decode()


def test_a_submitted_version_offers_only_taking_it_up(client_as, researcher, reviewer):
    version = submitted_disclosure(researcher, ("position", side_job(org())))
    html = page(client_as(reviewer), version)
    assert 'data-testid="review-start"' in html
    assert 'data-testid="review-accept"' not in html


def test_a_version_under_review_offers_accepting_or_returning_it(client_as, researcher,
                                                                 reviewer):
    version = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_review_start(version=version, actor=reviewer)
    html = page(client_as(reviewer), version)
    assert 'data-testid="review-accept"' in html and 'data-testid="review-return"' in html
    assert 'data-testid="review-start"' not in html


def test_the_reviewer_sees_the_flags_of_the_version_with_their_case(client_as, researcher,
                                                                    reviewer):
    version = submitted_disclosure(researcher, ("funding", foreign_grant(org("Foreign Fund"))))
    [flag] = [f for f in version_evaluate(version_id=version.pk)
              if f.rule.code == "foreign_support"]
    html = page(client_as(reviewer), version)
    assert 'data-testid="version-flag"' in html
    assert flag.case.reference in html
    assert reverse("riskmgmt:case_detail", args=[flag.case.public_id]) in html


def test_the_researcher_does_not_see_the_flags_of_their_own_disclosure(client_as, researcher):
    version = submitted_disclosure(researcher, ("funding", foreign_grant(org("Foreign Fund"))))
    version_evaluate(version_id=version.pk)
    html = page(client_as(researcher), version)
    assert 'data-testid="version-flag"' not in html
    assert 'data-testid="risk-summary"' not in html


def test_the_reviewer_sees_what_changed_since_the_last_accepted_version(client_as, researcher,
                                                                        reviewer):
    accepted_disclosure(researcher, reviewer, ("position", side_job(org(), role="Adviser")))
    add_item(researcher, "position", side_job(org("Second Corp"), role="Board member",
                                              effort_percent=None))
    draft = draft_for(researcher)
    version = services.version_submit(version=draft, actor=researcher, attest=True,
                                      lock_version=draft.lock_version)
    html = page(client_as(reviewer), version)
    assert 'data-testid="changes-since-accepted"' in html
    assert 'data-testid="diff-added"' in html and "Board member" in html
    assert 'data-testid="no-changes"' not in html


def test_an_unchanged_resubmission_after_a_return_is_refused(researcher, reviewer):
    version = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_return(version=version, actor=reviewer, comment="Add the contract")
    draft = draft_for(researcher)
    with translation.override("en"), pytest.raises(
            ValidationFailed, match="Nothing has changed since version 1"):
        services.version_submit(version=draft, actor=researcher, attest=True,
                                lock_version=draft.lock_version)


def test_the_submit_page_says_that_nothing_changed(client_as, researcher, reviewer):
    version = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_return(version=version, actor=reviewer, comment="Add the contract")
    draft = draft_for(researcher)
    client = client_as(researcher)
    client.cookies["portal_language"] = "en"
    response = client.post(reverse("disclosures:submit"),
                           {"attest": "on", "lock_version": draft.lock_version})
    assert response.status_code == 200
    assert "Nothing has changed since version 1" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_an_unchanged_annual_update_goes_to_review_saying_nothing_changed(
        client_as, researcher, reviewer, admin_user):
    from disclosures.models import DisclosureVersion
    from tests.disclosures.factories import open_campaign

    accepted_disclosure(researcher, reviewer, ("position", side_job(org())))
    open_campaign(admin_user)
    draft = draft_for(researcher)
    assert draft.kind == DisclosureVersion.Kind.ANNUAL_UPDATE
    version = services.version_submit(version=draft, actor=researcher, attest=True,
                                      lock_version=draft.lock_version)
    html = page(client_as(reviewer), version)
    assert 'data-testid="no-changes"' in html


def test_the_reviewers_page_keeps_to_twelve_queries(client_as, researcher, reviewer,
                                                    django_assert_max_num_queries):
    for n in range(3):
        add_item(researcher, "funding", foreign_grant(org(f"Foreign Fund {n}"),
                                                      effort_percent=5))
        version = submitted_disclosure(researcher)
        version_evaluate(version_id=version.pk)
        if n < 2:
            services.version_accept(version=version, actor=reviewer)
    client = client_as(reviewer)
    url = reverse("disclosures:detail", args=[version.disclosure.public_id])
    client.get(url)
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert 'data-testid="version-flag"' in html and 'data-testid="diff-added"' in html
