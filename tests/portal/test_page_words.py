"""Japanese pages and files use the word of their meaning (issue 18's wrong words), read from
what a person gets, not from the catalogue alone."""

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.disclosures import factories as d

pytestmark = pytest.mark.django_db


def test_the_risk_case_list_is_titled_unlike_the_disclosure_review_queue(client_as, staff):
    body = client_as(staff).get("/risk/").content.decode()
    assert "<h1>確認待ち案件</h1>" in body


def test_the_grant_application_workbook_heads_roles_as_the_page_does(client_as, researcher,
                                                                     reviewer):
    d.accepted_disclosure(researcher, reviewer, ("funding", d.foreign_grant(d.org("Acme Labs"))))
    response = client_as(researcher).get(reverse("disclosures:applications_xlsx"))
    funds = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = next(funds.iter_rows(min_row=4, max_row=4, values_only=True))
    assert "役割" in header


def test_measure_kinds_in_english_carry_no_japanese():
    import re

    from django.utils import translation

    from riskmgmt.models import MeasureKind

    with translation.override("en"):
        labels = [str(label) for _value, label in MeasureKind.choices]
    assert [label for label in labels if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", label)] == []
