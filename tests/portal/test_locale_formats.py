"""Dates, countries, currencies and amounts as the reader's language writes them."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation


def render(text, **context):
    return Template("{% load portal %}" + text).render(Context(context))


def test_japanese_pages_write_dates_as_japanese_does():
    with translation.override("ja"):
        assert render('{{ d|date:"DATE_FORMAT" }}', d=dt.date(2026, 12, 2)) == "2026年12月2日"


def test_countries_start_with_japan_and_follow_the_japanese_order():
    from django_countries import countries

    with translation.override("ja"):
        names = [name for _code, name in countries]
    assert names[0] == "日本"
    assert names.index("アイスランド") < names.index("アメリカ合衆国") < names.index("イタリア")


def test_countries_in_english_are_sorted_in_english_after_japan():
    from django_countries import countries

    with translation.override("en"):
        names = [name for _code, name in countries]
    assert names[:2] == ["Japan", "Afghanistan"]


def test_currency_choices_are_iso_codes_named_in_the_readers_language():
    from portal.currencies import currency_choices

    with translation.override("ja"):
        choices = dict(currency_choices())
    assert list(choices)[:3] == ["", "JPY", "USD"]
    assert choices["USD"] == "USD — 米ドル"
    with translation.override("en"):
        assert dict(currency_choices())["USD"] == "USD — US Dollar"


def test_amounts_in_documents_have_thousands_separators():
    from portal.templatetags.portal import amount

    assert [amount("13000000"), amount(8.0), amount("2.50"), amount("n/a")] == [
        "13,000,000", "8", "2.5", "n/a"]
