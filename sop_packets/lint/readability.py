"""How hard a packet is to read, measured the way its language's _lint.yaml says, with that limit.

Measures (the `measure:` of a _lint.yaml `readability:` section):

* `textstat`: a textstat function by name (English: flesch_kincaid_grade, at most grade 7);
* `flesch`: a Flesch-type formula by its coefficients, constant + a x syllables/word + b x
  words/sentence, syllables counted by vowel rules (Spanish: Fernández-Huerta, at least 70);
* `characters_per_sentence`: for scripts without spaces (Chinese): the average sentence length in
  characters, together with the share of its Han characters that are among the `common_characters`
  most frequent Chinese characters (wordfreq's Chinese frequency list), which must be at least
  `min_common_share`;
* `syllables_per_sentence`: for Vietnamese, which writes each syllable as its own word: the average
  sentence length in syllables.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import textstat
from textstat.textstat import textstatistics

from ..script import HAN
from .text import joined, length, words_of

MAX_GRADE = 7.0
"""The highest Flesch-Kincaid grade a packet may read at. Patients read these packets frightened."""

MEASURES = ("textstat", "flesch", "characters_per_sentence", "syllables_per_sentence")


@dataclass(frozen=True)
class SyllableRules:
    """Counting syllables by vowel nuclei, for languages whose spelling shows them (Spanish).

    Each run of vowels is one syllable, except that two strong vowels, or a stressed weak vowel next
    to another vowel, are two (hiatus: "le-er", "dí-a", "re-ú-na"). Letters matched by `silent`
    ("u" in que, gui) do not count; `vowel_y` marks a "y" that is a vowel ("hoy", "muy", "y").
    """

    strong: frozenset[str]
    weak: frozenset[str]
    stressed_weak: frozenset[str]
    silent: re.Pattern[str]
    vowel_y: re.Pattern[str]

    def count(self, word: str) -> int:
        word = self.vowel_y.sub("i", self.silent.sub("", word.lower()))
        vowels = self.strong | self.weak | self.stressed_weak
        count, previous = 0, ""
        for letter in word:
            if letter in vowels and (previous not in vowels or _hiatus(previous, letter, self)):
                count += 1
            previous = letter
        return max(count, 1)


def _hiatus(first: str, second: str, rules: SyllableRules) -> bool:
    strong = first in rules.strong and second in rules.strong
    return strong or first in rules.stressed_weak or second in rules.stressed_weak


@dataclass(frozen=True)
class Readability:
    """How a language's readability is measured, and its limit (see the module's docstring)."""

    formula: str = "flesch_kincaid_grade"
    name: str = "grade"
    limit: float = MAX_GRADE
    higher_is_easier: bool = False  # grades: lower is easier; reading-ease scores: higher is easier
    coefficients: tuple[float, float, float] | None = None  # constant, per syllable/word, per word/sentence
    syllables: SyllableRules | None = None
    measure: str = "textstat"
    language: str = "en"  # textstat's language for its syllable counting
    unit: str = "words"  # how a sentence's length is counted: words, characters or syllables
    common_characters: int = 0  # characters_per_sentence: how many of the most frequent characters are common
    min_common_share: float = 0.0  # ... and the least share of a packet's Han characters that must be common

    def passes(self, score: float, common_share: float | None = None) -> bool:
        ok = score >= self.limit if self.higher_is_easier else score <= self.limit
        return ok and (common_share is None or common_share >= self.min_common_share)

    def describe_limit(self) -> str:
        limit = f"at least {self.limit:g}" if self.higher_is_easier else f"limit {self.limit:.1f}"
        if self.common_characters:
            limit += (f"; at least {self.min_common_share:.0%} of its characters among the "
                      f"{self.common_characters} most common")
        return limit

    def score(self, sentences: Iterable[str]) -> float:
        """The packet's score by this measure, rounded to one decimal."""
        sentences = [s for s in sentences if s.strip()]
        if not sentences:
            return 0.0
        if self.measure in ("characters_per_sentence", "syllables_per_sentence"):
            return round(sum(length(s, self.unit) for s in sentences) / len(sentences), 1)
        text = joined(sentences)
        if self.measure == "textstat" and self.language == "en":
            return round(float(getattr(textstat, self.formula)(text)), 1)
        stats = textstatistics()  # its own instance: set_lang on the shared one would change English counts
        stats.set_lang(self.language)
        if self.coefficients is None:
            return round(float(getattr(stats, self.formula)(text)), 1)
        words = words_of(text)
        if not words:
            return 0.0
        count = self.syllables.count if self.syllables else stats.syllable_count
        per_word = sum(count(word) for word in words) / len(words)
        per_sentence = stats.lexicon_count(text) / max(1, stats.sentence_count(text))
        constant, syllable_weight, sentence_weight = self.coefficients
        return round(constant + syllable_weight * per_word + sentence_weight * per_sentence, 1)

    def common_share(self, sentences: Iterable[str]) -> float | None:
        """The share of Han characters that are common (characters_per_sentence only); None otherwise."""
        if not self.common_characters:
            return None
        han = [char for sentence in sentences for char in HAN.findall(sentence)]
        if not han:
            return 1.0
        common = common_chinese_characters(self.common_characters)
        simplified = simplified_map()
        return round(sum(simplified.get(ord(c), c) in common for c in han) / len(han), 3)


def reading_grade(sentences: Iterable[str]) -> float:
    """Flesch-Kincaid grade (textstat) of the sentences, each ended with a period if it has no end mark.

    textstat does not count a "sentence" of two words or fewer as a sentence, but still counts its
    words; so short headings and table labels make the grade a little higher, never lower.
    """
    text = joined(sentences)
    return round(textstat.flesch_kincaid_grade(text), 1) if text else 0.0


@functools.cache
def common_chinese_characters(count: int) -> frozenset[str]:
    """The `count` most frequent Chinese characters (Simplified), from wordfreq's Chinese word list.

    A character's frequency is the sum of the frequencies of the words that contain it (wordfreq
    gives words, not characters); its sources are listed in wordfreq's README (SUBTLEX-CH, Wikipedia,
    OpenSubtitles, Google Books, and others).
    """
    from wordfreq import get_frequency_dict

    totals: dict[str, float] = {}
    for word, frequency in get_frequency_dict("zh").items():
        for char in HAN.findall(word):
            totals[char] = totals.get(char, 0.0) + frequency
    ranked = sorted(totals, key=lambda c: (-totals[c], c))
    return frozenset(ranked[:count])


@functools.cache
def simplified_map() -> dict[int, str]:
    """Traditional to Simplified, character by character: the table wordfreq ships for its lookups."""
    import gzip

    import msgpack
    from wordfreq.util import data_path

    with gzip.open(data_path("_chinese_mapping.msgpack.gz")) as file:
        table = msgpack.load(file, raw=False, strict_map_key=False)
    return {int(key): str(value) for key, value in table.items()}
