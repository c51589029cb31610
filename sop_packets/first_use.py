"""Hard words explained where the reader first meets them (CDC Clear Communication Index item 7).

A glossary entry may give a short `in_place` explanation ("a cancer surgeon"). In the part of the
packet every reader reads after page one (from its end anchor to <section id="more">: page one's room is
measured, and its words are in the glossary), the
first use of such a term in running text gets it in brackets, in the language's own brackets
(_language.yaml `gloss`: " ({gloss})", full-width in Chinese), unless the sentence already explains the word
(a bracket, "is a", "which means", ... as the language's lint rules read it). Headings, tables, the
contents and figures are never changed, and each term is explained once. Pure function of the page.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterable

from .glossary import Term, uses_of

PIECES = re.compile(r"(<!--.*?-->|<[^>]+>)", re.S)
"""The page as tags (and comments) and the text between them."""
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
SKIPPED = frozenset({"h1", "h2", "h3", "h4", "table", "nav", "figure", "figcaption", "style", "script",
                     "title", "cite", "dt", "svg", "button", "label", "a"})
"""Elements whose text is never changed: headings, tables, the contents, pictures, citations, links."""
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col"})
HIDDEN = re.compile(r'\b(?:lang|aria-hidden|hidden)\b|class="[^"]*visually-hidden')
MORE = '<section id="more"'
"""Where the reference part begins: the core part, which every reader reads, is the HTML before it."""
PAGE_ONE_END = 'id="page-one-end"'
CONTEXT = 160
"""How many characters of the sentence around a term the explanation check reads."""


def explain_first_uses(page: str, terms: Iterable[Term], gloss_pattern: str, is_explained,
                       gloss_before: str = "$") -> str:
    """The page with each term's in_place words after its first unexplained use in the core part.

    `gloss_pattern` holds "{gloss}"; `is_explained(text, start, end)` says whether the word at
    text[start:end] is already explained there (explanation.is_explained with the language's rules);
    `gloss_before` is what must follow the word (_language.yaml): a word that may be inside a longer
    name ("the lymph node test") gets no explanation there; its next use does.
    """
    may_follow = re.compile(gloss_before, re.IGNORECASE)
    terms = [term for term in terms if term.forms]
    waiting = [term for term in terms if term.in_place]
    head, sep, rest = page.partition("<body")
    if not waiting or not sep or "{gloss}" not in gloss_pattern:
        return page
    # page one is left as it is: its room is measured (page_one.py), and the glossary explains its words
    anchor = rest.find(PAGE_ONE_END)
    cut = rest.index(">", anchor) + 1 if anchor >= 0 else 0
    page_one, after_one = rest[:cut], rest[cut:]
    core, more_sep, more = after_one.partition(MORE)
    pieces = PIECES.split(core)
    stack: list[bool] = []  # for each open element: is its text left alone?
    for index, piece in enumerate(pieces):
        if not waiting:
            break
        if index % 2:
            _follow_tag(piece, stack)
            continue
        if not piece.strip() or (stack and stack[-1]):
            continue
        pieces[index] = _explain_in(piece, waiting, terms, pieces, index, gloss_pattern, is_explained,
                                    lambda text, end: bool(may_follow.match(text[end:])))
    return head + sep + page_one + "".join(pieces) + more_sep + more


def _follow_tag(tag: str, stack: list[bool]) -> None:
    match = TAG.match(tag)
    if not match or tag.startswith("<!"):
        return
    closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
    if closing:
        if stack:
            stack.pop()
        return
    if name in VOID or attrs.rstrip().endswith("/"):
        return
    skipped = bool(stack and stack[-1]) or name in SKIPPED or bool(HIDDEN.search(attrs))
    stack.append(skipped)


def _explain_in(text: str, waiting: list[Term], terms: list[Term], pieces: list[str], index: int,
                gloss_pattern: str, is_explained, may_gloss) -> str:
    """One text piece with the glosses of the waiting terms that first occur in it. A use inside a
    longer term ("lymph node" in "sentinel lymph node biopsy") is not a use of the shorter one. A use
    whose next word may continue a longer name ("the lymph node test": `may_gloss` false) takes no
    explanation, and the term waits for its next use."""
    found = []
    longer = None  # the spans of every term in this piece, found once, when a waiting term occurs
    earlier = ""  # the plain text of the pieces before this one, read with `longer`
    for term in list(waiting):
        spans = uses_of(term.forms, text)
        if not spans:
            continue
        if longer is None:
            longer = [(other, span) for other in terms for span in uses_of(other.forms, text)]
            earlier = _plain("".join(pieces[max(0, index - 6):index]))[-CONTEXT:]
        for start, end in (span for span in spans if not _inside_longer(span, term, longer)):
            before = earlier + _plain(text[:start])
            after = _plain(text[end:] + "".join(pieces[index + 1:index + 7]))[:CONTEXT]
            sentence, word_end = before + text[start:end] + after, len(before) + end - start
            explained = is_explained(sentence, len(before), word_end)
            if explained or _next_sentence_opens_with(after, text[start:end]):
                waiting.remove(term)
                break
            if may_gloss(sentence, word_end):
                waiting.remove(term)
                found.append((end, term))
                break
    if not found:
        return text
    gloss_text = html_module.escape(gloss_pattern)
    for end, term in sorted(found, key=lambda pair: -pair[0]):
        words = html_module.escape(term.in_place)
        gloss = gloss_text.replace("{gloss}", f'<span class="gloss">{words}</span>')
        text = text[:end] + gloss + text[end:]
    return text


def _next_sentence_opens_with(after: str, word: str) -> bool:
    """The next sentence starts with the word itself ("… by radiation. Radiation is …"): the text goes on
    to say what it is, and a bracket there would say it twice (rating round 3, ex-33)."""
    rest = after.lstrip()
    return rest[:1] in (".", "\u3002") and rest[1:].lstrip().casefold().startswith(word.casefold())


def _inside_longer(span: tuple[int, int], term: Term, longer: list[tuple[Term, tuple[int, int]]]) -> bool:
    start, end = span
    return any(other is not term and s <= start and end <= e and (s, e) != (start, end)
               for other, (s, e) in longer)


def _plain(fragment: str) -> str:
    return html_module.unescape(PIECES.sub("", fragment))
