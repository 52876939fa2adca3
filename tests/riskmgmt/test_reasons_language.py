"""A flag's reason, a hit's explanation, a case's title and its history read in the reader's
language, whatever the language of the evaluation."""
import re
import uuid

import pytest
from django.utils import translation

from portal.audit import render_entry
from portal.models import AuditEntry
from riskmgmt import matching, services
from riskmgmt.models import Case, Flag, FlagVersion, ScreeningHit
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def evaluate(v, language):
    with translation.override(language):
        return services.version_evaluate(version_id=v.pk)


def test_a_flag_reason_written_in_japanese_reads_in_english(researcher):
    v = f.version(researcher)
    f.programme(v, f.org("Some Ministry", country="CN"))
    evaluate(v, "ja")
    flag = Flag.objects.get(rule__code="talent_programme")
    with translation.override("en"):
        assert flag.reason_display == (
            "Participation in a Talent programme: Some Ministry — Thousand Talents")


def test_a_flag_reason_reads_in_japanese_whatever_language_asked_for_the_evaluation(researcher):
    v = f.version(researcher)
    f.programme(v, f.org("Some Ministry", country="CN"))
    evaluate(v, "en")
    flag = Flag.objects.get(rule__code="talent_programme")
    with translation.override("ja"):
        assert flag.reason_display == "人材登用プログラムへの参加: Some Ministry — Thousand Talents"


def test_a_flag_recorded_before_reasons_had_keys_shows_its_stored_text(researcher):
    _case, flag = services.case_open_or_join(researcher=researcher, concern="foreign_support",
                                             reason="古い理由")
    with translation.override("en"):
        assert Flag.objects.get(pk=flag.pk).reason_display == "古い理由"


def test_a_screening_match_found_in_japanese_reads_in_english_reason_and_explanation(researcher):
    f.import_list()
    v = f.version(researcher)
    f.position(v, f.org("HARBIN INST. OF TECHNOLOGY", country="CN"))
    evaluate(v, "ja")
    flag = Flag.objects.select_related("hit").get(rule__code="screening_match")
    assert JAPANESE.search(flag.hit.explanation)  # as stored, in the evaluation's language
    with translation.override("en"):
        assert JAPANESE.findall(flag.hit.explanation_display) == []
        assert flag.reason_display.startswith(
            "HARBIN INST. OF TECHNOLOGY matches Harbin Institute of Technology on List test-list "
            "(Other) (score ")
        assert flag.reason_display.endswith(flag.hit.explanation_display)


def test_a_hit_explanation_written_in_english_reads_in_japanese():
    why = matching.explanation_params("HARBIN INST", "Harbin Institute", "Harbin Institute", 91.0,
                                      "norm", "harbin inst", "harbin institute")
    with translation.override("en"):
        hit = ScreeningHit(explanation=matching.explain(**why), explanation_params=why)
    assert not JAPANESE.search(hit.explanation)
    with translation.override("ja"):
        assert JAPANESE.search(hit.explanation_display)


def test_re_evaluating_in_another_language_leaves_the_flags_unchanged(researcher):
    f.import_list()
    keys = [uuid.uuid4() for _n in range(3)]

    def version(number):
        v = f.version(researcher, number=number)
        f.programme(v, ministry, item_key=keys[0])
        f.contract(v, partner, exclusivity=True, item_key=keys[1])
        f.position(v, harbin, item_key=keys[2])
        return v

    ministry = f.org("Some Ministry", name_ja="某省", country="CN")  # named in both languages
    partner = f.org("Partner", country="CN")
    harbin = f.org("HARBIN INST. OF TECHNOLOGY", country="CN")
    evaluate(version(1), "en")
    v2 = version(2)
    evaluate(v2, "ja")
    states = list(FlagVersion.objects.filter(version=v2).values_list("state", flat=True))
    assert len(states) == 3 and set(states) == {FlagVersion.State.UNCHANGED}


def test_the_case_title_and_history_read_in_the_readers_language(researcher):
    v = f.version(researcher)
    f.programme(v, f.org("Some Ministry", country="CN"))
    evaluate(v, "ja")
    case = Case.objects.get(researcher=researcher, concern="talent_programme")
    entry = AuditEntry.objects.get(action="riskmgmt.case.opened", object_id=str(case.pk))
    with translation.override("en"):
        assert case.title_display == (
            f"Talent or host programme — {researcher.display_name}")
        assert render_entry(entry) == (
            "Case opened: Participation in a Talent programme: Some Ministry — Thousand Talents")


def test_a_flag_recorded_before_reasons_had_keys_stays_unchanged_on_resubmission(researcher):
    key = uuid.uuid4()
    ministry = f.org("Some Ministry", name_ja="某省", country="CN")  # named in both languages
    v1 = f.version(researcher)
    f.programme(v1, ministry, item_key=key)
    evaluate(v1, "ja")
    flag = Flag.objects.get(rule__code="talent_programme")
    # As an older release wrote it: no key, the digest of the (Japanese) text.
    Flag.objects.filter(pk=flag.pk).update(
        reason_key="", reason_params={},
        fingerprint=services.flag_fingerprint(flag.reason, [flag.items.get()]))
    v2 = f.version(researcher, number=2)
    f.programme(v2, ministry, item_key=key)
    evaluate(v2, "ja")
    assert FlagVersion.objects.get(flag=flag, version=v2).state == FlagVersion.State.UNCHANGED


def test_a_notification_about_a_case_names_its_title_in_the_readers_language(
        researcher, staff, admin_user):
    from portal.notifications.models import Notification

    v = f.version(researcher)
    f.programme(v, f.org("Some Ministry", country="CN"))
    evaluate(v, "ja")
    case = Case.objects.get(researcher=researcher, concern="talent_programme")
    with translation.override("ja"):
        services.case_assign(cases=[case], assignee=staff, actor=admin_user)
    note = Notification.objects.get(recipient=staff, kind="case_assigned")
    with translation.override("en"):
        assert f"(Talent or host programme — {researcher.display_name})" in note.body
