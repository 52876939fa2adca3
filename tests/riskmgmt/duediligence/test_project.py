"""The office's side of a project: the programme register, mitigation measures (riskmgmt
measures with a cost line, reminded by the notification engine), the sign-off and the link to a
funding agency's inquiry."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.errors import ApplicationError, ValidationFailed
from riskmgmt import notices as risk_notices
from riskmgmt import services as risk_services
from riskmgmt.duediligence import services
from riskmgmt.models import FundingAgencyInquiry, MitigationMeasure
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db


def _measure(project, staff, **kw):
    values = {"area": "data_access", "description": "共有フォルダの権限設定", "owner": staff,
              "due_date": dt.date(2027, 1, 31), "actor": staff}
    values.update(kw)
    return services.measure_add(project=project, **values)


@pytest.mark.parametrize(("persona", "status"), [("researcher", 403), ("staff", 403),
                                                 ("admin_user", 200)])
def test_only_administrators_open_the_programme_register_form(persona, status, request,
                                                              client_as):
    user = request.getfixturevalue(persona)
    url = reverse("duediligence:programme_create")
    assert client_as(user).get(url).status_code == status


def test_a_measure_is_a_mitigation_measure_of_the_project_with_its_cost_line(staff):
    project = f.project(staff)
    measure = _measure(project, staff, cost_amount=100000, charged_to_programme=True)
    stored = MitigationMeasure.objects.select_related("dd_detail").get(pk=measure.pk)
    assert (stored.project_id, stored.kind, stored.dd_detail.cost_amount,
            stored.dd_detail.charged_to_programme) == (project.pk, "data_access", 100000, True)


def test_a_cost_cannot_be_charged_to_a_programme_that_does_not_allow_it(staff):
    project = f.project(staff, programme=f.programme(measure_costs_chargeable=False))
    with pytest.raises(ValidationFailed):
        _measure(project, staff, cost_amount=100000, charged_to_programme=True)


def test_a_project_measure_due_soon_is_reminded_to_its_owner(staff):
    project = f.project(staff)
    measure = _measure(project, staff, due_date=dt.date(2027, 1, 31))
    now = timezone.make_aware(dt.datetime(2027, 1, 28, 9, 0))
    drafts = [d for d in risk_notices.plan_mitigation_measures(now=now)
              if d.target.object_id == str(measure.pk)]
    assert [(d.recipient_id, d.url) for d in drafts] == [(staff.pk, project.get_absolute_url())]


def test_the_office_cannot_sign_off_before_every_member_signed(staff):
    project = f.project(staff)
    f.member(project, staff, name="Jane Roe")
    services.questionnaire_save(questionnaire=project.questionnaire, actor=staff, result="done")
    with pytest.raises(ApplicationError):
        services.questionnaire_sign(questionnaire=project.questionnaire, actor=staff)


def test_staff_link_a_funding_agency_inquiry_to_the_project_by_its_reference(staff, client_as):
    project = f.project(staff)
    inquiry = risk_services.inquiry_save(
        instance=FundingAgencyInquiry(agency_name="防衛装備庁", programme="安全保障技術研究推進制度",
                                      project_title="量子センサ", question="Q?",
                                      deadline=dt.date(2030, 1, 1)), actor=staff)
    url = reverse("duediligence:project_action", args=[project.public_id, "inquiry"])
    response = client_as(staff).post(url, {"reference": inquiry.reference})
    assert (response.status_code, list(project.inquiries.all())) == (302, [inquiry])
