"""One language's plain-language rules, read from templates/content/<language>/_lint.yaml.

English's rules are built in. Any other language's _lint.yaml names its readability measure and
limit, how its sentences end, whether its words have boundaries, its medical words and how a term
gets explained. A missing or incomplete file is reported by name and key, never as a traceback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..content import DEFAULT_LANGUAGE, available_languages, language_settings, packet_language
from .readability import MEASURES, Readability, SyllableRules
from .terms import EXPLAINED_AFTER, EXPLAINED_BEFORE, MEDICAL, NOT_MEDICAL, medical_pattern
from .text import ABBREVIATIONS, split_sentences

REQUIRED = ("readability", "medical_words", "explained_after", "explained_before")


class LanguageRulesError(ValueError):
    """A language's _lint.yaml is missing or incomplete; the message names the file and what is missing."""


@dataclass(frozen=True)
class Rules:
    """One language's plain-language rules: readability, sentences, medical words, explanations."""

    language: str = DEFAULT_LANGUAGE
    readability: Readability = field(default_factory=Readability)
    medical: re.Pattern[str] = MEDICAL
    not_medical: frozenset[str] = NOT_MEDICAL
    explained_after: re.Pattern[str] = EXPLAINED_AFTER
    explained_before: re.Pattern[str] = EXPLAINED_BEFORE
    abbreviations: frozenset[str] = ABBREVIATIONS
    full_stops: str = ""  # marks that end a sentence with no space after them (Chinese full stops)

    def sentences(self, unit: str) -> list[str]:
        return split_sentences(unit, self.abbreviations, self.full_stops)


@functools.cache
def rules_for(language: str = DEFAULT_LANGUAGE) -> Rules:
    """The rules for a packet language (a content folder, or a tag that chooses one).

    Raises LanguageRulesError naming the file and the missing or wrong setting.
    """
    folder = language if language in available_languages() else packet_language(language)
    if folder == DEFAULT_LANGUAGE and not language_settings(folder):
        return Rules()
    where = f"templates/content/{folder}/_lint.yaml"
    settings = language_settings(folder)
    if not settings:
        raise LanguageRulesError(
            f"{where} is missing: every language but English needs one, naming its readability measure "
            f"and limit ({', '.join(MEASURES)}), its medical words and how a term is explained "
            "(copy another language's _lint.yaml and see README, 'Adding a language')")
    missing = [key for key in REQUIRED if key not in settings]
    if missing:
        raise LanguageRulesError(f"{where}: missing {', '.join(missing)}")
    try:
        return Rules(
            language=folder,
            readability=_readability(settings["readability"], settings, folder),
            medical=medical_pattern(_texts(settings["medical_words"]), _texts(settings.get("medical_shapes")),
                                    str(settings.get("acronyms") or ""),
                                    word_boundaries=bool(settings.get("word_boundaries", True))),
            not_medical=frozenset(w.casefold() for w in _texts(settings.get("not_medical"))),
            explained_after=re.compile(str(settings["explained_after"]), re.IGNORECASE | re.VERBOSE),
            explained_before=re.compile(str(settings["explained_before"]), re.IGNORECASE | re.VERBOSE),
            abbreviations=frozenset(w.lower() for w in _texts(settings.get("abbreviations"))),
            full_stops=str(settings.get("full_stops") or ""),
        )
    except LanguageRulesError as exc:
        raise LanguageRulesError(f"{where}: {exc}") from None
    except KeyError as exc:
        raise LanguageRulesError(f"{where}: missing {exc.args[0]}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise LanguageRulesError(f"{where}: {exc}") from None
    except re.error as exc:
        raise LanguageRulesError(f"{where}: a pattern is not a valid regular expression: {exc}") from None


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LanguageRulesError(f"expected a list, found {type(value).__name__}")
    return [str(item) for item in value]


def _readability(readability: Any, settings: Mapping[str, Any], folder: str) -> Readability:
    if not isinstance(readability, Mapping):
        raise LanguageRulesError("readability must be a section with measure, name and limit")
    measure = str(readability.get("measure") or ("flesch" if "constant" in readability else "textstat"))
    if measure not in MEASURES:
        raise LanguageRulesError(f"readability.measure {measure!r} is not one of {', '.join(MEASURES)}")
    missing = [key for key in ("name", "limit", "higher_is_easier") if key not in readability]
    needs = {"flesch": ("constant", "per_syllable_per_word", "per_word_per_sentence"),
             "textstat": ("formula",),
             "characters_per_sentence": ("common_characters", "min_common_share")}.get(measure, ())
    missing += [key for key in needs if key not in readability]
    if missing:
        raise LanguageRulesError(f"readability ({measure}): missing {', '.join(missing)}")
    coefficients = None
    if measure == "flesch":
        coefficients = (float(readability["constant"]), float(readability["per_syllable_per_word"]),
                        float(readability["per_word_per_sentence"]))
    syllables = None
    if "syllables" in settings:
        vowels = settings["syllables"]
        syllables = SyllableRules(frozenset(vowels["strong"]), frozenset(vowels["weak"]),
                                  frozenset(vowels["stressed_weak"]), re.compile(vowels["silent"]),
                                  re.compile(vowels["vowel_y"]))
    units = {"characters_per_sentence": "characters", "syllables_per_sentence": "syllables"}
    unit = units.get(measure, "words")
    return Readability(
        formula=str(readability.get("formula", "")), name=str(readability["name"]),
        limit=float(readability["limit"]), higher_is_easier=bool(readability["higher_is_easier"]),
        coefficients=coefficients, syllables=syllables, measure=measure,
        language=folder.split("-")[0], unit=unit,
        common_characters=int(readability.get("common_characters", 0)),
        min_common_share=float(readability.get("min_common_share", 0.0)),
    )


def readability_score(sentences: Iterable[str], rules: Rules | None = None) -> float:
    """The language's readability score (English: Flesch-Kincaid grade)."""
    return (rules or Rules()).readability.score(sentences)
