import datetime as dt

import pytest
from django.urls import reverse

from disclosures import services
from disclosures.models import Disclosure, ItemComment, PositionItem
from portal.models import AuditEntry, Organisation
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

PERSONAS = ["researcher", "other_researcher", "reviewer", "staff", "admin", "outsider"]


def _status(client_as, user, url, method="get", data=None):
    client = client_as(user)
    return getattr(client, method)(url, data or {}).status_code


@pytest.fixture
def submitted(researcher):
    return submitted_disclosure(researcher, ("position", side_job(org())))


def test_detail_permission_matrix(personas, client_as, submitted):
    url = reverse("disclosures:detail", args=[submitted.disclosure.public_id])
    expected = {"researcher": 200, "other_researcher": 404, "reviewer": 200, "staff": 200,
                "admin": 200, "outsider": 403}
    got = {name: _status(client_as, personas[name], url) for name in PERSONAS}
    assert got == expected
    assert _status(client_as, personas["researcher"], url, "post") == 405


def test_staff_never_see_a_draft(personas, client_as, researcher):
    draft = draft_for(researcher)
    url = reverse("disclosures:detail", args=[draft.disclosure.public_id])
    response = client_as(personas["staff"]).get(url)
    assert response.status_code == 200
    assert "Nothing has been submitted yet." in response.content.decode() or \
        "まだ何も提出されていません" in response.content.decode()
    assert _status(client_as, personas["staff"], url + "?v=1") == 404


def test_edit_permission_matrix(personas, client_as):
    url = reverse("disclosures:mine")
    expected = {"researcher": 200, "other_researcher": 200, "reviewer": 200, "staff": 403,
                "admin": 403, "outsider": 403}
    assert {n: _status(client_as, personas[n], url) for n in PERSONAS} == expected


def test_queue_permission_matrix_and_scope(personas, client_as, submitted, other_researcher):
    submitted_disclosure(other_researcher)
    url = reverse("disclosures:queue")
    expected = {"researcher": 403, "other_researcher": 403, "reviewer": 200, "staff": 200,
                "admin": 200, "outsider": 403}
    assert {n: _status(client_as, personas[n], url) for n in PERSONAS} == expected
    reviewer_page = client_as(personas["reviewer"]).get(url).content.decode()
    assert "有栖" in reviewer_page and "坊" not in reviewer_page
    staff_page = client_as(personas["staff"]).get(url).content.decode()
    assert "有栖" in staff_page and "坊" in staff_page
    filtered = client_as(personas["staff"]).get(url, {"q": "bob"}).content.decode()
    assert "坊" in filtered and "有栖" not in filtered


def test_campaign_pages_permission_matrix(personas, client_as):
    url = reverse("disclosures:campaigns")
    expected = {"researcher": 403, "other_researcher": 403, "reviewer": 403, "staff": 200,
                "admin": 200, "outsider": 403}
    assert {n: _status(client_as, personas[n], url) for n in PERSONAS} == expected
    data = {"fiscal_year": 2026, "due_date": "2099-03-31", "title": "", "message": ""}
    assert _status(client_as, personas["staff"], url, "post", data) == 403
    assert _status(client_as, personas["admin"], url, "post", data) == 302


def test_review_actions_permission_matrix(personas, client_as, submitted):
    expected = {"researcher": 403, "other_researcher": 403, "reviewer": 302, "staff": 302,
                "admin": 302, "outsider": 403}
    got = {}
    for name in PERSONAS:
        url = reverse("disclosures:review_action", args=[submitted.public_id, "start"])
        got[name] = _status(client_as, personas[name], url, "post")
        submitted.refresh_from_db()
        if submitted.status == "under_review":
            submitted.status = "submitted"
            submitted.save(update_fields=["status"])
    assert got == expected
    url = reverse("disclosures:review_action", args=[submitted.public_id, "start"])
    assert _status(client_as, personas["reviewer"], url) == 405


def test_reviewer_outside_scope_gets_404(client_as, reviewer, other_researcher):
    version = submitted_disclosure(other_researcher)
    client = client_as(reviewer)
    assert client.get(reverse("disclosures:detail", args=[version.disclosure.public_id])
                      ).status_code == 404
    assert client.post(reverse("disclosures:review_action", args=[version.public_id, "accept"])
                       ).status_code == 404


def test_staff_reads_are_logged_and_shown_to_the_researcher(client_as, researcher, staff,
                                                            submitted):
    url = reverse("disclosures:detail", args=[submitted.disclosure.public_id])
    client_as(staff).get(url)
    client_as(researcher).get(url)
    views = AuditEntry.objects.filter(action="disclosures.disclosure.viewed")
    assert [e.actor for e in views] == [staff]
    page = client_as(researcher).get(reverse("disclosures:viewers",
                                             args=[submitted.disclosure.public_id]))
    assert staff.display_name in page.content.decode()


def test_internal_comments_are_hidden_from_the_researcher(client_as, researcher, reviewer,
                                                          submitted):
    key = submitted.content["sections"]["position"][0]["key"]
    client = client_as(reviewer)
    url = reverse("disclosures:comment_add", args=[submitted.public_id])
    client.post(url, {"body": "Check the approval date", "visibility": "researcher",
                      "item_key": key, "section": "position"})
    client.post(url, {"body": "Known company, low risk", "visibility": "internal",
                      "item_key": key, "section": "position"})
    assert ItemComment.objects.count() == 2
    detail = reverse("disclosures:detail", args=[submitted.disclosure.public_id])
    own = client_as(researcher).get(detail).content.decode()
    assert "Check the approval date" in own and "Known company" not in own
    staff_view = client.get(detail).content.decode()
    assert "Known company" in staff_view


def test_researcher_cannot_post_comments(client_as, researcher, submitted):
    url = reverse("disclosures:comment_add", args=[submitted.public_id])
    response = client_as(researcher).post(url, {"body": "x", "visibility": "researcher"})
    assert response.status_code == 403


def test_item_add_through_htmx_returns_the_section(client_as, researcher):
    draft = draft_for(researcher)
    company = org("Acme Robotics Inc.")
    client = client_as(researcher)
    response = client.post(
        reverse("disclosures:item_add", args=["position"]),
        {"position-organisation": str(company.public_id), "position-role": "Adviser",
         "position-paid": "on", "position-remuneration_band": "lt1m",
         "position-effort_percent": "5", "position-country": "US",
         "position-start_date": "2024-04-01", "lock_version": draft.lock_version},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Robotics Inc." in body and 'id="lock-version"' in body and "hx-swap-oob" in body
    assert PositionItem.objects.filter(version=draft, role="Adviser").exists()


def test_validation_error_keeps_what_was_typed(client_as, researcher):
    draft = draft_for(researcher)
    company = org("Acme Robotics Inc.")
    response = client_as(researcher).post(
        reverse("disclosures:item_add", args=["position"]),
        {"position-organisation": str(company.public_id), "position-role": "Typed role text",
         "position-paid": "on", "position-remuneration_band": "",
         "position-start_date": "2024-04-01", "position-end_date": "2023-01-01",
         "lock_version": draft.lock_version},
        HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Typed role text" in body
    assert "errorlist" in body
    assert not PositionItem.objects.exists()


def test_stale_page_save_is_refused_with_409(client_as, researcher):
    draft = draft_for(researcher)
    item = add_item(researcher, "position", side_job(org()))
    response = client_as(researcher).post(
        reverse("disclosures:item_edit", args=["position", item.item_key]),
        {"position-organisation": str(item.organisation.public_id), "position-role": "Late",
         "position-start_date": "2024-04-01", "lock_version": draft.lock_version},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert PositionItem.objects.get(pk=item.pk).role == "Technical adviser"
    # Without htmx too: the message, the item as saved, then the form with what was typed.
    body = response.content.decode()
    assert "Your change was not saved" in body
    assert body.index(f'id="item-{item.item_key}"') < body.index('value="Late"')


def test_new_organisation_typed_in_the_form_goes_to_the_registry(client_as, researcher):
    draft = draft_for(researcher)
    client_as(researcher).post(
        reverse("disclosures:item_add", args=["career"]),
        {"career-new_organisation_name_ja": "架空研究所", "career-new_organisation_name_en":
         "Imaginary Institute", "career-new_organisation_country": "DE",
         "career-position": "Postdoc", "career-country": "DE", "lock_version": draft.lock_version})
    created = Organisation.objects.get(name_en="Imaginary Institute")
    assert created.country.code == "DE" and created.created_by == researcher
    draft.refresh_from_db()
    assert draft.content["sections"]["career"][0]["values"]["organisation"]["name_ja"] == "架空研究所"


def test_a_refused_item_leaves_no_new_organisation_in_the_registry(client_as, researcher):
    draft = draft_for(researcher)
    response = client_as(researcher).post(
        reverse("disclosures:item_add", args=["career"]),
        {"career-new_organisation_name_ja": "架空研究所", "career-new_organisation_name_en":
         "Imaginary Institute", "career-new_organisation_country": "DE",
         "career-position": "Postdoc", "career-country": "DE",
         "lock_version": draft.lock_version - 1})  # stale: the item is refused
    assert response.status_code == 409
    assert not Organisation.objects.filter(name_en="Imaginary Institute").exists()


def test_an_over_committed_item_leaves_no_new_organisation_in_the_registry(client_as,
                                                                           researcher):
    from decimal import Decimal

    from tests.disclosures.factories import foreign_grant

    add_item(researcher, "funding", foreign_grant(org("Big Grant"), effort_percent=Decimal("80")))
    draft = draft_for(researcher)
    response = client_as(researcher).post(
        reverse("disclosures:item_add", args=["funding"]),
        {"funding-new_organisation_name_en": "Overcommit Foundation",
         "funding-new_organisation_country": "US", "funding-programme": "P",
         "funding-project_title": "T", "funding-role": "pi", "funding-status": "received",
         "funding-effort_percent": "30", "funding-country": "US", "funding-currency": "USD",
         "funding-amount": "1000",
         "lock_version": draft.lock_version})
    assert response.status_code == 200
    assert not Organisation.objects.filter(name_en="Overcommit Foundation").exists()


def test_submit_flow_and_diff_page(client_as, researcher, reviewer):
    item = add_item(researcher, "position", side_job(org("Acme")))
    client = client_as(researcher)
    draft = draft_for(researcher)
    response = client.post(reverse("disclosures:submit"),
                           {"attest": "", "lock_version": draft.lock_version})
    assert response.status_code == 200  # refused without attestation, form shown again
    response = client.post(reverse("disclosures:submit"),
                           {"attest": "on", "lock_version": draft.lock_version})
    assert response.status_code == 302
    v1 = Disclosure.objects.get(owner=researcher).current_version
    services.version_return(version=v1, actor=reviewer, comment="Add the end date")
    client.post(reverse("disclosures:update_start"))
    v2 = draft_for(researcher)
    edited = PositionItem.objects.get(version=v2, item_key=item.item_key)
    edited.end_date = dt.date(2026, 3, 31)
    services.item_save(version=v2, section_code="position", item=edited, actor=researcher,
                       lock_version=v2.lock_version)
    services.version_submit(version=v2, actor=researcher, attest=True,
                            lock_version=v2.lock_version)
    page = client.get(reverse("disclosures:diff", args=[v2.disclosure.public_id]),
                      {"a": 1, "b": 2}).content.decode()
    assert "2026年3月31日" in page and 'data-testid="diff-changed"' in page


def test_disclosure_page_query_count_does_not_grow_with_history(
        client_as, researcher, reviewer, staff, django_assert_max_num_queries):
    for n in range(4):
        add_item(researcher, "position", side_job(org(f"Company {n}"),
                                                  effort_percent=None, role=f"Role {n}"))
        version = submitted_disclosure(researcher)
        services.version_accept(version=version, actor=reviewer)
    url = reverse("disclosures:detail", args=[version.disclosure.public_id])
    for user in (researcher, staff):
        client = client_as(user)
        client.get(url)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_dashboard_widgets_keep_to_two_queries_whatever_the_history(
        rf, researcher, reviewer, admin_user, django_assert_max_num_queries):
    from disclosures.dashboard import researcher_widget
    from tests.disclosures.factories import open_campaign

    open_campaign(admin_user)
    for _n in range(3):
        accepted_disclosure(researcher, reviewer, ("funding", foreign_grant(org())))
    request = rf.get("/")
    request.user = researcher
    with django_assert_max_num_queries(2):
        widget = researcher_widget(request)
    assert widget.context["disclosure"].current_version.number == 3
    assert widget.context["answered"] is True


def test_dashboard_page_shows_the_disclosure_widget(client_as, researcher):
    draft_for(researcher)
    page = client_as(researcher).get(reverse("portal:dashboard")).content.decode()
    assert reverse("disclosures:detail", args=[draft_for(researcher).disclosure.public_id]) in page


def test_edit_page_query_count(client_as, researcher, django_assert_max_num_queries):
    for n in range(5):
        add_item(researcher, "position", side_job(org(f"C{n}"), effort_percent=None))
    client = client_as(researcher)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("disclosures:edit")).status_code == 200


def test_no_change_button_confirms_within_the_open_campaign(client_as, researcher, reviewer,
                                                           admin_user):
    from tests.disclosures.factories import open_campaign

    v1 = accepted_disclosure(researcher, reviewer, ("position", side_job(org())))
    open_campaign(admin_user)
    client = client_as(researcher)
    detail = reverse("disclosures:detail", args=[v1.disclosure.public_id])
    assert 'data-testid="no-change-form"' in client.get(detail).content.decode()
    client.post(reverse("disclosures:no_change"), {"attest": ""})
    assert v1.disclosure.versions.count() == 1  # refused without the attestation
    response = client.post(reverse("disclosures:no_change"), {"attest": "on"})
    assert response.status_code == 302
    latest = v1.disclosure.versions.order_by("-number").first()
    assert (latest.number, latest.kind, latest.status) == (2, "no_change", "accepted")
    assert 'data-testid="no-change-form"' not in client.get(detail).content.decode()


def test_removing_an_item_through_htmx(client_as, researcher):
    item = add_item(researcher, "position", side_job(org("Gone Co")))
    draft = draft_for(researcher)
    response = client_as(researcher).post(
        reverse("disclosures:item_delete", args=["position", item.item_key]),
        {"lock_version": draft.lock_version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Gone Co" not in response.content.decode()
    assert not PositionItem.objects.filter(version=draft).exists()


def test_queue_filters_return_the_table_partial_for_htmx(client_as, staff, researcher):
    submitted_disclosure(researcher)
    response = client_as(staff).get(reverse("disclosures:queue"), {"status": "submitted"},
                                    HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'data-testid="queue-row"' in body


def test_item_comments_of_a_returned_version_show_in_the_next_draft(client_as, researcher,
                                                                     reviewer):
    version = submitted_disclosure(researcher, ("position", side_job(org())))
    key = version.content["sections"]["position"][0]["key"]
    services.comment_add(version=version, actor=reviewer, body="Approval letter missing",
                         visibility="researcher", section="position", item_key=key)
    services.comment_add(version=version, actor=reviewer, body="Internal note",
                         visibility="internal", section="position", item_key=key)
    services.version_return(version=version, actor=reviewer, comment="See the item comments")
    draft_for(researcher)
    page = client_as(researcher).get(reverse("disclosures:edit")).content.decode()
    assert "Approval letter missing" in page and "Internal note" not in page
    assert "See the item comments" in page


def test_queue_filters_by_status_department_and_sorts(client_as, staff, researcher,
                                                      other_researcher, reviewer, departments):
    v1 = submitted_disclosure(researcher)
    services.version_accept(version=v1, actor=reviewer)
    submitted_disclosure(other_researcher)
    client = client_as(staff)
    url = reverse("disclosures:queue")
    waiting = client.get(url).content.decode()
    assert "坊" in waiting and "有栖" not in waiting  # accepted ones are not waiting
    accepted = client.get(url, {"status": "accepted"}).content.decode()
    assert "有栖" in accepted and "坊" not in accepted
    by_dept = client.get(url, {"status": "accepted",
                               "department": str(departments["chem"].public_id)}).content.decode()
    assert "有栖" not in by_dept
    assert client.get(url, {"order": "-submitted"}).status_code == 200
    assert client.get(url, {"order": "nonsense"}).status_code == 200


def test_stale_htmx_save_keeps_what_was_typed_under_the_item_as_saved(client_as, researcher):
    item = add_item(researcher, "position", side_job(org("Acme")))
    draft = draft_for(researcher)
    page_lock = draft.lock_version  # the form was opened at this point
    saved = PositionItem.objects.get(pk=item.pk)
    saved.role = "Chief adviser"  # saved meanwhile in another window
    services.item_save(version=draft, section_code="position", item=saved, actor=researcher,
                       lock_version=page_lock)
    response = client_as(researcher).post(
        reverse("disclosures:item_edit", args=["position", item.item_key]),
        {"position-organisation": str(item.organisation.public_id),
         "position-role": "Typed in the stale form", "position-start_date": "2024-04-01",
         "lock_version": page_lock}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200  # htmx swaps only 2xx answers
    body = response.content.decode()
    assert 'data-testid="section-error"' in body and "Your change was not saved" in body
    # The item as saved now comes first, then the form with what was typed.
    assert f'id="item-{item.item_key}"' in body
    assert body.index("Chief adviser") < body.index('value="Typed in the stale form"')
    assert 'hx-swap-oob="true"' in body  # the page now holds the current lock
    assert PositionItem.objects.get(pk=item.pk).role == "Chief adviser"


def test_disclosure_page_shows_the_requested_or_current_version(client_as, researcher, staff,
                                                                 reviewer):
    v1 = submitted_disclosure(researcher, ("position", side_job(org("First Co"))))
    services.version_accept(version=v1, actor=reviewer)
    client_as(researcher).post(reverse("disclosures:update_start"))
    add_item(researcher, "position", side_job(org("Draft Co"), effort_percent=None))
    url = reverse("disclosures:detail", args=[v1.disclosure.public_id])
    own = client_as(researcher)
    assert "Draft Co" in own.get(url).content.decode()  # the owner's current version: the draft
    assert "Draft Co" not in own.get(url, {"v": 1}).content.decode()
    staff_client = client_as(staff)
    page = staff_client.get(url).content.decode()  # staff: the newest submitted version
    assert "First Co" in page and "Draft Co" not in page
    assert staff_client.get(url, {"v": 2}).status_code == 404
    assert staff_client.get(url, {"v": "x"}).status_code == 404


def test_disclosure_page_labels_follow_the_reader_language(client_as, researcher):
    submitted_disclosure(researcher, ("position", side_job(org("Acme"))),
                         ("funding", foreign_grant(org("Fund"))))
    url = reverse("disclosures:detail",
                  args=[Disclosure.objects.get(owner=researcher).public_id])
    client = client_as(researcher)
    for language, expected, absent in (
            ("en", ["paid", "Yes", "United States of America", "Principal investigator",
                    "¥1–5 million a year", "Submitted"], ["有償"]),
            ("ja", ["有償", "はい", "アメリカ合衆国", "年100万〜500万円"], ["Principal investigator"]),
            ("en", ["Yes", "United States of America"], ["はい", "アメリカ合衆国"])):
        client.cookies["portal_language"] = language
        page = client.get(url).content.decode()
        for text in expected:
            assert text in page, (language, text)
        for text in absent:
            assert text not in page, (language, text)


def test_department_reviewer_opens_their_own_disclosure_and_those_in_scope_only(
        client_as, reviewer, researcher, other_researcher):
    own = submitted_disclosure(reviewer, ("position", side_job(org("Own Co"))))
    in_scope = submitted_disclosure(researcher, ("position", side_job(org("Eng Co"))))
    outside = submitted_disclosure(other_researcher, ("position", side_job(org("Chem Co"))))
    client = client_as(reviewer)
    for version, status in ((own, 200), (in_scope, 200), (outside, 404)):
        url = reverse("disclosures:detail", args=[version.disclosure.public_id])
        assert client.get(url).status_code == status


def test_queue_filter_selects_keep_the_chosen_options(client_as, staff, departments):
    chem = departments["chem"]
    page = client_as(staff).get(reverse("disclosures:queue"),
                                {"status": "accepted", "department": str(chem.public_id),
                                 "order": "-submitted"}).content.decode()
    assert '<option value="accepted" selected>' in page
    assert f'<option value="{chem.public_id}" selected>' in page
    assert '<option value="-submitted" selected>' in page
    assert page.count(" selected>") == 3


def test_what_a_researcher_typed_is_shown_escaped_on_every_page_that_lists_items(
        client_as, researcher, staff):
    """Item fields are escaped in Python (disclosures.sections), not by the template: typed
    markup must come out as text on the disclosure page, the editor and the submit page."""
    evil = '<script>alert("x")</script> & <b>bold</b>'
    add_item(researcher, "position", side_job(org('Acme <img src=x onerror="y">'),
                                              role=evil, notes=evil))
    client = client_as(researcher)
    pages = [client.get(reverse("disclosures:edit")), client.get(reverse("disclosures:submit"))]
    submitted_disclosure(researcher)
    url = reverse("disclosures:detail",
                  args=[Disclosure.objects.get(owner=researcher).public_id])
    pages += [client.get(url), client_as(staff).get(url)]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>alert" not in html and "<b>bold</b>" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html


def test_removal_from_a_stale_page_is_refused_and_shows_the_draft_as_saved(client_as,
                                                                          researcher):
    item = add_item(researcher, "position", side_job(org("Kept Co")))
    stale_lock = draft_for(researcher).lock_version
    add_item(researcher, "position", side_job(org("Added Elsewhere Co")))  # another window
    client = client_as(researcher)
    url = reverse("disclosures:item_delete", args=["position", item.item_key])
    response = client.post(url, {"lock_version": stale_lock}, HTTP_HX_REQUEST="true",
                           HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200 and "Nothing was removed" in body
    assert "Kept Co" in body and "Added Elsewhere Co" in body
    assert PositionItem.objects.filter(pk=item.pk).exists()
    # Without htmx: back to the editor, with the same message.
    response = client.post(url, {"lock_version": stale_lock}, HTTP_ACCEPT_LANGUAGE="en",
                           follow=True)
    assert "Nothing was removed" in response.content.decode()
    assert PositionItem.objects.filter(pk=item.pk).exists()


def test_queue_search_finds_researchers_by_any_name_or_email(client_as, staff, researcher,
                                                            other_researcher):
    submitted_disclosure(researcher)
    submitted_disclosure(other_researcher)
    client = client_as(staff)
    url = reverse("disclosures:queue")
    for query in ("有栖", "アリス", researcher.family_name_en.upper(), "ALICE@EXAMPLE"):
        page = client.get(url, {"q": query}).content.decode()
        assert "有栖" in page and "坊" not in page, query
