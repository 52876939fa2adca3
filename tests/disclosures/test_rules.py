"""Every validation rule of the items, one test each."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from disclosures.models import (
    CareerItem,
    ContractItem,
    DonationItem,
    ProgrammeItem,
    SpecifiedCategoryItem,
)
from disclosures.services import validate_item
from tests.disclosures.factories import equipment_gift, foreign_grant, org, side_job

pytestmark = pytest.mark.django_db


def _errors(section, item):
    with pytest.raises(ValidationError) as exc:
        validate_item(section, item)
    return exc.value.message_dict


def test_end_before_start_is_refused():
    item = side_job(org(), start_date=dt.date(2024, 4, 1), end_date=dt.date(2024, 3, 1))
    assert "end_date" in _errors("position", item)


def test_negative_amount_is_refused():
    assert "amount" in _errors("funding", foreign_grant(org(), amount=Decimal("-1")))


def test_unknown_currency_is_refused():
    assert "currency" in _errors("funding", foreign_grant(org(), currency="XYZ"))


def test_amount_without_currency_is_refused():
    assert "currency" in _errors("support", equipment_gift(org(), currency=""))


def test_currency_is_normalised_to_upper_case():
    item = foreign_grant(org(), currency="usd")
    validate_item("funding", item)
    assert item.currency == "USD"


def test_effort_outside_0_to_100_is_refused():
    assert "effort_percent" in _errors("position", side_job(org(), effort_percent=Decimal("101")))


def test_paid_position_needs_a_remuneration_band():
    assert "remuneration_band" in _errors("position", side_job(org(), remuneration_band=""))


def test_unpaid_position_has_no_remuneration_band():
    errors = _errors("position", side_job(org(), paid=False, remuneration_band="gt10m"))
    assert "remuneration_band" in errors


def test_approved_side_job_needs_the_approval_date():
    assert "approved_on" in _errors("position", side_job(org(), approved_on=None))


def test_hours_per_month_are_bounded():
    assert "hours_per_month" in _errors("position", side_job(org(), hours_per_month=Decimal("800")))


def test_honorary_title_cannot_be_paid():
    assert "paid" in _errors("position", side_job(org(), is_honorary=True))


def test_every_section_needs_an_organisation():
    assert "organisation" in _errors("career", CareerItem(position="x"))
    assert "organisation" in _errors("position", side_job(None))
    assert "organisation" in _errors("support", equipment_gift(None))
    assert "organisation" in _errors("programme", ProgrammeItem(programme_name="P"))
    assert "organisation" in _errors("contract", ContractItem(contract_type="mou"))
    assert "organisation" in _errors("specified", SpecifiedCategoryItem(
        relationship="instructions"))


def test_funding_needs_funder_title_amount_and_effort_when_received():
    errors = _errors("funding", foreign_grant(None, project_title="", amount=None,
                                              currency="", effort_percent=None))
    assert {"organisation", "project_title", "amount", "effort_percent"} <= set(errors)


def test_applied_funding_needs_no_amount_or_effort():
    validate_item("funding", foreign_grant(org(), status="applied", amount=None, currency="",
                                           effort_percent=None))


def test_confidential_funding_needs_only_the_effort():
    validate_item("funding", foreign_grant(None, under_confidentiality=True, project_title="",
                                           amount=None, currency="", programme=""))
    errors = _errors("funding", foreign_grant(None, under_confidentiality=True,
                                              effort_percent=None))
    assert list(errors) == ["effort_percent"]


def test_donation_needs_its_amount():
    assert "amount" in _errors("donation", DonationItem(organisation=org(), amount=None))
    validate_item("donation", DonationItem(organisation=org(), amount=Decimal("100000"),
                                           currency="JPY"))


def test_unknown_country_code_is_refused():
    assert "country" in _errors("position", side_job(org(), country="XX"))
