"""Audit sentences show readable values in the reader's language, never raw Python."""

import pytest
from django.utils import translation

from portal.audit import audit_log, render_entry

pytestmark = pytest.mark.django_db


def test_a_list_in_an_audit_sentence_reads_as_a_list_in_both_languages(researcher):
    entry = audit_log(action="followup.response.saved", target=researcher, actor=researcher,
                      data={"questions": ["Q1", "Q2", "Q3"]})
    with translation.override("ja"):
        text = render_entry(entry)
        assert "Q1、Q2、Q3" in text and "[" not in text and "'" not in text
    with translation.override("en"):
        assert render_entry(entry) == "Saved the answers (Q1, Q2, Q3)"


def test_dates_yes_no_and_empty_values_read_as_the_language_writes_them():
    from portal.audit import readable

    with translation.override("en"):
        assert readable("2026-07-10") == "July 10, 2026"
        assert readable(True) == "yes"
    with translation.override("ja"):
        assert readable("2026-07-10") == "2026年7月10日"
    assert readable(None) == readable("") == "—"
