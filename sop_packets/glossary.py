"""Words to know: a language's glossary (templates/content/<lang>/glossary.yaml), and which terms a text uses.

Pure functions, no I/O. Matching ignores case and is whole-word where the script has spaces: "stage"
is found in "Stage IV" but not inside "upstage". A term in a script written without spaces (Chinese)
is found anywhere: "活检" in "医生做了活检。". A term's aliases (plurals, other spellings) count as
uses of the term.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .collation import sort_key as collation_key
from .script import SPACED_LETTER, spaceless, whole_word


@dataclass(frozen=True)
class Term:
    """One glossary entry: the term as printed, its plain definition, and other forms that count."""

    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    in_place: str = ""
    """A few words that explain the term where the reader first meets it (first_use.py); may be empty."""

    @functools.cached_property
    def forms(self) -> tuple[str, ...]:
        """The term and its aliases, longest first, without repeats (worked out once per term)."""
        unique = dict.fromkeys(form.strip() for form in (self.term, *self.aliases) if form.strip())
        return tuple(sorted(unique, key=len, reverse=True))


@dataclass(frozen=True)
class Use:
    """Where a glossary term occurs in one text: the span [start, end) and the words found there."""

    term: Term
    start: int
    end: int
    found: str


def load_glossary(content: Mapping[str, Any], stem: str = "glossary",
                  collation: str = "plain") -> tuple[Term, ...]:
    """The glossary from loaded content (content[stem], by default content["glossary"]), in the order
    a reader of the language looks words up (collation.py: plain, vietnamese, pinyin, zhuyin).

    Each entry is `term: {definition: "...", aliases: [...]}`. Raises ValueError naming the term
    when an entry has no definition or its aliases are not a list.
    """
    terms = []
    for name, entry in (content.get(stem) or {}).items():
        if not isinstance(entry, Mapping):
            raise ValueError(f"glossary term {name!r} must have a definition and aliases")
        definition = str(entry.get("definition") or "").strip()
        if not definition:
            raise ValueError(f"glossary term {name!r} has no definition")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list):
            raise ValueError(f"glossary term {name!r}: aliases must be a list")
        terms.append(Term(str(name).strip(), " ".join(definition.split()),
                          tuple(str(alias).strip() for alias in aliases),
                          " ".join(str(entry.get("in_place") or "").split())))
    key = collation_key(collation)
    return tuple(sorted(terms, key=lambda term: key(term.term)))


def sort_key(term: Term) -> tuple:
    """Alphabetical order ignoring case and accents, as a reader expects in a glossary ("índice" under i)."""
    return collation_key("plain")(term.term)


def uses_of(forms: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    """Where the forms of a term occur in text, as (start, end) in text order: the spans _pattern(forms)
    would find, by the plain-text search of terms_used (no costly pattern compiled per term). Where two
    forms start at one place, the longer wins; no span lies inside another."""
    found: list[tuple[int, int]] = []
    for form in forms:  # longest first
        for start, end in _form_spans(form, text):
            if not any(s <= start and end <= e for s, e in found):
                found.append((start, end))
    return sorted(found)


@functools.cache
def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern for a term's forms, each a whole word where its script has spaces;
    spaces match any run of spaces."""
    words = (whole_word(form, r"\s+".join(re.escape(word) for word in form.split())) for form in forms)
    return re.compile("|".join(words), re.IGNORECASE)


def find_uses(text: str, glossary: Iterable[Term]) -> list[Use]:
    """Every place a glossary term (or alias) occurs in text, in text order.

    Terms may overlap: "sentinel lymph node biopsy" also contains uses of "lymph node" and "biopsy".
    """
    uses = [
        Use(term, match.start(), match.end(), match.group())
        for term in glossary
        if term.forms
        for match in _pattern(term.forms).finditer(text)
    ]
    return sorted(uses, key=lambda use: (use.start, -use.end))


def terms_used(texts: Iterable[str], glossary: Iterable[Term], collation: str = "plain") -> list[Term]:
    """The glossary terms that occur in any of the texts (whole word, any case), in the language's
    glossary order (collation.py).

    The same answer as searching with each term's whole-word pattern (_pattern), found faster: each
    form's words are searched as plain text, and only the character on each side is checked. The
    whole-word pattern starts with a look-behind over a character class spanning the spaceless
    scripts, which costs milliseconds to compile per form and keeps `search` from skipping ahead.
    """
    texts = [text for text in texts if text]
    lowered = [text.lower() for text in texts]
    found = [term for term in glossary
             if term.forms and _may_occur(term.forms, lowered)
             and any(_occurs(form, text) for form in term.forms for text in texts)]
    key = collation_key(collation)
    return sorted(found, key=lambda term: key(term.term))


_SPACED_LETTER = re.compile(SPACED_LETTER)


@functools.cache
def _plain(form: str) -> tuple[re.Pattern[str], bool, bool]:
    """A form's words as a case-insensitive pattern without boundary checks, and whether its first
    and last letters need a word boundary (as in whole_word: not when they are in a spaceless script)."""
    words = re.compile(r"\s+".join(re.escape(word) for word in form.split()), re.IGNORECASE)
    return words, not spaceless(form[0]), not spaceless(form[-1])


def _occurs(form: str, text: str) -> bool:
    """Does form occur in text as _pattern((form,)) finds it: no letter of a spaced script touching it?"""
    return next(_form_spans(form, text), None) is not None


def _form_spans(form: str, text: str) -> Iterator[tuple[int, int]]:
    """Each (start, end) where form occurs in text with no letter of a spaced script touching it, lazily
    (a rejected match is retried one character on, so an overlapping later one is still found)."""
    words, check_before, check_after = _plain(form)
    position = 0
    while match := words.search(text, position):
        start, end = match.span()
        if not ((check_before and start and _SPACED_LETTER.match(text, start - 1))
                or (check_after and _SPACED_LETTER.match(text, end))):
            yield start, end
            position = end
        else:
            position = start + 1


def _may_occur(forms: tuple[str, ...], lowered_texts: list[str]) -> bool:
    """A quick test before the whole-word pattern: the first word of some form is in some text."""
    firsts = [form.split()[0].lower() for form in forms if form.split()]
    return any(first in text for first in firsts for text in lowered_texts)
