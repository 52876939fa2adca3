"""Normalisation of organisation names for registry search and list screening.

Copes with the variants named in DOMAIN.md §5, in every script a Japanese office meets:

* width and case (Unicode NFKC, then casefold): ``ＨＡＲＢＩＮ`` → ``harbin``;
* Han characters: Japanese shinjitai, traditional and simplified Chinese are folded to one
  form with OpenCC (``jp2t`` then ``t2s``), so that ``哈爾浜`` (Japanese), ``哈爾濱``
  (traditional) and ``哈尔滨`` (simplified) compare equal;
* legal-form words, per language: the multilingual company-type table of rigour
  (OpenSanctions' normalisation library: GmbH, OOO, JSC, S.A.R.L., ...) and the project's own
  list for Japanese and Chinese forms (株式会社, 国立大学法人, 有限公司, ...) and a few English
  words rigour keeps (company, corporation);
* punctuation and spacing; abbreviations with or without their full stop (``Univ``,
  ``Univ.``, ``Inst``, ``Tech.``), and initials written apart or joined (``K. N.``,
  ``K.N.`` and ``KN`` give the same key);
* kana: romanised (Hepburn) with pykakasi, so that a katakana name meets its Latin form
  (:func:`name_keys`).

:func:`name_keys` gives a name's comparison keys and :func:`key_steps` which of these steps
changed it (the screening explanations). The riskmgmt matcher builds on these functions;
:data:`NORMALISER_VERSION` changes whenever they may give other keys (this module, or the
version of OpenCC, pykakasi or rigour): the matcher's version includes it, so a re-screening
never builds on a run made with other keys, and the matcher's index works list entries' keys out
again from their names (the keys stored at import are not trusted to be today's).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from importlib.metadata import version as _dist_version
from pathlib import Path

import opencc
import pykakasi
from rigour.names.org_types import extract_org_types

# Legal-form words removed before comparing names (after NFKC + casefold). Latin and Cyrillic
# forms are mostly rigour's; these are the forms it leaves (CJK ones, and English words that
# are legal forms in a list entry: "company", "corporation").
LEGAL_FORMS = [
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "公益社団法人",
    "一般財団法人", "公益財団法人", "独立行政法人", "国立研究開発法人", "国立大学法人",
    "公立大学法人", "学校法人", "特定非営利活動法人", "(株)", "(有)", "㈱", "㈲",
    "有限公司", "股份有限公司", "有限责任公司", "有限責任公司", "集团", "集團", "公司",
    "co., ltd.", "co.,ltd.", "co. ltd.", "co ltd", "company limited", "corporation", "corp.",
    "corp", "incorporated", "inc.", "inc", "limited", "ltd.", "ltd", "llc", "l.l.c.", "gmbh",
    "s.a.", "plc", "pte", "pvt", "jsc", "ojsc", "pjsc", "co.", "k.k.",
    "company", "co", "fze", "fzco", "fzc", "fz llc", "llp", "sarl", "s.a.r.l.", "ooo", "oao",
    "zao", "sdn bhd", "bhd", "pty", "pte ltd", "pvt ltd",
]
# Abbreviations, matched as whole words after punctuation is removed (so with or without
# their full stop, anywhere in the name).
ABBREVIATIONS = {
    "univ": "university", "uni": "university", "inst": "institute", "instit": "institute",
    "tech": "technology", "technol": "technology", "natl": "national", "nat'l": "national",
    "intl": "international", "int'l": "international", "acad": "academy", "sci": "science",
    "scis": "sciences", "eng": "engineering", "engg": "engineering", "res": "research",
    "lab": "laboratory", "labs": "laboratory", "laboratories": "laboratory", "ctr": "center",
    "cntr": "center", "centre": "center", "mfg": "manufacturing", "assn": "association",
    "assoc": "association", "hosp": "hospital", "dept": "department", "govt": "government",
    "organisation": "organization", "&": "and", "aero": "aeronautics",
}

_PUNCT_RE = re.compile(
    r"[\s\-‐‑‒–—―・･·.,，、。'’\"“”()（）\[\]［］{}「」『』【】〈〉《》/／\\:：;；!！?？&＆+＋*＊#＃]+")
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]")
_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]+")
_INITIALS_RE = re.compile(r"\b(?:[a-z] ){1,}[a-z]\b")

_jp2t = opencc.OpenCC("jp2t")
_t2s = opencc.OpenCC("t2s")
_kakasi = pykakasi.kakasi()


def nfkc_casefold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").casefold()


def fold_han(value: str) -> str:
    """Han characters in one form whatever the script they came in (Japanese shinjitai,
    traditional or simplified Chinese): OpenCC's Japanese → traditional, then traditional →
    simplified conversion. A comparison form only, never shown as a name."""
    if not _HAN_RE.search(value):
        return value
    return _t2s.convert(_jp2t.convert(value))


_FORMS_N = sorted({fold_han(nfkc_casefold(f)) for f in LEGAL_FORMS}, key=len, reverse=True)
_ASCII_FORMS_RE = re.compile(
    r"(?<![a-z0-9\-])(?:" + "|".join(re.escape(f) for f in _FORMS_N if f.isascii())
    + r")(?![a-z0-9\-])"
)
_CJK_FORMS_RE = re.compile("|".join(re.escape(f) for f in _FORMS_N if not f.isascii()))


def strip_legal_forms(value: str) -> str:
    """Remove legal-form words: rigour's multilingual table, then the project's own list (one
    pass per script, longest form first). ``value`` is NFKC-casefolded and Han-folded."""
    text = f" {value} "
    for form, _compare in extract_org_types(value):
        # Two-letter forms (AB, AG, AO, SA...) are also ordinary words and initials: only
        # longer forms are taken from rigour.
        if len(form.replace(" ", "")) > 2:
            text = re.sub(r"(?<!\w)" + re.escape(form) + r"(?!\w)", " ", text)
    text = _ASCII_FORMS_RE.sub(" ", text)
    # Run twice: removing one form may expose another ("co., ltd." inside "company limited").
    text = _ASCII_FORMS_RE.sub(" ", text)
    return _CJK_FORMS_RE.sub(" ", text)


def expand_abbreviations(value: str) -> str:
    return " ".join(ABBREVIATIONS.get(w, w) for w in value.split())


def join_initials(value: str) -> str:
    """``k n toosi`` → ``kn toosi``: initials written apart or joined give one word."""
    return _INITIALS_RE.sub(lambda m: m.group().replace(" ", ""), value)


def normalize_name(value: str) -> str:
    """Return the comparison key of a name: width, case, Han script, legal forms, punctuation,
    abbreviations and initials folded."""
    text = fold_han(nfkc_casefold(value))
    text = strip_legal_forms(text)
    text = text.replace("&", " and ")
    text = _PUNCT_RE.sub(" ", text)
    text = expand_abbreviations(text)
    text = re.sub(r"\bthe\b", " ", text)
    text = join_initials(" ".join(text.split()))
    return text


def compact(value: str) -> str:
    """The normalised name without spaces (Japanese names are written without them)."""
    return normalize_name(value).replace(" ", "")


# --- Kana → romaji, so that a katakana/hiragana name meets its romanised form -----------------


def has_kana(value: str) -> bool:
    return bool(_KANA_RE.search(value or ""))


def kana_to_romaji(value: str) -> str:
    """Romanise hiragana/katakana (Hepburn, by pykakasi; long-vowel marks dropped); other
    characters stay."""
    def roman(match):
        run = match.group().replace("ー", "")
        return "".join(part["hepburn"] for part in _kakasi.convert(run)) if run else ""
    return _KANA_RUN.sub(roman, value or "")


# Kanji words of organisation names with their usual English equivalents, used only for names
# written partly in kana (ハルビン工業大学 → harbin institute of technology).
JA_TERMS = [
    ("航空航天大学", "university of aeronautics and astronautics"),
    ("理工大学", "university of science and technology"),
    ("工業大学", "institute of technology"), ("工科大学", "university of technology"),
    ("工程大学", "engineering university"), ("科学技術大学", "university of science and technology"),
    ("科学院", "academy of sciences"), ("研究所", "research institute"),
    ("研究院", "research institute"), ("大学", "university"), ("国立", "national"),
    ("貿易会社", "trading company"), ("会社", "company"), ("銀行", "bank"),
    ("技術", "technology"), ("工業", "industries"), ("電子", "electronics"),
]
# Katakana loanwords of company and institution names with the English word they render
# (マブルーカ・トレーディング → mabruka trading): romanising them as Japanese gives
# ``toreedingu``, too far from the Latin name for the scorer. Longest first where one contains
# another.
KATAKANA_TERMS = [
    ("エンジニアリング", "engineering"), ("インダストリーズ", "industries"),
    ("インダストリー", "industry"), ("トレーディング", "trading"), ("ジェネラル", "general"),
    ("コンサーン", "concern"), ("カンパニー", "company"), ("インターナショナル", "international"),
    ("テクノロジーズ", "technologies"), ("テクノロジー", "technology"), ("システムズ", "systems"),
    ("エレクトロニクス", "electronics"), ("ユニバーシティ", "university"), ("グループ", "group"),
    ("コーポレーション", "corporation"), ("ホールディングス", "holdings"),
    ("リミテッド", "limited"), ("インスティテュート", "institute"), ("アカデミー", "academy"),
    ("サイエンス", "science"), ("リサーチ", "research"), ("ナショナル", "national"),
    ("エミレーツ", "emirates"), ("アロイズ", "alloys"), ("ミドルイースト", "middle east"),
]
_JA_TERMS_N = [(fold_han(ja), en) for ja, en in JA_TERMS] + KATAKANA_TERMS


def _gloss(value: str) -> str:
    for ja, en in _JA_TERMS_N:
        value = value.replace(ja, f" {en} ")
    return value


@functools.lru_cache(maxsize=65536)
def _name_keys(value: str) -> tuple[str, ...]:
    base = normalize_name(value)
    keys = [base] if base else []
    if has_kana(base):
        glossed = _gloss(base)
        roman = _KANA_RUN.sub(lambda m: f" {kana_to_romaji(m.group())} ", glossed)
        loose = _KANA_RUN.sub(lambda m: f" {loose_romaji(kana_to_romaji(m.group()))} ", glossed)
        for key in (normalize_name(roman), normalize_name(loose)):
            if key and key not in keys:
                keys.append(key)
    return tuple(keys)


def name_keys(value: str) -> list[str]:
    """Comparison keys of a name: its normalised form and, for kana, its romanised forms.

    Used by the screening matcher so that ``ロスアトム`` meets ``Rosatom``,
    ``ハルビン工業大学`` meets ``Harbin Institute of Technology``, ``哈尔滨工程大学`` meets
    ``哈爾浜工程大学`` and ``ＡＢＣ（株）`` meets ``ABC Co., Ltd.``.
    """
    return list(_name_keys(value or ""))


_EPENTHETIC_U = re.compile(r"(?<=[bcdfghjklmnprstvwz])u(?=[a-z]|\b)")
_FINAL_O = re.compile(r"(?<=[td])o\b")


def loose_romaji(value: str) -> str:
    """Drop the vowels katakana adds to foreign consonants (ロスアトム → rosatom)."""
    words = []
    for word in value.split():
        if word.isascii() and len(word) > 3:
            word = word[0] + _FINAL_O.sub("", _EPENTHETIC_U.sub("", word[1:]))
        words.append(word)
    return " ".join(words)


# --- What normalisation did (for the screening explanations) ----------------------------------

STEP_WIDTH = "width"
STEP_CASE = "case"
STEP_HAN = "han"
STEP_KANA = "kana"
STEP_LEGAL = "legal"
STEP_ABBREV = "abbrev"
STEP_INITIALS = "initials"
STEP_PUNCT = "punct"


def key_steps(value: str) -> list[str]:
    """Which normalisation steps changed ``value`` on its way to its key (codes STEP_*), in the
    order they apply. Computed on demand (explanations), never while matching."""
    steps = []
    nfkc = unicodedata.normalize("NFKC", value or "")
    if nfkc != value:
        steps.append(STEP_WIDTH)
    folded = nfkc.casefold()
    if folded != nfkc:
        steps.append(STEP_CASE)
    han = fold_han(folded)
    if han != folded:
        steps.append(STEP_HAN)
    if has_kana(han):
        steps.append(STEP_KANA)
    stripped = strip_legal_forms(han)
    if stripped.split() != han.split() and _PUNCT_RE.sub(" ", stripped).split() != \
            _PUNCT_RE.sub(" ", han).split():
        steps.append(STEP_LEGAL)
    spaced = " ".join(_PUNCT_RE.sub(" ", stripped.replace("&", " and ")).split())
    if spaced != stripped.strip():
        steps.append(STEP_PUNCT)
    expanded = expand_abbreviations(spaced)
    if expanded != spaced:
        steps.append(STEP_ABBREV)
    if join_initials(expanded) != expanded:
        steps.append(STEP_INITIALS)
    return steps


def _version() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for dist in ("opencc", "pykakasi", "rigour"):
        digest.update(f"{dist}={_dist_version(dist)}".encode())
    return digest.hexdigest()[:16]


#: Changes whenever this module or the libraries it uses may give other keys.
NORMALISER_VERSION = _version()
