"""Is a word explained where it stands? ("melanoma (a skin cancer…)", "a biopsy is a…", "called a …")

The English patterns are built in; another language's are its _lint.yaml `explained_after` and
`explained_before`. Used by the plain-language lint (lint/terms.py) and by the packet itself, which
explains a hard word at its first use unless the sentence already does (first_use.py).
"""

from __future__ import annotations

import functools
import re

from .content import DEFAULT_LANGUAGE, available_languages, language_settings, packet_language

EXPLAINED_AFTER = re.compile(
    r"""^(?:'s|s|es)?(?:\s+[a-z][\w-]*){0,2}?(?:  # a phrase may go on: "perineural invasion means"
        \s*\(                                              # melanoma (a skin cancer ...)
      | \s*,?\s*(?:which|that)\s+(?:means|is\s+(?:a|an|the|when))\b
      | \s+(?:is|are)\s+(?:a|an|the|when|how|what|where|one|cells?|doctors?|surgery|medicine)\b
      | \s+means\b
      | \s*,\s*(?:a|an|the|meaning|which\s+is|also\s+called|or)\s
      | \s*[\u2013\u2014]\s                                  # term, a dash, an explanation
    )""",
    re.IGNORECASE | re.VERBOSE,
)
EXPLAINED_BEFORE = re.compile(
    r"(?:\(\s*(?:the\s+|a\s+|an\s+)?|\b(?:called|known\s+as|named|also\s+called)\s+(?:a\s+|an\s+|the\s+)?)$",
    re.IGNORECASE,
)


@functools.cache
def patterns_for(language: str = DEFAULT_LANGUAGE) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The (after, before) patterns of a language: its _lint.yaml's, else English's."""
    folder = language if language in available_languages() else packet_language(language)
    settings = language_settings(folder) or {}
    try:
        return (re.compile(str(settings["explained_after"]), re.IGNORECASE | re.VERBOSE),
                re.compile(str(settings["explained_before"]), re.IGNORECASE | re.VERBOSE))
    except (KeyError, re.error):  # lint reports a broken _lint.yaml by name; the packet falls back
        return EXPLAINED_AFTER, EXPLAINED_BEFORE


ALTERNATIVE = re.compile(r"\s*,\s*(?:or|o)\s", re.IGNORECASE)
"""", or …" after a word: the lint reads it as a second name ("Mohs surgery, or Mohs"); in "look for
NCI-designated cancer centers, or call …" it starts another choice and explains nothing."""


def is_explained(text: str, start: int, end: int, language: str = DEFAULT_LANGUAGE, *,
                 alternative_counts: bool = True) -> bool:
    """Is the word at text[start:end] explained right there, as the language's patterns read it?
    With alternative_counts=False, ", or …" after it is not an explanation."""
    after, before = patterns_for(language)
    if not alternative_counts and ALTERNATIVE.match(text[end:]):
        return bool(before.search(text[:start]))
    return explained_with(after, before, text, start, end)


def explained_with(after: re.Pattern[str], before: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """Is the word at text[start:end] explained by what follows it (after) or what comes before (before)?"""
    return bool(after.match(text[end:]) or before.search(text[:start]))
