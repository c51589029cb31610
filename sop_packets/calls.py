"""Every sentence that tells the reader to call their care team carries a number (issue 28).

A packet that says "Call your care team at once" and gives no number leaves a frightened reader with
nobody to call. The rendered page is read block by block (a paragraph, a list item, a box, a signed
note); a block that asks the reader to call the care team, the clinic or their doctor and holds no
phone number is a located problem: the section's title and the sentence.

Calls to someone whose number the reader already holds (their insurance plan, on their card) are not
checked here.
"""

from __future__ import annotations

import re

from .visible import visible_units

CARE_CALLS = {
    "en": re.compile(r"\bcall (?:(?:your|the) (?:care team|doctor|nurse|clinic)|us)\b", re.I),
    "es": re.compile(r"\bll[aá]menos\b|\bllame (?:(?:de inmediato|enseguida|ya) )?a su "
                     r"(?:equipo|m[eé]dico)", re.I),
    "vi": re.compile(r"\bg[oọ]i (?:ngay )?(?:cho )?(?:nh[oó]m ch[aă]m s[oó]c|ch[uú]ng t[oô]i|"
                     r"b[aá]c s[iĩ])", re.I),
    "zh": re.compile(r"联系您的医疗团队|聯絡您的醫療團隊|给我们打电话|給我們打電話|打电话给医生|打電話給醫生"
                     r"|给医生打电话|給醫生打電話"),
}
PHONE = re.compile(r"\d[\d\s().\-\u2012\u2013]{5,}\d|\b911\b|\b988\b")
SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s*")  # and the full-width stops
SECTION = re.compile(r'<(?:section|header|div class="alert-box)\b[^>]*>', re.S)
ANCHOR = re.compile(r'\sid="([^"]+)"')
TITLE = re.compile(r"<h[123][^>]*>(.*?)</h[123]>", re.S)
NOTE = re.compile(r'(<aside class="coordinator-note".*?</aside>|<div class="alert-box".*?<!--/alert-box-->)',
                  re.S)
"""A signed note, and a warning box (its number in its title): each is one block for the check."""


def _pattern(language: str) -> re.Pattern[str] | None:
    return CARE_CALLS.get(language.split("-")[0].lower())


def care_call(text: str, language: str) -> bool:
    """The text asks the reader to call their care team and gives no number."""
    pattern = _pattern(language)
    return bool(pattern and pattern.search(text) and not PHONE.search(text))


def sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(text) if part.strip()]


def _one_block(match: re.Match[str]) -> str:
    """A signed note is one block: its signature (with the number) answers its "call us"; so does a
    warning box's title its list of signs."""
    inner = re.sub(r"</?(?:p|h3|div|ul|ol|li|aside)\b[^>]*>", " ", match.group(1))
    return f"<div><p>{inner}</p></div>"


def calls_without_number(html: str, language: str) -> list[tuple[str, str]]:
    """(where, sentence) for each block that asks the reader to call their care team with no number.

    `where` is the title of the section the block is in, so a coordinator can find it.
    """
    pattern = _pattern(language)
    if pattern is None:
        return []
    body = NOTE.sub(_one_block, html.partition("<body")[2])
    starts = [(m.start(), ANCHOR.search(m.group())) for m in SECTION.finditer(body)] or [(0, None)]
    found = []
    for index, (start, anchor) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(body)
        chunk = body[start:end]
        title = TITLE.search(chunk)
        units = visible_units(f'<html lang="{language}"><body>{chunk}</body></html>', language)
        where = (re.sub(r"<[^>]+>", "", title.group(1)).strip() if title
                 else units[0][:60] if units else anchor.group(1) if anchor else "page one")
        for unit in units:
            if PHONE.search(unit):
                continue
            found += [(where, sentence) for sentence in sentences(unit) if pattern.search(sentence)]
    return found


LETTERED = {"1-800-4-CANCER": "1-800-422-6237"}
"""Phone numbers written in letters, with their digits: not every phone has letters on its keys."""


def with_digits(html: str) -> str:
    """Each lettered phone number in the page's body followed by its digits, once:
    "1-800-4-CANCER (1-800-422-6237)". Where the digits already stand next to it, they are not added
    again: in brackets of either width (U+0028 or the full-width U+FF08 of Chinese text), alone or before
    more words (Vietnamese "(1-800-422-6237; nhân viên nói …)"), or just before it. The letters and the
    digits each stay on one line (a Chinese page broke "1-800-4-" from "CANCER")."""
    head, sep, body = html.partition("<body")
    for letters, digits in LETTERED.items():
        body = _lettered_with_digits(body, letters, digits)
    return head + sep + body


def _lettered_with_digits(body: str, letters: str, digits: str) -> str:
    """with_digits for one lettered number."""
    nowrap_letters = f'<span class="nowrap">{letters}</span>'
    nowrap_digits = f'<span class="nowrap">{digits}</span>'
    # the digits may follow in round or full-width (Chinese) brackets, with or without a space or a tag;
    # letters already marked are left alone, so a second pass changes nothing
    pattern = re.compile(rf'(?<!<span class="nowrap">){re.escape(letters)}'
                         rf"(?:(\s*[(\uff08](?:<[^>]+>)?\s*){re.escape(digits)})?")

    def mark(match: re.Match) -> str:
        if match.group(1) is not None:  # the digits follow
            return f"{nowrap_letters}{match.group(1)}{nowrap_digits}"
        before = body[max(0, match.start() - len(digits) - 1):match.start()]
        if before.endswith(("(", "\uff08", f"{digits} ")):  # "1-800-422-6237 (1-800-4-CANCER)"
            return nowrap_letters
        return f"{nowrap_letters} ({nowrap_digits})"

    return pattern.sub(mark, body)
