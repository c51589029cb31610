"""Sentences: where a block of text splits into sentences, and how long a sentence is.

Spaced scripts end a sentence with . ! ? and a space ("Dr." and "U.S." end none); a language may add
full stops that need no space after them (Chinese), named in its _lint.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import textstat

from ..script import SPACELESS

ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "vs", "jr", "sr", "prof", "e.g", "i.e", "approx"})

CLOSERS = "\"')\\]\u201d\u2019\u300d\u300f\uff09\u3011"  # quotes and brackets that may follow an end mark
_SENTENCE_END = re.compile(rf"[.!?]+[{CLOSERS}]*(?=\s|$)")
_ENDS_SENTENCE = re.compile(rf"[.!?\u3002\uff01\uff1f][{CLOSERS}]*$")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")


def _end_pattern(full_stops: str) -> re.Pattern[str]:
    if not full_stops:
        return _SENTENCE_END
    stops = re.escape(full_stops)
    return re.compile(rf"[.!?]+[{CLOSERS}]*(?=\s|$)|[{stops}]+[{CLOSERS}]*")


def split_sentences(unit: str, abbreviations: frozenset[str] = ABBREVIATIONS,
                    full_stops: str = "") -> list[str]:
    """Split a block of text into sentences at . ! ? and a space, or at any of `full_stops`.

    "Dr." and "U.S." end no sentence.
    """
    sentences: list[str] = []
    start = 0
    for end in _end_pattern(full_stops).finditer(unit):
        before = unit[start:end.start()].split()
        last = before[-1] if before else ""
        if end.group() == "." and (
            last.lower().lstrip("(") in abbreviations or _INITIALS.fullmatch(last)
            or (len(last) == 1 and last.isupper() and last not in "IVX")
        ):
            continue
        if piece := unit[start:end.end()].strip():
            sentences.append(piece)
        start = end.end()
    if rest := unit[start:].strip():
        sentences.append(rest)
    return sentences


def joined(sentences: Iterable[str]) -> str:
    """Sentences as one text, each ended with a period if it has no end mark (textstat counts them so)."""
    return " ".join(s if _ENDS_SENTENCE.search(s) else f"{s}." for s in sentences)


def words_of(text: str) -> list[str]:
    """The words of a spaced script (letters, with inner apostrophes and hyphens); no numbers."""
    return _WORD.findall(SPACELESS.sub(" ", text))


def length(sentence: str, unit: str = "words") -> int:
    """A sentence's length: words (spaced scripts), characters (Han, kana: letters only), or syllables
    (Vietnamese writes every syllable as its own space-separated word, so syllables are its words)."""
    if unit == "characters":
        return len(SPACELESS.findall(sentence)) + len(words_of(sentence))
    if unit == "syllables":
        return len(words_of(sentence))
    return textstat.lexicon_count(sentence)
