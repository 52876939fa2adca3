"""A funding agency's follow-up inquiry links back to its project under due diligence, for a
viewer who may open the project, and says nothing about it to anyone else."""
import dataclasses
import datetime as dt

import pytest
from django.urls import reverse

from portal import permissions
from portal.models import Role
from riskmgmt import services as risk_services
from riskmgmt.duediligence import services
from riskmgmt.models import FundingAgencyInquiry
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db

SECRET_TITLE = "極秘の量子センサ課題"


@pytest.fixture
def inquiry(staff):
    project = f.project(staff, title=SECRET_TITLE, project_number="R8-077")
    inquiry = risk_services.inquiry_save(
        instance=FundingAgencyInquiry(agency_name="防衛装備庁", programme="安全保障技術研究推進制度",
                                      project_title="量子センサ", question="Q?",
                                      deadline=dt.date(2030, 1, 1)), actor=staff)
    services.inquiry_link(project=project, inquiry=inquiry, actor=staff)
    return inquiry


def _page(client, inquiry):
    return client.get(reverse("riskmgmt:inquiry_detail", args=[inquiry.public_id]))


def test_the_inquiry_page_links_to_its_project(inquiry, staff, client_as):
    project = inquiry.dd_projects.get()
    response = _page(client_as(staff), inquiry)
    assert (response.status_code, f'href="{project.get_absolute_url()}"' in
            response.content.decode()) == (200, True)


def test_the_inquiry_page_hides_a_project_its_viewer_may_not_open(inquiry, staff, client_as,
                                                                  monkeypatch):
    # Office staff who handle inquiries but, in this institution, may not see projects under
    # due diligence (an administrator-only permission here).
    view = permissions.REGISTRY["duediligence.project.view"]
    monkeypatch.setitem(permissions.REGISTRY, view.code,
                        dataclasses.replace(view, roles=frozenset({str(Role.ADMIN)})))
    project = inquiry.dd_projects.get()
    response = _page(client_as(staff), inquiry)
    body = response.content.decode()
    assert (response.status_code, SECRET_TITLE in body, str(project.public_id) in body) == (
        200, False, False)
