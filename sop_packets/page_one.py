"""Page one stands alone: the shorter page ones tried in turn while its contact block overflows (issue 28)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .first_use import reveal_if_moved

PAGE_ONE_END = "page-one-end"
"""The anchor after the contact block: page one stands alone when it is on page one (issue 28)."""
DIAGNOSIS_DETAIL = re.compile(r' <span class="diagnosis-detail">(.*?)</span><!--/diagnosis-detail-->', re.S)


class PageOneOverflows(Exception):
    """A layout stopped after page one: page one does not hold PAGE_ONE_END."""


def fit_page_one(html: str, layout: Callable[[str, bool], Any],
                 holds: Callable[[str], bool | None] = lambda html: None) -> Any:
    """The laid-out document of html, or of the first shorter page one whose page one holds PAGE_ONE_END
    (the last one tried when none does).

    layout(html, stop_early) lays html out; with stop_early it may raise PageOneOverflows instead,
    once page one is known not to hold PAGE_ONE_END (every try but the last). holds(html) answers
    cheaply, when it can, whether page one holds PAGE_ONE_END (None: it cannot tell); a try it says
    overflows is not laid out at all.
    """
    *earlier, last = [html, *shorter_page_ones(html)]
    for page in earlier:
        if holds(page) is False:
            continue
        try:
            document = layout(page, True)
        except PageOneOverflows:
            continue
        if PAGE_ONE_END in document.pages[0].anchors:
            return document
    return layout(last, False)


def up_to_page_one_end(html: str) -> str | None:
    """html cut just after the PAGE_ONE_END anchor (None when it has none): page one, and nothing after it.

    Whether page one holds the anchor depends only on what comes before it: the content after it can
    push the anchor to page two (a "break-before: avoid" that moves earlier lines on), never pull it
    back to page one; the browser's parser closes the elements left open.
    """
    anchor = PAGE_ONE_END_TAG.search(html)
    return html[:anchor.end()] if anchor else None


def shorter_page_ones(html: str) -> list[str]:
    """Shorter page ones, tried in turn while page one overflows, each shorter than the last:
    1. the diagnosis keeps its first sentence; its detail follows the first section (on page two);
    2. page one's furniture tightens (no section heading, smaller gaps);
    3. the "prepared on" line moves to page two, and the short warning keeps its title and number (the
       full warning box follows the first section);
    4. the contact block keeps the contact's name, number and after-hours number, without role and hours;
    5. page one's lines sit closer (the title, the band and the step labels smaller, never the body text);
    6. the urgency box keeps its word, title, date, the doctor's timing and the reason; its general
       explanation follows the first section (needed by a 70-letter name in Vietnamese large print with a
       warning box)."""
    if PAGE_ONE_END not in html:
        return []
    tries = []
    moved = _moved_on(html, DIAGNOSIS_DETAIL, '<p class="diagnosis diagnosis-moved">{}</p>',
                      "diagnosis-detail")
    if moved:
        tries.append(moved)
    tight = (moved or html).replace('<body class="', '<body class="compact-first ', 1)
    tries.append(tight)
    shortest = tight
    if ALERT_SHORT_TEXT.search(tight):
        shortest = reveal_if_moved(ALERT_SHORT_TEXT.sub("", tight), "alert-short-text")
    shortest = _moved_on(shortest, PREPARED) or shortest
    if shortest != tight:
        tries.append(shortest)
    if short_contact := CONTACT_SHORT.search(shortest):
        shortest = CONTACT_BLOCK.sub(lambda _: short_contact.group(1), shortest, count=1)
        tries.append(shortest)
    closest = shortest.replace('class="compact-first ', 'class="compact-first compact-more ', 1)
    tries.append(closest)
    if urgency := _moved_on(closest, URGENCY_TEXT, '<p class="urgency-moved">{}</p>', "urgency-text"):
        tries.append(urgency)
    return tries


def _moved_on(html: str, piece: re.Pattern[str], wrap: str = "{}", name: str = "") -> str | None:
    """html with the first match of piece taken off page one and put where moved content goes, after
    the first section (MOVED_HERE): its first group (or the whole match) in wrap; None when absent.
    The explanations of hard words kept for page one's next use when this piece (class `name`) moves
    are shown (first_use.py)."""
    found = piece.search(html)
    if found is None:
        return None
    text = wrap.format(found.group(1) if piece.groups else found.group())
    moved = piece.sub("", html, count=1).replace(MOVED_HERE, text + MOVED_HERE, 1)
    return reveal_if_moved(moved, name) if name else moved


PAGE_ONE_END_TAG = re.compile(rf'<p id="{PAGE_ONE_END}"[^>]*></p>')
MOVED_HERE = "<!--diagnosis-moved-->"
ALERT_SHORT_TEXT = re.compile(r'<span class="alert-short-text">.*?</span><!--/alert-short-text-->', re.S)
PREPARED = re.compile(r'<p class="prepared-on">.*?</p>', re.S)
CONTACT_SHORT = re.compile(r"<!--contact-short:(.*?):contact-short-->", re.S)
URGENCY_TEXT = re.compile(r'<span class="urgency-text">(.*?)</span><!--/urgency-text-->', re.S)
CONTACT_BLOCK = re.compile(r'<div class="contact-block" role="note">.*?</div>', re.S)
