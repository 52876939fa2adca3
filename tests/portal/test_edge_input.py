"""The findings of the security test, one by one: each hostile value is answered 4xx or ignored,
never with a server error (the fuzz test in test_fuzz.py covers every view; these name them)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disclosures.models import ItemComment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/organisations/search/?q=a%00", "/risk/?q=%00",
                                 "/audit/?actor=%00", "/disclosures/review/?q=%00"])
def test_nul_byte_in_a_query_is_refused_with_400(url, staff, client_as):
    assert client_as(staff).get(url).status_code == 400


def test_nul_byte_in_a_form_value_is_refused_with_400_and_nothing_is_saved(staff, client_as):
    from riskmgmt.models import FundingAgencyInquiry

    response = client_as(staff).post(reverse("riskmgmt:inquiry_create"),
                                     {"programme": "a\x00b", "project_title": "t"})
    assert response.status_code == 400
    assert not FundingAgencyInquiry.objects.exists()


def test_nul_byte_in_the_path_is_refused_with_400(researcher, client_as):
    assert client_as(researcher).get("/disclosures/edit/career%00/").status_code == 400


@pytest.mark.parametrize("query", ["age=²", "age=" + "9" * 30, "department=²", "rule=%C2%B2",
                                   "assignee=" + "9" * 30, "page=" + "9" * 30, "page=nan"])
def test_risk_queue_ignores_a_malformed_filter(query, staff, client_as):
    response = client_as(staff).get("/risk/?" + query)
    assert response.status_code == 200


@pytest.mark.parametrize("fy", ["²", "9" * 30, "-1"])
def test_awareness_completion_ignores_a_malformed_fiscal_year(fy, staff, client_as):
    assert client_as(staff).get(reverse("awareness:completion"), {"fy": fy}).status_code == 200


def test_bulk_assign_with_a_next_that_is_not_a_path_goes_back_to_the_queue(staff, client_as):
    response = client_as(staff).post(reverse("riskmgmt:bulk_assign"), {"next": "nan"})
    assert response.status_code == 302
    assert response["Location"] == reverse("riskmgmt:index")


def test_item_form_with_a_non_uuid_organisation_shows_an_error(researcher, client_as):
    from tests.disclosures.factories import draft_for

    draft = draft_for(researcher)
    response = client_as(researcher).post(
        reverse("disclosures:item_add", args=["position"]),
        {"position-organisation": "not-a-uuid", "position-role": "x",
         "lock_version": draft.lock_version})
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]


def test_review_comment_with_a_section_over_20_characters_is_refused(researcher, staff, client_as):
    from tests.disclosures.factories import submitted_disclosure

    version = submitted_disclosure(researcher)
    response = client_as(staff).post(reverse("disclosures:comment_add", args=[version.public_id]),
                                     {"body": "see", "visibility": "researcher", "section": "s" * 21})
    assert response.status_code == 302
    assert not ItemComment.objects.exists()


@pytest.mark.parametrize("content,message", [
    (b"\xff\xfe\x00\x01binary", "UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "入れ子が深すぎる"),
    (b'{"a": 1}\x00', "バイナリファイル"),
])
def test_researchmap_import_of_a_malformed_file_shows_an_error(
        content, message, researcher, client_as, django_capture_on_commit_callbacks):
    """The upload is refused by the import pipeline's check (run after commit for a large
    file), with what is wrong with the file."""
    client = client_as(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("disclosures:imports"),
                               {"file": SimpleUploadedFile("rm.json", content)})
    page = client.get(response["Location"])
    upload = page.context["upload"]
    assert (page.status_code, upload.status) == (200, "invalid")
    assert message in upload.message


def test_import_form_has_no_clear_checkbox_to_send_false(researcher, client_as):
    response = client_as(researcher).post(reverse("disclosures:imports"), {"file-clear": "on"})
    assert response.status_code == 200
