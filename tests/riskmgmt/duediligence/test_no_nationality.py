"""Nationality is never stored (DOMAIN.md §4, §7): no model of the project has such a field,
the declaration drops anything outside its catalogue, and the forms leave item 13 blank."""
import re

import pytest
from django.apps import apps

from riskmgmt.duediligence.items import BY_CODE, STORED_CODES, clean_content

FORBIDDEN = re.compile(r"national|citizen|国籍|race\b|人種|birthplace|place.of.birth|出生地|"
                       r"本籍|ethnic", re.IGNORECASE)


def test_no_model_of_the_project_has_a_field_like_nationality():
    offenders = []
    for model in apps.get_models():
        if model._meta.app_label in {"admin", "auth", "contenttypes", "sessions", "sites"}:
            continue
        for field in model._meta.get_fields():
            names = [getattr(field, "name", ""), str(getattr(field, "verbose_name", "") or "")]
            if any(FORBIDDEN.search(n) for n in names):
                offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == []


def test_the_nationality_item_is_handwritten_and_never_stored():
    assert BY_CODE["nationality"].kind == "handwritten"
    assert "nationality" not in STORED_CODES


@pytest.mark.django_db
def test_a_declaration_keeps_nothing_outside_its_catalogue():
    content = clean_content({"nationality": "JP", "career": [{"organisation": "X",
                                                              "nationality": "JP"}]})
    assert "nationality" not in content
    assert content["career"] == [{"start": "", "end": "", "organisation": "X", "position": ""}]
