"""Assessment forms show what was saved; administrators word the 1–5 scales."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal.models import AuditEntry
from riskmgmt import services
from riskmgmt.models import Case, ScaleLevel

pytestmark = pytest.mark.django_db


def _case(researcher):
    return Case.objects.create(reference="RC-0001", researcher=researcher, concern="other",
                               title="Test case", department=researcher.department)


def _forms(client, case):
    response = client.get(reverse("riskmgmt:case_detail", args=[case.public_id]))
    assert response.status_code == 200
    return response.context["forms"], response.content.decode()


def _post(client, case, action, data):
    return client.post(reverse("riskmgmt:case_action", args=[case.public_id, action]), data)


def test_the_assessment_form_shows_the_saved_likelihood_impact_and_rationale(
        client_as, researcher, staff):
    case = _case(researcher)
    client = client_as(staff)
    assert _post(client, case, "assess", {"likelihood": 4, "impact": 3,
                                          "rationale": "Export-controlled"}).status_code == 302
    forms, _html = _forms(client, case)
    assess = forms["assess"]
    assert (assess["likelihood"].value(), assess["impact"].value()) == (4, 3)
    assert assess["rationale"].value() == "Export-controlled"


def test_the_decision_form_shows_the_saved_decision(client_as, researcher, staff):
    case = _case(researcher)
    services.case_assess(case=case, likelihood=2, impact=2, rationale="r", actor=staff)
    client = client_as(staff)
    assert _post(client, case, "decide", {"decision": "mitigate",
                                          "note": "Training first"}).status_code == 302
    forms, _html = _forms(client, case)
    assert forms["decide"]["decision"].value() == "mitigate"
    assert forms["decide"]["note"].value() == "Training first"


def test_an_undecided_case_offers_no_decision_chosen(client_as, researcher, staff):
    forms, _html = _forms(client_as(staff), _case(researcher))
    assert forms["decide"]["decision"].value() in (None, "")
    assert forms["assess"]["likelihood"].value() is None


def test_each_point_is_shown_with_its_built_in_description(client_as, researcher, staff):
    client = client_as(staff)
    client.cookies["portal_language"] = "en"
    _forms_, html = _forms(client, _case(researcher))
    assert "5 — Almost certain: expected to happen" in html


def test_an_administrator_words_a_point_and_the_forms_show_it(client_as, researcher, staff,
                                                            admin_user):
    response = client_as(admin_user).post(reverse("riskmgmt:scales"), {
        "likelihood_5_ja": "ほぼ確実（既に兆候がある）", "likelihood_5_en": "Almost certain (signs seen)"})
    assert response.status_code == 302
    assert ScaleLevel.objects.get(axis="likelihood", value=5).description_en == \
        "Almost certain (signs seen)"
    assert AuditEntry.objects.filter(action="riskmgmt.scale.changed").count() == 1
    _forms_, html = _forms(client_as(staff), _case(researcher))
    assert "5 — ほぼ確実（既に兆候がある）" in html


def test_clearing_a_point_goes_back_to_the_built_in_wording(admin_user):
    services.scale_levels_save(levels={("impact", 2): ("小", "Small")}, actor=admin_user)
    services.scale_levels_save(levels={("impact", 2): ("", "")}, actor=admin_user)
    from riskmgmt.selectors import scale_descriptions

    assert not ScaleLevel.objects.exists()
    with translation.override("en"):
        assert scale_descriptions("impact")[2] == "Minor: small, easily corrected effects"


@pytest.mark.parametrize("name,expected", [
    ("admin", 200), ("staff", 403), ("reviewer", 403), ("researcher", 403),
])
def test_only_administrators_open_the_scales_page(client_as, personas, name, expected):
    assert client_as(personas[name]).get(reverse("riskmgmt:scales")).status_code == expected


def test_the_case_page_keeps_to_twelve_queries_with_worded_scales(
        client_as, researcher, staff, admin_user, django_assert_max_num_queries):
    services.scale_levels_save(levels={("impact", 2): ("小", "Small")}, actor=admin_user)
    case = _case(researcher)
    client = client_as(staff)
    client.get(reverse("riskmgmt:case_detail", args=[case.public_id]))
    with django_assert_max_num_queries(12):
        client.get(reverse("riskmgmt:case_detail", args=[case.public_id]))
