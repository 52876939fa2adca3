"""Declarations: versioned like a disclosure, signed with consent; reached only by their
member (or the office); external members through their link."""
import pytest
from django.urls import reverse

from portal.errors import ValidationFailed
from riskmgmt.duediligence import services
from riskmgmt.duediligence.models import DeclarationVersion
from tests.riskmgmt import factories as rf
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db


def _url(member):
    return reverse("duediligence:declaration", args=[member.declaration.public_id])


def test_signing_needs_consent(staff):
    m = f.member(f.project(staff), staff, name="Jane Roe")
    with pytest.raises(ValidationFailed):
        services.declaration_sign(declaration=m.declaration, consent=False, signed_name="Jane")


def test_a_correction_after_signing_makes_a_new_version_that_supersedes_it_when_signed(staff):
    m = f.member(f.project(staff), staff, name="Jane Roe")
    services.declaration_sign(declaration=m.declaration, consent=True, signed_name="Jane Roe")
    services.declaration_save(declaration=m.declaration, content={"disciplinary": {"answer": "no"}})
    services.declaration_sign(declaration=m.declaration, consent=True, signed_name="Jane Roe")
    assert list(m.declaration.versions.order_by("number").values_list("status", flat=True)) == [
        DeclarationVersion.Status.SUPERSEDED, DeclarationVersion.Status.SIGNED]


def test_a_member_opens_their_own_declaration(researcher, staff, client_as):
    m = f.member(f.project(staff), staff, user=researcher)
    assert client_as(researcher).get(_url(m)).status_code == 200


def test_a_member_cannot_open_another_members_declaration(researcher, other_researcher, staff,
                                                          client_as):
    project = f.project(staff)
    f.member(project, staff, user=researcher)
    other = f.member(project, staff, user=other_researcher)
    assert client_as(researcher).get(_url(other)).status_code == 404


def test_a_partner_institutions_member_sees_only_their_own(researcher, other_researcher, staff,
                                                           client_as):
    partner = rf.org("Partner University", "協力大学", country="JP")
    project = f.project(staff, partners=[partner])
    mine = f.member(project, staff, user=other_researcher, role="partner_senior",
                    institution=partner)
    theirs = f.member(project, staff, user=researcher)
    client = client_as(other_researcher)
    assert (client.get(_url(mine)).status_code, client.get(_url(theirs)).status_code) == (200, 404)


def test_a_member_cannot_open_the_project_page(researcher, staff, client_as):
    project = f.project(staff)
    f.member(project, staff, user=researcher)
    url = reverse("duediligence:project_detail", args=[project.public_id])
    assert client_as(researcher).get(url).status_code == 403


def test_staff_open_any_declaration(researcher, staff, client_as):
    m = f.member(f.project(staff), staff, user=researcher)
    assert client_as(staff).get(_url(m)).status_code == 200


def test_an_external_member_opens_their_declaration_by_link(staff, client):
    m = f.member(f.project(staff), staff, name="Jane Roe")
    url = reverse("duediligence:declaration_link", args=[m.access_token])
    assert client.get(url).status_code == 200


def test_a_wrong_link_is_not_found(staff, client):
    f.member(f.project(staff), staff, name="Jane Roe")
    assert client.get(reverse("duediligence:declaration_link", args=["nope"])).status_code == 404


def test_an_external_member_signs_through_the_link(staff, client):
    m = f.member(f.project(staff), staff, name="Jane Roe")
    url = reverse("duediligence:declaration_link", args=[m.access_token])
    response = client.post(url, {"action": "sign", "consent": "on", "signed_name": "Jane Roe",
                                 "career-0-organisation": "Example Lab"})
    m.declaration.refresh_from_db()
    assert (response.status_code, m.declaration.signed_version.content["career"][0]["organisation"]) \
        == (302, "Example Lab")


def test_the_project_page_reads_in_few_queries(staff, client_as, django_assert_max_num_queries):
    project = f.project(staff)
    for i in range(5):
        f.member(project, staff, name=f"Member {i}")
    services.project_check(project=project)
    client = client_as(staff)
    url = reverse("duediligence:project_detail", args=[project.public_id])
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


def _consent(language):
    from django.utils import translation

    from riskmgmt.duediligence.items import CONSENT_TEXT

    with translation.override(language):
        return str(CONSENT_TEXT)


def test_an_english_reader_is_asked_for_consent_in_english(researcher, staff, client_as):
    m = f.member(f.project(staff), staff, user=researcher)
    page = client_as(researcher).get(_url(m), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _consent("en") in page


def test_a_member_is_asked_for_consent_in_japanese_by_default(researcher, staff, client_as):
    m = f.member(f.project(staff), staff, user=researcher)
    page = client_as(researcher).get(_url(m), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert (_consent("ja") in page, _consent("ja") != _consent("en")) == (True, True)


def test_a_signature_keeps_the_consent_in_the_language_it_was_given_in(staff, client):
    m = f.member(f.project(staff), staff, name="Jane Roe")
    url = reverse("duediligence:declaration_link", args=[m.access_token])
    client.post(url, {"action": "sign", "consent": "on", "signed_name": "Jane Roe"},
                HTTP_ACCEPT_LANGUAGE="en")
    m.declaration.refresh_from_db()
    assert m.declaration.signed_version.consent_text == _consent("en")


def test_the_administrator_registers_the_items_a_programme_asks_for(admin_user, client_as):
    from riskmgmt.duediligence.models import Programme

    response = client_as(admin_user).post(reverse("duediligence:programme_create"), {
        "agency_name": "防衛装備庁", "name_ja": "安全保障技術研究推進制度", "fiscal_year": "2026",
        "form_kind": "mod_anzen", "requires_list_check": "on",
        "items_asked": ["education", "publications"]})
    assert (response.status_code, Programme.objects.get().required_items) == (
        302, ["education", "publications"])
