"""Facts about writing systems that matching and counting need, for any language.

Some scripts put no spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar): a term written in
them is found anywhere in a text ("活检" in "医生做了活检。"), while a term in a spaced script must
stand as a whole word ("stage" is not in "upstage").
"""

from __future__ import annotations

import re

SPACELESS_RANGES = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3040-\u30ff"  # CJK marks, kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\U00020000-\U0003ffff"  # Han, supplementary planes
)
SPACELESS = re.compile(f"[{SPACELESS_RANGES}]")
SPACED_LETTER = f"[^\\W{SPACELESS_RANGES}]"
"""A letter or digit of a script with spaces: what may not touch a whole word."""
SPACED_LETTER_OR_HYPHEN = f"(?:{SPACED_LETTER}|-)"
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def has_latin_letters(text: str) -> bool:
    """Whether text has a Latin letter (with or without marks: Nguyễn, Müller); 王秀英 has none."""
    import unicodedata

    return any(char.isalpha() and unicodedata.name(char, "").startswith("LATIN") for char in text)


def spaceless(char: str) -> bool:
    """Is char a letter of a script written without spaces between words?"""
    return bool(SPACELESS.match(char))


def whole_word(form: str, escaped: str, word_chars: str = SPACED_LETTER) -> str:
    """The regex `escaped` (matching `form`) with word-boundary checks on the sides where form's
    first or last letter is in a spaced script; a side in a spaceless script needs none. A Han
    character next to a Latin word is no word of that script: "PD-1" is found in "PD-1抑制剂".

    The checks match case-sensitively even in a case-insensitive pattern ((?-i:...)): the same
    characters for SPACED_LETTER (tested over every code point), and a third of the compile time,
    which was ~10% of a cold `build` (a pattern per glossary term for the first-use explanations)."""
    before = "" if form[:1] and spaceless(form[0]) else f"(?<!(?-i:{word_chars}))"
    after = "" if form[-1:] and spaceless(form[-1]) else f"(?!(?-i:{word_chars}))"
    return f"{before}{escaped}{after}"
