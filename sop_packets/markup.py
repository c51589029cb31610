"""Markdown for the coordinator's note, and the check for characters a reader cannot see.

Both live here so that the check runs on the text exactly as the packet will show it: after
Markdown, backslash escapes and HTML entities such as &#x202E; have been turned into characters.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

from markdown_it import MarkdownIt

MAX_NESTING = 8  # quotes and lists inside each other; deeper trees overflow the PDF layout's recursion


@functools.cache
def parser() -> MarkdownIt:
    """CommonMark with raw HTML, images and links off: text can never add markup, fetch or link out.

    Reference-link definitions ([x]: http://…) are not consumed (they stay visible as typed), and
    headings are printed as bold paragraphs, so a note never adds an h1 or a PDF bookmark.
    """
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": 2 * MAX_NESTING + 4})
    md.disable(["image", "link", "autolink", "reference"])

    def heading_open(self, tokens, idx, options, env):
        return '<p class="note-heading"><strong>'

    def heading_close(self, tokens, idx, options, env):
        return "</strong></p>\n"

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    return md


_LINE_BREAK = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?=\S)")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def join_wide_lines(text: str) -> str:
    """A line break between two wide (Chinese, Japanese, Korean) characters removed, as CSS Text 3's
    segment-break rule asks and WeasyPrint does not do: a Chinese note typed over two lines would
    otherwise print a space after 。 (issue 27). Blank lines, which end a paragraph, are kept."""
    def join(match: re.Match) -> str:
        return "" if _wide(text[match.start() - 1]) and _wide(text[match.end()]) else match.group(0)
    return _LINE_BREAK.sub(join, text)


def render(text: str | None) -> str:
    return parser().render(join_wide_lines(text or ""))


def render_inline(text: str | None) -> str:
    return parser().renderInline(text or "")


def nesting(text: str) -> int:
    """How deeply quotes and lists nest in a Markdown text."""
    return max((token.level for token in parser().parse(text)), default=0) // 2


def shown_text(text: str) -> str:
    """The characters a reader will see for a Markdown text (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", render(text)))


# ---------------------------------------------------------------- characters a reader cannot see

# Letters of scripts that join or shape their letters, where ZWNJ/ZWJ are part of correct spelling
# (Persian, Arabic, Urdu, Indic scripts, Sinhala, Tibetan, Myanmar, Khmer, Mongolian).
_JOINING_SCRIPTS = ((0x0600, 0x08FF), (0x0900, 0x0DFF), (0x0F00, 0x0FFF), (0x1000, 0x109F),
                    (0x1780, 0x18AF), (0xA8E0, 0xA8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),
                    (0x10A00, 0x10A5F))
_JOINERS = {"\u200c", "\u200d"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}  # Hangul fillers: letters that print nothing
_ALLOWED_CONTROLS = {"\n", "\t", "\r"}


def _joins(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _JOINING_SCRIPTS)


def _emoji_part(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f" or 0x1F3FB <= ord(char) <= 0x1F3FF


def _joiner_is_spelling(text: str, index: int) -> bool:
    """ZWNJ and ZWJ between two letters of a joining script, or ZWJ inside an emoji sequence."""
    if index == 0 or index + 1 >= len(text):
        return False
    before, after = text[index - 1], text[index + 1]
    if _joins(before) and _joins(after):
        return True
    return text[index] == "\u200d" and _emoji_part(before) and _emoji_part(after)


def hidden_character(text: str) -> tuple[int, str] | None:
    """The first character that a reader cannot see and that can hide, split or reorder words.

    Refused: control characters (except line breaks and tabs), line and paragraph separators,
    format characters (direction marks, embeddings, overrides and isolates, zero-width space, word
    joiner, byte-order mark, soft hyphen, …) and letters that print nothing. ZWNJ and ZWJ are kept
    where they are part of spelling: between letters of Arabic, Persian, Indic and other joining
    scripts, and in emoji sequences. Chinese, Vietnamese and other scripts need none of these.
    """
    for index, char in enumerate(text):
        if char.isascii() and (char.isprintable() or char in _ALLOWED_CONTROLS):
            continue
        category = unicodedata.category(char)
        if char in _JOINERS and _joiner_is_spelling(text, index):
            continue
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs") or char in _BLANK_LETTERS:
            if char in _ALLOWED_CONTROLS:
                continue
            return index, char
    return None


def describe(char: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE, or U+0085 (a control character) when it has no name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X} (a control character)"


def hidden_character_message(text: str, *, markdown: bool = False) -> str | None:
    """The problem with a text that holds a hidden character, or None; Markdown is checked as shown."""
    found = hidden_character(text)
    if found is None and markdown:
        found = hidden_character(shown_text(text))
    if found is None:
        return None
    return (f"contains an invisible character, {describe(found[1])}, that can hide or reorder the "
            "words around it; delete it or retype this text")
