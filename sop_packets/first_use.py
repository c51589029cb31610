"""Hard words explained where the reader first meets them (CDC Clear Communication Index item 7).

A glossary entry may give a short `in_place` explanation ("a cancer surgeon"). In each part a reader
may read on its own, the first use of such a term in running text gets it in brackets, in the language's
own brackets (_language.yaml `gloss`: " ({gloss})", full-width in Chinese), unless the sentence already
explains the word (a bracket, "is a", "which means", ... as the language's lint rules read it). The parts:
- the core part, from page one (<main>) to <section id="more">, which every reader reads;
- each take-along sheet (SHEETS: the question sheet, the other questions), which must stand alone, so
  a word explained in the core part is explained again there, once per sheet.
Headings, tables, the contents and figures are never changed, and each term is explained once per part.

Page one may be shortened for the PDF (page_one.py): a piece of it moves after the first section or is
left out. A word first explained inside such a piece (MOVABLE) also gets its explanation at its next use
on page one, kept in a comment (IF_MOVED) that page_one.py turns into text when it moves that piece, so
page one explains its words in every layout and says them once in each. Pure function of the page.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable, Iterable

from .glossary import Term, terms_used, uses_of

PIECES = re.compile(r"(<!--.*?-->|<[^>]+>)", re.S)
"""The page as tags (and comments) and the text between them."""
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
SKIPPED = frozenset({"h1", "h2", "h3", "h4", "table", "nav", "figure", "figcaption", "style", "script",
                     "title", "cite", "dt", "svg", "button", "label", "a"})
"""Elements whose text is never changed: headings, tables, the contents, pictures, citations, links."""
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col"})
HIDDEN = re.compile(r'\b(?:lang|aria-hidden|hidden)\b|class="[^"]*visually-hidden')
CLASS = re.compile(r'\bclass="([^"]*)"')
MAIN = "<main"
MORE = '<section id="more"'
"""Where the reference part begins: the core part, which every reader reads, is the HTML before it."""
SHEETS = ('<section id="questions"', '<section id="more-questions"')
"""The take-along sheets after the core part: each explains its own words (a sheet must stand alone)."""
PAGE_ONE_END = 'id="page-one-end"'
MOVABLE = frozenset({"diagnosis-detail", "urgency-text", "alert-short-text"})
"""Page one's pieces that page_one.py may take off page one (the class of their element)."""
LEFT_OUT = frozenset({"alert-short-text"})
"""The movable pieces page_one.py leaves out rather than moving right after page one: a word explained
in one waits for its next use after page one too (the short warning's word, in the full warning box)."""
IF_MOVED = re.compile(r"<!--gloss-if-moved:([\w-]+):([^|<>]*)\|([^|<>]*)\|([^|<>]*)-->")
"""An explanation kept for page one's next use of a word first explained in a movable piece: the piece,
then what goes before the words, the words, what goes after (no tag inside, for any reader of the HTML
that strips tags)."""
SENTENCE_END = re.compile(r"\.(?=\s)|\u3002")
CONTEXT = 160
"""How many characters of the sentence around a term the explanation check reads."""
LABEL_BRACKET = re.compile(r"\s*[(\uff08]([^()\uff08\uff09]*)[)\uff09]")
EXAMPLES = re.compile(r"^\s*(?i:such as|for example|e\.g\.|como|por ejemplo|như|ví dụ|比如|例如)(?!\w)")
LABEL = re.compile(rf"\d|(?<![A-Za-z])[IV]{{1,3}}[A-C]?(?![A-Za-z])|{EXAMPLES.pattern}")
"""A bracket with a number or a stage in it ("lymph node (stage III)") names, and one that gives examples
("scans (such as CT, MRI or PET)", in the five languages) lists: neither explains the word before it.
The explanation goes into a bracket of examples, first ("scans (pictures of the inside of the body, such
as CT, MRI or PET)"), and before a bracket that names."""
OPENS_BRACKET = re.compile(r"\s*([(\uff08])")
LISTED = re.compile(r",\s*(?:the|a|an)\s[^,.;:()]*,\s*(?:or|and)\s", re.IGNORECASE)
"""", the bone, or …" after a word goes on with a list (ex-21's stage IV reason: "reached more lymph nodes,
the bone, or other parts of the body"): the lint's ", the …" reads it as an explanation; it is not one."""


def explain_first_uses(page: str, terms: Iterable[Term], gloss_pattern: str, is_explained,
                       gloss_before: str = "$", glossary: Iterable[Term] = ()) -> str:
    """The page with each term's in_place words after its first unexplained use in each part.

    `terms` are the terms the core part uses (render.py has found them for the glossary page), or the
    whole glossary; `glossary` (else `terms`) is looked up in each sheet's own words; `gloss_pattern`
    holds "{gloss}"; `is_explained(text, start, end)`
    says whether the word at text[start:end] is already explained there (explanation.is_explained with
    the language's rules); `gloss_before` is what must follow the word (_language.yaml): a word that may
    be inside a longer name ("the lymph node test") gets no explanation there; its next use does.
    """
    terms = [term for term in terms if term.forms]
    glossary = [term for term in glossary if term.forms] or terms
    head, sep, rest = page.partition("<body")
    if not sep or "{gloss}" not in gloss_pattern or not any(term.in_place for term in glossary):
        return page
    may_follow = re.compile(gloss_before, re.IGNORECASE)
    explain = _Parts(glossary, html_module.escape(gloss_pattern), is_explained,
                     lambda text, end: bool(may_follow.match(text, end)))
    out, last = [head, sep], 0
    for index, (start, end) in enumerate(_parts(rest)):
        out += [rest[last:start], explain.part(rest[start:end], terms if index == 0 else None)]
        last = end
    out.append(rest[last:])
    return "".join(out)


def reveal_if_moved(html: str, piece: str) -> str:
    """html with the explanations kept for the moment `piece` (a MOVABLE class) leaves page one, shown."""
    def shown(found: re.Match[str]) -> str:
        before, words, after = found.group(2, 3, 4)
        if found.group(1) != piece:
            return found.group()
        return f'{before}<span class="gloss">{words}</span>{after}'

    return IF_MOVED.sub(shown, html)


def _parts(body: str) -> list[tuple[int, int]]:
    """Where the core part and each take-along sheet are in the body, as (start, end), in order."""
    core_start = max(body.find(MAIN), 0)
    core_end = body.find(MORE)
    core_end = len(body) if core_end < 0 else core_end
    parts = [(core_start, core_end)]
    for marker in SHEETS:
        start = body.find(marker, core_end)
        if start >= 0:
            end = body.find("</section>", start)
            parts.append((start, len(body) if end < 0 else end))
    return sorted(parts)


class _Parts:
    """Explains the first uses in one part at a time, with the language's rules."""

    def __init__(self, terms: list[Term], gloss_text: str, is_explained,
                 may_gloss: Callable[[str, int], bool]):
        self.terms, self.gloss_text = terms, gloss_text
        self.is_explained, self.may_gloss = is_explained, may_gloss

    def part(self, html: str, here: list[Term] | None = None) -> str:
        """One part explained; `here`: the terms it uses, when known (else found in its words: its
        text without tags, never a drawing's data URI)."""
        if here is None:
            here = terms_used([PIECES.sub(" ", html)], self.terms)
        waiting = [term for term in here if term.in_place]
        if not waiting:
            return html
        pieces = PIECES.split(html)
        stack: list[tuple[bool, str]] = []  # for each open element: is its text left alone? its movable piece
        pending: dict[Term, str] = {}  # explained only in a movable piece of page one: which one
        on_page_one = PAGE_ONE_END in html
        for index, piece in enumerate(pieces):
            if not waiting and not pending:
                break
            if index % 2:
                if on_page_one and PAGE_ONE_END in piece:
                    on_page_one = False
                    # a moved piece goes right after page one, before any later use; a left-out one is gone
                    pending = {term: owner for term, owner in pending.items() if owner in LEFT_OUT}
                _follow_tag(piece, stack, on_page_one)
                continue
            if not piece.strip() or (stack and stack[-1][0]):
                continue
            pieces[index] = self._explain_in(piece, waiting, pending, stack[-1][1] if stack else "",
                                             here, pieces, index)
        return "".join(pieces)

    def _explain_in(self, text: str, waiting: list[Term], pending: dict[Term, str], movable: str,
                    terms: list[Term], pieces: list[str], index: int) -> str:
        """One text piece with the explanations of the terms that first occur in it. A use inside a
        longer term ("lymph node" in "sentinel lymph node biopsy") is not a use of the shorter one. A
        use whose next word may continue a longer name ("the lymph node test") takes no explanation,
        and the term waits for its next use. In a movable piece (`movable`), a term's explanation is
        also kept for its next use on page one outside that piece (`pending`)."""
        found: list[tuple[int, Term, str]] = []  # (where, term, the piece it waits on, or "")
        longer = None  # the spans of every term in this piece, found once, when a waiting term occurs
        earlier = ""  # the plain text of the pieces before this one, read with `longer`
        candidates = [*waiting, *(term for term, owner in pending.items() if owner != movable)]
        for term in candidates:
            spans = uses_of(term.forms, text)
            if not spans:
                continue
            if longer is None:
                longer = [(other, span) for other in terms for span in uses_of(other.forms, text)]
                earlier = _plain("".join(pieces[max(0, index - 6):index]))[-CONTEXT:]
            for start, end in (span for span in spans if not inside_longer(span, term, longer)):
                before = earlier + _plain(text[:start])
                after = _plain(text[end:] + "".join(pieces[index + 1:index + 7]))[:CONTEXT]
                label = LABEL_BRACKET.match(after)
                labelled = bool(label and LABEL.search(label.group(1)))
                if labelled:  # "(stage III)" explains nothing, and ends the name: read past it
                    after = after[label.end():]
                sentence, word_end = before + text[start:end] + after, len(before) + end - start
                explained = self.is_explained(sentence, len(before), word_end) and not LISTED.match(after)
                if not explained and not _next_sentence_opens_with(after, term.forms) and (
                        _in_brackets(before) or not (labelled or self.may_gloss(sentence, word_end))):
                    continue  # a bracket in a bracket, or a longer name: the next use is explained
                owner = pending.pop(term, None)
                if term in waiting:
                    waiting.remove(term)
                    owner = None
                if not explained and not _next_sentence_opens_with(after, term.forms):
                    where, joined = end, ""
                    bracket = OPENS_BRACKET.match(text, end) if labelled else None
                    if bracket and EXAMPLES.match(label.group(1)):  # into the bracket of examples, first
                        where, joined = bracket.end(), "\uff0c" if bracket.group(1) == "\uff08" else ", "
                    found.append((where, term, owner or "", joined))
                    if movable and owner is None:
                        pending[term] = movable
                break
        for end, term, owner, joined in sorted(found, key=lambda entry: -entry[0]):
            words = html_module.escape(term.in_place).replace("|", "&#124;").replace("--", "\u2010\u2010")
            opening, _, closing = ("", "", joined) if joined else self.gloss_text.partition("{gloss}")
            if owner:
                gloss = f"<!--gloss-if-moved:{owner}:{opening}|{words}|{closing}-->"
            else:
                gloss = f'{opening}<span class="gloss">{words}</span>{closing}'
            text = text[:end] + gloss + text[end:]
        return text


def _follow_tag(tag: str, stack: list[tuple[bool, str]], on_page_one: bool) -> None:
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
    skipped = bool(stack and stack[-1][0]) or name in SKIPPED or bool(HIDDEN.search(attrs))
    movable = stack[-1][1] if stack else ""
    if on_page_one and not movable and (classes := CLASS.search(attrs)):
        movable = next((name for name in classes.group(1).split() if name in MOVABLE), "")
    stack.append((skipped, movable))


def _next_sentence_opens_with(after: str, forms: tuple[str, ...]) -> bool:
    """The next sentence starts with the word itself, in any of its forms ("… by radiation. Radiation is
    …", "扫描影像的光盘。扫描就是…"): the text goes on to say what it is, and a bracket there would say it
    twice (rating round 3, ex-33)."""
    stop = SENTENCE_END.search(after)
    following = after[stop.end():].lstrip().casefold() if stop else ""
    return bool(following) and any(following.startswith(form.casefold()) for form in forms)


def _in_brackets(before: str) -> bool:
    """Is the word inside an open bracket (an explanation of another word, "(the first lymph node …)")?"""
    return max(before.rfind("("), before.rfind("\uff08")) > max(before.rfind(")"), before.rfind("\uff09"))


def inside_longer(span: tuple[int, int], term: Term, longer: list[tuple[Term, tuple[int, int]]]) -> bool:
    """Is this use of `term` inside another term's use (`longer`: (term, span) of each use in the text)?
    "lymph node" in "sentinel lymph node biopsy" is a use of the longer term only."""
    start, end = span
    return any(other is not term and s <= start and end <= e and (s, e) != (start, end)
               for other, (s, e) in longer)


def _plain(fragment: str) -> str:
    return html_module.unescape(PIECES.sub("", fragment))
