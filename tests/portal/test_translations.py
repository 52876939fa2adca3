"""The Japanese catalogues: the CI check's rules, and the words that once came out wrong."""

import importlib.util
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_translations",
                                              ROOT / ".ci" / "check_translations.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)

GLOSSARY = ({(None, "Role"): "役割", ("person", "Name"): "氏名",
             ("organisation", "Name"): "名称"}, {"Name"})


def catalogue(*entries):
    po = polib.POFile()
    for msgctxt, msgid, msgstr in entries:
        po.append(polib.POEntry(msgctxt=msgctxt, msgid=msgid, msgstr=msgstr))
    return po


def problems(*catalogues):
    return check.check_catalogues([(f"app{i}", po) for i, po in enumerate(catalogues)], GLOSSARY)


def test_check_fails_on_a_msgstr_left_in_english():
    assert problems(catalogue((None, "Submit", "Submit")))


def test_check_accepts_an_allowed_name_and_placeholders():
    assert problems(catalogue((None, "ORCID", "ORCID"), (None, "%(n)s", "%(n)s"))) == []


def test_check_fails_on_one_msgid_translated_two_ways_in_two_catalogues():
    assert problems(catalogue((None, "Done", "完了")), catalogue((None, "Done", "完了率")))


def test_check_accepts_one_msgid_with_two_contexts():
    assert problems(catalogue(("a", "Done", "完了")), catalogue(("b", "Done", "完了率"))) == []


def test_check_fails_on_a_word_of_several_meanings_without_a_context():
    assert problems(catalogue((None, "Name", "氏名")))


def test_check_fails_on_a_term_translated_against_the_glossary():
    assert problems(catalogue((None, "Role", "ロール")))


def test_check_accepts_the_glossary_word():
    assert problems(catalogue((None, "Role", "役割"), ("person", "Name", "氏名"))) == []


def test_repository_glossary_loads_and_names_words_that_need_a_context():
    terms, need_context = check.load_glossary()
    assert terms[("measure status", "Done")] == "完了"
    assert "Done" in need_context


@pytest.mark.parametrize(("msgctxt", "msgid", "japanese"), [
    ("measure status", "Done", "完了"),
    ("screening run status", "Done", "完了"),
    ("version", "From", "比較元"),
    ("version", "To", "比較先"),
    ("people", "Researchers", "研究者"),
    ("organisation", "Name", "名称"),
    ("risk cases", "Review queue", "確認待ち案件"),
    ("disclosure review", "Review queue", "審査一覧"),
    (None, "Role", "役割"),
    ("remuneration", "None", "なし"),
    (None, "%s (descending)", "%s（降順）"),
])
def test_japanese_reader_gets_the_right_word(msgctxt, msgid, japanese):
    with translation.override("ja"):
        got = translation.pgettext(msgctxt, msgid) if msgctxt else translation.gettext(msgid)
    assert got == japanese


def test_sort_options_say_descending_in_japanese():
    from disclosures.filters import ReviewQueueFilter

    with translation.override("ja"):
        labels = [str(label) for _, label in ReviewQueueFilter().filters["order"].field.choices]
    assert "提出日（降順）" in labels


def test_sort_options_follow_the_readers_language_not_the_language_at_import():
    from disclosures.filters import ReviewQueueFilter

    with translation.override("en"):
        labels = [str(label) for _, label in ReviewQueueFilter().filters["order"].field.choices]
    assert "Submission date (descending)" in labels
