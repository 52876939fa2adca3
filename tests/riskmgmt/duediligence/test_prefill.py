"""A member's declaration is prefilled from their disclosure and imported records."""
import datetime as dt
from decimal import Decimal

import pytest

from tests.riskmgmt import factories as rf
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db


def _content(member):
    member.declaration.refresh_from_db()
    return member.declaration.current_version.content


def test_career_comes_from_the_disclosures_positions(researcher, staff):
    v = rf.version(researcher)
    rf.position(v, rf.org("Tsinghua University", country="CN"), role="Visiting professor",
                start_date=dt.date(2022, 4, 1))
    m = f.member(f.project(staff), staff, user=researcher)
    assert _content(m)["career"][0]["organisation"] == "Tsinghua University"


def test_funding_before_the_programmes_date_is_left_out(researcher, staff):
    v = rf.version(researcher)
    rf.funding(v, rf.org("Old Fund"), programme="Old", start_date=dt.date(2019, 4, 1),
               end_date=dt.date(2021, 3, 31))
    rf.funding(v, rf.org("New Fund"), programme="New", amount=Decimal("3000000"),
               start_date=dt.date(2024, 4, 1))
    m = f.member(f.project(staff), staff, user=researcher)
    assert [(r["programme"], r["amount"]) for r in _content(m)["funding"]] == [("New", "3000000")]


def test_talent_programmes_and_specified_category_are_prefilled(researcher, staff):
    v = rf.version(researcher)
    rf.programme(v, rf.org("Host Institute", country="CN"), programme_name="Talent Plan")
    rf.specified(v, rf.org("Foreign Agency", country="CN"))
    content = _content(f.member(f.project(staff), staff, user=researcher))
    assert content["talent_programmes"][0]["programme"] == "Talent Plan"
    assert content["specified_category"]["answer"] == "yes"


def test_imported_records_are_added_with_their_source(researcher, staff):
    rf.external_record(researcher, organisation_name="Zhejiang University")
    m = f.member(f.project(staff), staff, user=researcher)
    row = _content(m)["career"][0]
    assert (row["organisation"], row["source"]) == ("Zhejiang University", "import:researchmap")


def test_an_external_members_declaration_starts_empty(staff):
    m = f.member(f.project(staff), staff, name="Jane Roe")
    assert m.declaration.current_version.prefilled_from == []


def test_imported_publications_bring_their_coauthors_affiliations(researcher, staff):
    f.publication(researcher, affiliations=("Kyoto University", "Harbin Institute of Technology"))
    row = _content(f.member(f.project(staff), staff, user=researcher))["publications"][0]
    assert row["coauthor_affiliations"] == "Kyoto University; Harbin Institute of Technology"


def test_imported_patents_bring_their_coinventors(researcher, staff):
    f.publication(researcher, title="Sensor", kind="patent", affiliations=("Tohoku University",))
    row = _content(f.member(f.project(staff), staff, user=researcher))["patents"][0]
    assert (row["coinventors"], row["affiliations"]) == ("Author 0", "Tohoku University")


def test_an_item_the_programme_does_not_ask_for_is_not_prefilled(researcher, staff):
    v = rf.version(researcher)
    rf.funding(v, rf.org("New Fund"), programme="New", start_date=dt.date(2024, 4, 1))
    programme = f.programme(required_items=["education", "career"])
    m = f.member(f.project(staff, programme=programme), staff, user=researcher)
    assert _content(m)["funding"] == []
