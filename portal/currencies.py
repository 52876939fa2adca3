"""ISO 4217 currency choices in the reader's language (pycountry's table and its translations).

The amounts of a disclosure are stored with a three-letter code; the form offers the codes as a
list (yen first, then the currencies a Japanese university meets most, then every other active
code by code), each labelled "USD — 米ドル" in Japanese and "USD — US Dollar" in English.
"""

from __future__ import annotations

import functools
import gettext

from django.utils.translation import get_language

FIRST = ("JPY", "USD", "EUR", "CNY", "GBP", "KRW", "TWD")


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    import pycountry

    return {c.alpha_3: c.name for c in pycountry.currencies}


@functools.lru_cache(maxsize=8)
def _translator(language: str):
    import pycountry

    return gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=[language],
                               fallback=True)


def currency_codes() -> frozenset[str]:
    return frozenset(_table())


def currency_name(code: str, language: str | None = None) -> str:
    """The currency's name in ``language`` (default: the active one); the code if unknown."""
    name = _table().get(code)
    if name is None:
        return code
    language = (language or get_language() or "ja").split("-")[0]
    return name if language == "en" else _translator(language).gettext(name)


def currency_choices() -> list[tuple[str, str]]:
    """(code, "code — name") for a select: blank, the usual ones first, then the rest by code."""
    codes = [c for c in FIRST if c in _table()]
    codes += sorted(c for c in _table() if c not in FIRST)
    return [("", "---------")] + [(c, f"{c} — {currency_name(c)}") for c in codes]
