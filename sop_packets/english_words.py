"""English words the patient must say on the phone, kept in English beside the translation.

A US plan, office or hospital asks for "prior authorization", "charity care" or "an interpreter" in
English. Content marks such words once, where the translated term stands, and each language's
_language.yaml says how they print:

    {en:prior authorization}   an English term beside its translation: in vi,
                               "cho phép trước {en:prior authorization}" prints
                               "cho phép trước (tiếng Anh: prior authorization)"
    {say:I need an interpreter, please.}
                               a sentence to say as it is, in the language's quote marks:
                               → "“I need an interpreter, please.”"

The patterns are `english_term` and `english_say` in _language.yaml ({en} is the English). English
itself prints {say:…} in quotes and drops {en:…} (and the space before it): the word is already there.
Markers are expanded when content is loaded, so every later step sees plain text.
"""

from __future__ import annotations

import re
from typing import Any

MARKER = re.compile(r"(\s*)\{(en|say):([^{}]+)\}")
"""A marker and the space before it; the English may hold no braces."""


def expand_text(text: str, term: str, say: str) -> str:
    """A content string with its markers printed by the language's patterns."""
    if "{" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        space, kind, english = match.groups()
        pattern = term if kind == "en" else say
        if not pattern:
            return ""
        return space + pattern.replace("{en}", english.strip())

    return MARKER.sub(one, text)


def expand(node: Any, term: str, say: str) -> Any:
    """Every string of a content tree (dicts, lists) with its markers expanded; keys stay as written."""
    if isinstance(node, str):
        return expand_text(node, term, say)
    if isinstance(node, dict):
        return {key: expand(value, term, say) for key, value in node.items()}
    if isinstance(node, list):
        return [expand(value, term, say) for value in node]
    return node


def marked(text: str) -> list[tuple[str, str]]:
    """The markers of a raw content string, as (kind, English): [("en", "prior authorization")]."""
    return [(kind, english.strip()) for _space, kind, english in MARKER.findall(text)]


def mark_in_page(page: str, phrases: set[tuple[str, str]], term: str, say: str) -> str:
    """The page with each printed English word or sentence in <span lang="en">, so a screen reader
    says it in English and the language checks know it is meant to be English."""
    from html import escape

    head, sep, body = page.partition("<body")
    if not sep:
        return page
    for kind, english in sorted(phrases, key=lambda pair: -len(pair[1])):
        pattern = term if kind == "en" else say
        if "{en}" not in pattern:
            continue
        before, after = (escape(part, quote=False) for part in pattern.split("{en}", 1))
        shown = escape(english, quote=False)
        body = body.replace(f"{before}{shown}{after}", f'{before}<span lang="en">{shown}</span>{after}')
    return head + sep + body
