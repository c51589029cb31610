"""The text a reader sees in an HTML page: one string per block element, in the page's language.

Used by rendering (which glossary terms a packet uses, which characters need fonts) and by lint (the
sentences it scores). Text a reader cannot see (<style>, <script>, hidden, aria-hidden,
.visually-hidden) is skipped; so is an element whose lang names another language than the page's.
"""

from __future__ import annotations

import html as html_module
import re
from html.parser import HTMLParser

BLOCK_TAGS = frozenset({
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "figcaption", "caption",
    "label", "legend", "summary", "blockquote", "pre", "address", "div", "section", "article", "aside",
    "header", "footer", "main", "nav", "ul", "ol", "dl", "table", "tr", "thead", "tbody", "tfoot",
    "figure", "details", "fieldset", "form", "body", "br", "hr",
})
INVISIBLE_TAGS = frozenset({"head", "style", "script", "template", "noscript", "title"})
VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col"})


def language_key(tag: str | None) -> str:
    """What two lang attributes must share to be one language: the primary subtag, plus the script
    where one is written ("zh-Hant" and "zh-Hant-TW" are one language; "zh-Hans" is another)."""
    parts = (tag or "").replace("_", "-").lower().split("-")
    script = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), "")
    return f"{parts[0]}-{script}" if script else parts[0]


def same_language(first: str, second: str) -> bool:
    """One language when the primary subtags match and the scripts do not differ ("zh" = "zh-Hant")."""
    (lang1, _, script1), (lang2, _, script2) = first.partition("-"), second.partition("-")
    return lang1 == lang2 and (not script1 or not script2 or script1 == script2)


class _TextUnits(HTMLParser):
    """Collects the visible text of <body>, one string per block element."""

    def __init__(self, language: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language_key(language) if language else None
        self.units: list[str] = []
        self._parts: list[str] = []
        self._in_body = False
        self._hidden_tag = ""
        self._hidden_depth = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.units.append(text)
        self._parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and self.language is None:
            self.language = language_key(dict(attrs).get("lang")) or None
        if tag == "body":
            self._in_body = True
        if self._hidden_depth:
            if tag == self._hidden_tag:
                self._hidden_depth += 1
            return
        if tag in BLOCK_TAGS:
            self._flush()
        if tag not in VOID_TAGS and (tag in INVISIBLE_TAGS or _hidden(dict(attrs))
                                     or self._other_language(dict(attrs))):
            self._hidden_tag, self._hidden_depth = tag, 1

    def _other_language(self, attrs: dict[str, str | None]) -> bool:
        lang = attrs.get("lang")
        if lang is None or self.language is None:
            return False
        return not same_language(self.language, language_key(lang))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._hidden_depth and tag in BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._hidden_depth:
            if tag == self._hidden_tag:
                self._hidden_depth -= 1
            return
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._hidden_depth:
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _hidden(attrs: dict[str, str | None]) -> bool:
    classes = (attrs.get("class") or "").split()
    return ("hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true"
            or "visually-hidden" in classes or "sr-only" in classes)


def visible_units(html: str, language: str | None = None) -> list[str]:
    """The text a reader sees in <body>, one string per block element, whitespace collapsed.

    Only text in the page's language (`language`, else <html lang>) counts: an element whose lang
    names another language is left out with everything inside it.
    """
    parser = _TextUnits(language)
    parser.feed(html)
    parser.close()
    return parser.units


def all_body_text(html: str) -> str:
    """Every word of an HTML page's body, in any language (for the fonts and the glyph check)."""
    body = html.split("<body", 1)[-1]
    return html_module.unescape(re.sub(r"<[^>]+>", " ", body))
