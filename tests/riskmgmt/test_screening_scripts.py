"""Script-aware screening on the real METI End User List: simplified Chinese meets the
Japanese-kanji entries, abbreviations without full stop, joined initials, legal forms and word
order in aliases; ``screening_names`` for other apps."""
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from portal import names
from riskmgmt import matching
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db

METI = "export_control/meti_end_user_list_20250929.xlsx"


def meti_path() -> Path:
    """The real METI list the repository carries (fixtures/data, or PORTAL_SAMPLE_DATA)."""
    return Path(settings.PORTAL_SAMPLE_DATA) / METI


@pytest.fixture
def meti():
    return f.import_list(meti_path().read_bytes(), code="meti", fmt="meti")


def check_json(capsys, name):
    call_command("screening_check", name, "--json")
    return json.loads(capsys.readouterr().out)[0]["matches"]


def test_simplified_chinese_harbin_engineering_university_meets_its_japanese_kanji_entry(meti, capsys):
    matches = check_json(capsys, "哈尔滨工程大学")
    assert matches[0]["entry"] == "Harbin Engineering University"
    assert matches[0]["score"] == 100.0
    assert matches[0]["matched_name"] == "哈爾浜工程大学"


def test_simplified_chinese_cetc_14_meets_its_entry_first(meti, capsys):
    matches = check_json(capsys, "中国电子科技集团公司第十四研究所")
    assert matches[0]["entry"].startswith(
        "China Electronics Technology Group Corporation 14th Research Institute")
    assert matches[0]["score"] == 100.0


@pytest.mark.parametrize(("variant", "entry_start"), [
    ("哈爾濱工程大學", "Harbin Engineering University"),          # traditional Chinese
    ("Harbin Engineering Univ", "Harbin Engineering University"),  # no full stop, at the end
    ("HARBIN ENGINEERING UNIV.", "Harbin Engineering University"),
    ("Engineering University Harbin", "Harbin Engineering University"),  # word order
])
def test_script_abbreviation_and_order_variants_match(meti, variant, entry_start):
    matches = matching.check_names([variant])[variant]
    assert matches and matches[0].entry_name.startswith(entry_start), (variant, matches[:1])


def test_initials_written_apart_or_joined_give_one_key():
    assert names.name_keys("K.N. Toosi Univ") == names.name_keys("K. N. Toosi University")
    assert names.name_keys("KN Toosi University") == names.name_keys("K. N. Toosi University")


def test_legal_forms_in_every_language_are_set_aside():
    base = names.normalize_name("Rosatom")
    for variant in ["ROSATOM OOO", "Rosatom GmbH", "Rosatom Co., Ltd", "Rosatom JSC",
                    "株式会社Rosatom", "Rosatom有限公司"]:
        assert names.normalize_name(variant) == base, variant
    # Two-letter words are not taken for legal forms (AB, AO are also initials and words).
    assert names.normalize_name("Zeta Quantum AB") != names.normalize_name("Zeta Quantum")


def test_kana_is_romanised_by_the_library():
    assert "rosatom" in names.name_keys("ロスアトム")
    assert names.kana_to_romaji("とうきょう") == "toukyou"


def test_unrelated_japanese_universities_do_not_match_the_real_list(meti):
    for name in ["東京大学", "京都大学", "Hokkaido University", "名古屋工業大学",
                 "Tokyo Institute of Technology", "北京大学"]:
        assert matching.check_names([name])[name] == [], name


def test_screen_names_gives_hits_with_their_explanation(meti):
    hits = matching.screen_names(["哈尔滨工程大学", "University of Tokyo"])
    assert [h["query"] for h in hits] == ["哈尔滨工程大学"]
    hit = hits[0]
    assert hit["entry"] == "Harbin Engineering University" and hit["score"] == 100.0
    assert hit["explanation"] and hit["list"]


def test_a_registry_hit_across_scripts_records_and_shows_which_key_matched_which(
        meti, client_as, staff):
    from django.urls import reverse

    from riskmgmt import services
    from riskmgmt.models import ScreeningHit

    f.org("哈尔滨工程大学", country="CN")
    services.screening_rescreen_registry(release=meti)
    hit = ScreeningHit.objects.get(query_name="哈尔滨工程大学")
    assert hit.matched_name == "哈爾浜工程大学"
    assert hit.match_keys["query_key"] == hit.match_keys["matched_key"] == "哈尔滨工程大学"
    assert hit.match_keys["matched_steps"] == [names.STEP_HAN]
    assert "哈爾浜工程大学" in hit.explanation and "→" in hit.explanation
    page = client_as(staff).get(reverse("riskmgmt:hit_detail", args=[hit.public_id]),
                                HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "比較キー" in page and "日本の字体・中国語の繁体字・簡体字" in page


def test_the_evaluation_set_meets_the_recall_and_false_positive_targets(meti, capsys):
    call_command("screening_evaluate", "--json")
    result = json.loads(capsys.readouterr().out)
    with capsys.disabled():  # the figures in the CI log (the README quotes them)
        print(f"\nscreening_evaluate: positives {result['positives']}, negatives "
              f"{result['negatives']}, recall {result['recall']:.1%}, precision "
              f"{result['precision']:.1%}, false-positive rate {result['fp_rate']:.1%}; "
              f"misses {result['misses']}")
    assert result["positives"] > 300 and result["negatives"] > 200
    assert result["recall"] >= 0.97, result["misses"]
    assert result["fp_rate"] <= 0.02, result["misses"]


def test_an_entry_keyed_by_an_earlier_normalisation_still_matches(meti):
    from riskmgmt.models import ScreeningEntry

    entry = ScreeningEntry.objects.get(release=meti, name="Harbin Engineering University")
    entry.keys = [[original, f"{key} (an earlier normaliser)"] for original, key in entry.keys]
    entry.save(update_fields=["keys"])
    with matching._cache_lock:
        matching._cache.clear()
    matches = matching.check_names(["哈尔滨工程大学"])["哈尔滨工程大学"]
    assert matches[0].entry_name == "Harbin Engineering University"
