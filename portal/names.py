"""Normalisation of organisation names for registry search and list screening.

Copes with the variants named in DOMAIN.md §5: full-/half-width forms (NFKC), case,
punctuation and spacing, legal-form words (株式会社, (株), Co., Ltd., 有限公司, Inc., ...),
abbreviations (Univ. → university) and simplified/traditional Chinese characters for the
common ones. The riskmgmt matcher builds on these functions.
"""

from __future__ import annotations

import re
import unicodedata

# Legal-form words removed before comparing names (after NFKC + casefold).
LEGAL_FORMS = [
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "公益社団法人",
    "一般財団法人", "公益財団法人", "独立行政法人", "国立研究開発法人", "国立大学法人",
    "公立大学法人", "学校法人", "特定非営利活動法人", "(株)", "(有)", "㈱", "㈲",
    "有限公司", "股份有限公司", "有限责任公司", "有限責任公司", "集团", "集團", "公司",
    "co., ltd.", "co.,ltd.", "co. ltd.", "co ltd", "company limited", "corporation", "corp.",
    "corp", "incorporated", "inc.", "inc", "limited", "ltd.", "ltd", "llc", "l.l.c.", "gmbh",
    "s.a.", "plc", "pte", "pvt", "jsc", "ojsc", "pjsc", "co.", "k.k.",
    # More legal forms met in screening lists (METI, CSL).
    "company", "co", "fze", "fzco", "fzc", "fz llc", "llp", "sarl", "s.a.r.l.", "ooo", "oao",
    "zao", "sdn bhd", "bhd", "pty", "pte ltd", "pvt ltd",
]
ABBREVIATIONS = {
    "univ": "university",
    "univ.": "university",
    "inst": "institute",
    "inst.": "institute",
    "tech": "technology",
    "natl": "national",
    "int'l": "international",
    "intl": "international",
    "acad": "academy",
    "sci": "science",
    "&": "and",
}
# A small table of simplified → traditional/Japanese forms frequent in organisation names.
_HAN_VARIANTS = str.maketrans(
    {
        "学": "学", "學": "学", "国": "国", "國": "国", "华": "華", "东": "東", "电": "電",
        "气": "気", "氣": "気", "机": "機", "械": "械", "业": "業", "技": "技", "术": "術",
        "術": "術", "研": "研", "究": "究", "院": "院", "航": "航", "空": "空", "天": "天",
        "军": "軍", "軍": "軍", "工": "工", "程": "程", "科": "科", "信": "信", "息": "息",
        "发": "発", "發": "発", "展": "展", "团": "団", "團": "団", "有": "有", "限": "限",
        "公": "公", "司": "司", "北": "北", "京": "京", "上": "上", "海": "海", "门": "門",
        "門": "門", "龙": "竜", "龍": "竜", "广": "広", "廣": "広", "州": "州", "兴": "興",
        "興": "興", "实": "実", "實": "実", "验": "験", "驗": "験", "处": "処", "處": "処",
        "应": "応", "應": "応", "用": "用", "体": "体", "體": "体", "会": "会", "會": "会",
        "经": "経", "經": "経", "济": "済", "濟": "済", "贸": "貿", "貿": "貿", "易": "易",
        "进": "進", "進": "進", "出": "出", "口": "口", "联": "聯", "聯": "聯", "合": "合",
        "产": "産", "產": "産", "设": "設", "設": "設", "备": "備", "備": "備", "导": "導",
        "導": "導", "弹": "弾", "彈": "弾", "器": "器", "材": "材", "料": "料", "化": "化",
        "核": "核", "能": "能", "源": "源", "系": "系", "统": "統", "統": "統", "网": "網",
        "網": "網", "络": "絡", "絡": "絡", "计": "計", "計": "計", "算": "算", "飞": "飛",
        "飛": "飛", "船": "船", "舶": "舶", "车": "車", "車": "車", "辆": "両", "輛": "両",
        "铁": "鉄", "鐵": "鉄", "钢": "鋼", "鋼": "鋼", "药": "薬", "藥": "薬", "医": "医",
        "醫": "医", "疗": "療", "療": "療", "卫": "衛", "衛": "衛", "星": "星", "载": "載",
        "載": "載", "总": "総", "總": "総", "厂": "廠", "廠": "廠", "区": "区", "區": "区",
    }
)
_PUNCT_RE = re.compile(r"[\s\-‐‑‒–—―・･·.,，、。'’\"“”()（）\[\]［］{}「」『』/／\\:：;；!！?？&＆+＋*＊]+")


def nfkc_casefold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").casefold()


_FORMS_N = sorted({nfkc_casefold(f) for f in LEGAL_FORMS}, key=len, reverse=True)
_ASCII_FORMS_RE = re.compile(
    r"(?<![a-z0-9\-])(?:" + "|".join(re.escape(f) for f in _FORMS_N if f.isascii())
    + r")(?![a-z0-9\-])"
)
_CJK_FORMS_RE = re.compile("|".join(re.escape(f) for f in _FORMS_N if not f.isascii()))


def strip_legal_forms(value: str) -> str:
    """Remove legal-form words (one pass per script, longest form first)."""
    text = f" {value} "
    text = _ASCII_FORMS_RE.sub(" ", text)
    # Run twice: removing one form may expose another ("co., ltd." inside "company limited").
    text = _ASCII_FORMS_RE.sub(" ", text)
    return _CJK_FORMS_RE.sub(" ", text)


def expand_abbreviations(value: str) -> str:
    words = value.split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def normalize_name(value: str) -> str:
    """Return the comparison key of a name: width, case, legal forms, punctuation folded."""
    text = nfkc_casefold(value)
    text = text.translate(_HAN_VARIANTS)
    text = strip_legal_forms(text)
    text = expand_abbreviations(text)
    text = _PUNCT_RE.sub(" ", text)
    text = re.sub(r"\bthe\b", " ", text)
    return " ".join(text.split())


def compact(value: str) -> str:
    """The normalised name without spaces (Japanese names are written without them)."""
    return normalize_name(value).replace(" ", "")


# --- Kana → romaji (Hepburn), so that a katakana/hiragana name meets its romanised form --------

_KANA_DIGRAPHS = {
    "きゃ": "kya", "きゅ": "kyu", "きょ": "kyo", "しゃ": "sha", "しゅ": "shu", "しょ": "sho",
    "ちゃ": "cha", "ちゅ": "chu", "ちょ": "cho", "にゃ": "nya", "にゅ": "nyu", "にょ": "nyo",
    "ひゃ": "hya", "ひゅ": "hyu", "ひょ": "hyo", "みゃ": "mya", "みゅ": "myu", "みょ": "myo",
    "りゃ": "rya", "りゅ": "ryu", "りょ": "ryo", "ぎゃ": "gya", "ぎゅ": "gyu", "ぎょ": "gyo",
    "じゃ": "ja", "じゅ": "ju", "じょ": "jo", "びゃ": "bya", "びゅ": "byu", "びょ": "byo",
    "ぴゃ": "pya", "ぴゅ": "pyu", "ぴょ": "pyo", "しぇ": "she", "じぇ": "je", "ちぇ": "che",
    "てぃ": "ti", "でぃ": "di", "とぅ": "tu", "どぅ": "du", "ふぁ": "fa", "ふぃ": "fi",
    "ふぇ": "fe", "ふぉ": "fo", "うぃ": "wi", "うぇ": "we", "うぉ": "wo", "ゔぁ": "va",
    "ゔぃ": "vi", "ゔぇ": "ve", "ゔぉ": "vo", "つぁ": "tsa", "いぇ": "ye",
}
_KANA = dict(zip(
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔぁぃぅぇぉゃゅょゎ",
    ["a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "sa", "shi", "su", "se", "so",
     "ta", "chi", "tsu", "te", "to", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he", "ho",
     "ma", "mi", "mu", "me", "mo", "ya", "yu", "yo", "ra", "ri", "ru", "re", "ro", "wa", "o", "n",
     "ga", "gi", "gu", "ge", "go", "za", "ji", "zu", "ze", "zo", "da", "ji", "zu", "de", "do",
     "ba", "bi", "bu", "be", "bo", "pa", "pi", "pu", "pe", "po", "vu", "a", "i", "u", "e", "o",
     "ya", "yu", "yo", "wa"],
    strict=True,
))
_KANA_RE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]")


def has_kana(value: str) -> bool:
    return bool(_KANA_RE.search(value or ""))


def kana_to_romaji(value: str) -> str:
    """Romanise hiragana/katakana (Hepburn, long vowels dropped); other characters stay."""
    text = "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in value or "")
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        c = text[i]
        if pair in _KANA_DIGRAPHS:
            out.append(_KANA_DIGRAPHS[pair])
            i += 2
            continue
        if c == "っ" and i + 1 < len(text):
            nxt = _KANA_DIGRAPHS.get(text[i + 1:i + 3]) or _KANA.get(text[i + 1], "")
            out.append(nxt[:1] if nxt else "")
            i += 1
            continue
        if c == "ー":
            i += 1
            continue
        out.append(_KANA.get(c, c))
        i += 1
    return "".join(out)


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
_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]+")


def _gloss(value: str) -> str:
    for ja, en in JA_TERMS:
        value = value.replace(ja, f" {en} ")
    return value


def name_keys(value: str) -> list[str]:
    """Comparison keys of a name: its normalised form and, for kana, its romanised forms.

    Used by the screening matcher so that ``ロスアトム`` meets ``Rosatom``,
    ``ハルビン工業大学`` meets ``Harbin Institute of Technology`` and ``ＡＢＣ（株）`` meets
    ``ABC Co., Ltd.``.
    """
    base = normalize_name(value)
    keys = [base] if base else []
    if has_kana(base):
        glossed = _gloss(base)
        roman = _KANA_RUN.sub(lambda m: f" {kana_to_romaji(m.group())} ", glossed)
        loose = _KANA_RUN.sub(lambda m: f" {loose_romaji(kana_to_romaji(m.group()))} ", glossed)
        for key in (normalize_name(roman), normalize_name(loose)):
            if key and key not in keys:
                keys.append(key)
    return keys


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
