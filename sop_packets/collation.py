"""The order a reader looks words up in, per language (`collation` in _language.yaml).

* plain (the default): alphabetical, ignoring case and accents ("índice" under i);
* vietnamese: the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), tones after the letters;
* pinyin: Chinese terms by their Mandarin reading in pinyin, syllable by syllable, tone after the
  letters (pypinyin, which reads a character by the word it is in: 行 in 银行 is háng);
* zhuyin: Chinese terms by their reading in zhuyin (bopomofo) order, ㄅㄆㄇㄈ…, as Taiwan dictionaries
  and indexes do (pypinyin's BOPOMOFO style).

Terms in Latin letters (Breslow, NCI) come first in the Chinese orders, alphabetically.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable

COLLATIONS = ("plain", "vietnamese", "pinyin", "zhuyin")

VIETNAMESE_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
VIETNAMESE_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""Grave (huyền), hook (hỏi), tilde (ngã), acute (sắc), dot below (nặng); no mark (ngang) is 0."""
ZHUYIN_TONES = str.maketrans({"\u02ca": "2", "\u02c7": "3", "\u02cb": "4", "\u02d9": "5"})
"""Zhuyin tone marks as digits, so tone 1 (no mark) < 2 < 3 < 4 < neutral, and all before the letters."""


def plain_key(text: str) -> tuple:
    letters = unicodedata.normalize("NFD", text.casefold())
    return ("".join(c for c in letters if not unicodedata.combining(c)), text)


def vietnamese_key(text: str) -> tuple:
    """Letters in the Vietnamese alphabet's order first, then the tones, then the text itself."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", text.casefold()):
        parts = unicodedata.normalize("NFD", char)
        tone = next((VIETNAMESE_TONES[mark] for mark in parts if mark in VIETNAMESE_TONES), 0)
        base = unicodedata.normalize("NFC", "".join(mark for mark in parts if mark not in VIETNAMESE_TONES))
        rank = VIETNAMESE_ALPHABET.find(base)
        letters.append((0, rank) if rank >= 0 else (1, ord(base[:1] or " ")))
        tones.append(tone)
    return (letters, tones, text)


def _latin_first(text: str) -> bool:
    return not text[:1].isascii()


def pinyin_key(text: str) -> tuple:
    from pypinyin import Style, lazy_pinyin

    return (_latin_first(text), lazy_pinyin(text.casefold(), style=Style.TONE3, neutral_tone_with_five=True),
            text)


def zhuyin_key(text: str) -> tuple:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text.casefold(), style=Style.BOPOMOFO)
    return (_latin_first(text), [syllable.translate(ZHUYIN_TONES) for syllable in syllables], text)


@functools.cache
def sort_key(collation: str = "plain") -> Callable[[str], tuple]:
    """The sort key of a text for a collation name; an unknown name is an error naming the choices."""
    keys = {"plain": plain_key, "vietnamese": vietnamese_key, "pinyin": pinyin_key, "zhuyin": zhuyin_key}
    if collation not in keys:
        raise ValueError(f"unknown collation {collation!r}; use one of: {', '.join(COLLATIONS)}")
    return keys[collation]
