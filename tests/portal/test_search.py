"""Free-text search helpers and the slice-then-join paginator (portal.search, portal.pagination)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Organisation, OrganisationAlias, User
from portal.pagination import SliceThenJoinPaginator
from portal.search import PERSON_FIELDS, person_q, text_q
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "sato": UserFactory(family_name="佐藤", given_name="花子", family_name_en="Sato",
                            given_name_en="Hanako", email="h.sato@example.ac.jp"),
        "kato": UserFactory(family_name="加藤", given_name="一郎", family_name_en="Kato",
                            given_name_en="Ichiro", email="kato@example.ac.jp"),
        "sa": UserFactory(family_name="佐々木", given_name="藤子", family_name_en="Sasaki",
                          given_name_en="Fujiko", email="sasaki@example.ac.jp"),
    }


@pytest.mark.parametrize("query, expected", [
    ("佐藤", {"sato"}),          # two kanji: no case, matched as they are
    ("藤", {"sato", "kato", "sa"}),
    ("SATO", {"sato"}),          # case is ignored for Latin letters
    ("sAtO", {"sato"}),
    ("Ichi", {"kato"}),
    ("example.ac.jp", {"sato", "kato", "sa"}),
    ("山田", set()),
])
def test_people_are_found_by_any_name_or_email_whatever_the_case(people, query, expected):
    found = set(User.objects.filter(text_q(query, *PERSON_FIELDS)).values_list("pk", flat=True))
    assert found == {people[k].pk for k in expected}


def test_person_q_filters_a_related_field_through_a_subquery(people):
    from riskmgmt.models import Case, Concern

    cases = {k: Case.objects.create(reference=f"RC-{k}", researcher=u, concern=Concern.FOREIGN_SUPPORT,
                                    title="t") for k, u in people.items()}
    found = set(Case.objects.filter(person_q("kato", "researcher")).values_list("pk", flat=True))
    assert found == {cases["kato"].pk}


def test_organisation_search_finds_names_and_aliases_once_each(client_as, researcher):
    seimitsu = Organisation.objects.create(name_ja="安芸精密工業株式会社", name_en="Aki Precision")
    OrganisationAlias.objects.create(organisation=seimitsu, name="AKI SEIMITSU",
                                     normalized="aki seimitsu")
    OrganisationAlias.objects.create(organisation=seimitsu, name="Aki Seimitsu Kogyo",
                                     normalized="aki seimitsu kogyo")
    Organisation.objects.create(name_ja="東京大学", name_en="The University of Tokyo")
    client = client_as(researcher)
    url = reverse("portal:organisation_search")
    for query in ("精密", "aki precision", "PRECISION", "Seimitsu", "ＡＫＩ　ＳＥＩＭＩＴＳＵ"):
        html = client.get(url, {"q": query}).content.decode()
        assert html.count("安芸精密工業株式会社") == 1, query
        assert "東京大学" not in html, query


def test_slice_then_join_pages_match_a_plain_paginator_in_rows_order_and_queries(people):
    for i in range(7):
        UserFactory(family_name="佐藤", given_name=f"{i}", family_name_en="Sato")
    qs = User.objects.filter(family_name="佐藤").order_by("given_name", "-id")
    for number in (1, 2, 3):
        plain = Paginator(qs.select_related("department"), 3)
        joined = SliceThenJoinPaginator(qs, 3, rows=lambda q: q.select_related("department"))
        with CaptureQueriesContext(connection) as plain_queries:
            expected = plain.get_page(number)
            expected.object_list = list(expected.object_list)
        with CaptureQueriesContext(connection) as joined_queries:
            got = joined.get_page(number)
        assert [u.pk for u in got] == [u.pk for u in expected]
        assert (got.number, joined.count, joined.num_pages) == (number, 8, 3)
        assert got.has_next() == expected.has_next() and got.start_index() == expected.start_index()
        # the count comes with the page's keys: as many queries as a plain paginator's
        assert len(joined_queries) == len(plain_queries) == 2, [
            q["sql"] for q in joined_queries]
        with CaptureQueriesContext(connection) as after:
            [u.department.code for u in got]
        assert len(after) == 0  # the rows came with their department


@pytest.mark.parametrize("asked, shown", [("9", 3), ("x", 1), ("0", 3), ("-1", 3), (None, 1)])
def test_slice_then_join_out_of_range_pages_behave_as_django_get_page(people, asked, shown):
    qs = User.objects.order_by("pk")
    joined = SliceThenJoinPaginator(qs, 1, rows=lambda q: q)
    plain = Paginator(qs, 1)
    assert joined.get_page(asked).number == plain.get_page(asked).number == shown


def test_slice_then_join_on_no_match_gives_one_empty_page(people):
    joined = SliceThenJoinPaginator(User.objects.filter(email="nobody").order_by("pk"), 50,
                                    rows=lambda q: q)
    page = joined.get_page(1)
    assert list(page) == [] and joined.count == 0 and joined.num_pages == 1
