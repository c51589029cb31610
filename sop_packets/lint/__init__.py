"""Plain-language check of built packets, split by concern:

* text: sentences and their lengths, for any script;
* readability: each language's measure and limit;
* terms: medical words that must be in the glossary or explained where first used;
* rules: one language's rules, from its templates/content/<lang>/_lint.yaml;
* sources: which content entry a sentence comes from;
* report: checking packets and profiles, and the report `sop-packets lint` prints.

The visible text of a page comes from sop_packets.visible, which rendering uses too.
"""

from __future__ import annotations

from ..visible import visible_units
from .readability import MAX_GRADE, Readability, SyllableRules, reading_grade
from .report import (
    LONGEST,
    LintReport,
    PacketLint,
    Sentence,
    lint_file,
    lint_html,
    lint_paths,
    longest_sentences,
    packet_sentences,
    profile_words,
)
from .rules import LanguageRulesError, Rules, readability_score, rules_for
from .sources import NOT_IN_CONTENT, content_strings, sources_of
from .terms import (
    ACRONYMS,
    MEDICAL_SHAPES,
    MEDICAL_WORDS,
    NOT_MEDICAL,
    UndefinedTerm,
    explained,
    medical_terms,
    undefined_terms,
)
from .text import ABBREVIATIONS, split_sentences

__all__ = [
    "ABBREVIATIONS", "ACRONYMS", "LONGEST", "MAX_GRADE", "MEDICAL_SHAPES", "MEDICAL_WORDS", "NOT_IN_CONTENT",
    "NOT_MEDICAL", "LanguageRulesError", "LintReport", "PacketLint", "Readability", "Rules", "Sentence",
    "SyllableRules", "UndefinedTerm", "content_strings", "explained", "lint_file", "lint_html", "lint_paths",
    "longest_sentences", "medical_terms", "packet_sentences", "profile_words", "readability_score",
    "reading_grade", "rules_for", "sources_of", "split_sentences", "undefined_terms", "visible_units",
]
