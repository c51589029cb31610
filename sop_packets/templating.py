"""The packet's Jinja environment and its filters: Markdown, dates, CSS strings, clinic text, phone spans."""

from __future__ import annotations

import functools
import hashlib
import html as html_module
import re
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from markupsafe import escape as html_escape

from . import cache_folder, markup
from .calls import care_call
from .content import DEFAULT_LANGUAGE, template_dir
from .content import long_date as content_long_date


def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML, images and links off; headings become bold paragraphs (see markup)."""
    return markup.parser()


def markdown(text: str | None) -> Markup:
    """Markdown to safe HTML; any HTML in the text is shown as text, never run."""
    return Markup(markup.render(text))


def markdown_inline(text: str | None) -> Markup:
    """Markdown for one line (no wrapping paragraph)."""
    return Markup(markup.render_inline(text))


ENVIRONMENT_OPTIONS = dict(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                           lstrip_blocks=True, keep_trailing_newline=True)


@functools.cache
def environment(folder: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: autoescape always on, undefined names are errors."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder or template_dir()),
                             bytecode_cache=_compiled_templates(), **ENVIRONMENT_OPTIONS)
    env.filters["markdown"] = markdown
    env.filters["markdown_inline"] = markdown_inline
    env.filters["long_date"] = long_date
    env.filters["css_string"] = css_string
    env.filters["fill"] = fill_in
    env.filters["in_language"] = in_language
    env.filters["ctext"] = clinic_text
    # a referral office with no kinds is listed in every packet; one with kinds, where the guide names one
    env.tests["listed_for"] = lambda kinds, named: not kinds or any(kind in named for kind in kinds)
    env.filters["call_needs_number"] = lambda text, language: bool(text) and care_call(text, language)
    env.globals["phone_span"] = keep_together
    return env


def _compiled_templates() -> jinja2.BytecodeCache | None:
    """Templates compiled once and kept in the user's cache folder (a tenth of a cold `build` was Jinja
    compiling them). Jinja checks each entry against the template's text (a SHA-1 of the source) and
    its own and Python's versions; the folder's name covers the options that change the compiled
    code. None (compile every time) where no folder only this user can write to can be made."""
    options = repr(sorted((key, getattr(value, "__name__", value))
                          for key, value in ENVIRONMENT_OPTIONS.items()))
    digest = hashlib.sha256(f"{jinja2.__version__}\0{options}".encode()).hexdigest()[:16]
    folder = cache_folder.private_folder(f"templates-{digest}")
    return jinja2.FileSystemBytecodeCache(str(folder), "%s.jinja") if folder else None


LRI, PDI = "\u2066", "\u2069"


def isolate_ltr(text: str) -> str:
    """A phone number set left to right inside right-to-left text, by Unicode isolate marks in the text
    itself (LRI … PDI), so it keeps its order in the PDF: "(555) 010-2000", never "2000-010 (555)".
    WeasyPrint ignores <bdi>; the marks are kept by the text shaper."""
    return f"{LRI}{text}{PDI}"


def keep_together(text: object) -> Markup:
    """A phone number or a date that must never break across lines, as one non-breaking span."""
    return Markup('<span class="nowrap">{}</span>').format(text)


@jinja2.pass_context
def clinic_text(context: Any, value: object) -> Markup:
    """Clinic text (a referral's note, a role) in the packet's language when clinic.yaml gives it.

    Text in another language than the page's is marked with its lang, so a reader and `lint` know.
    """
    from .clinic import localized

    page, clinic = context["lang"], context["clinic_lang"]
    text, language = localized(value, page, clinic)
    if language == page:
        return html_escape(text)
    return Markup('<span lang="{}" class="clinic-text">{}</span>').format(language, text)


CLINIC_TEXT = re.compile(r'<span lang="([A-Za-z0-9-]+)" class="clinic-text">([^<]*)</span>')


def untranslated_clinic_text(html: str, language: str) -> list[str]:
    """Clinic text the patient reads (a referral's note, a role) that is not in the packet's language."""
    return [html_module.unescape(text) for code, text in CLINIC_TEXT.findall(html)
            if code.split("-")[0].lower() != language]


def long_date(day: date, language: str = DEFAULT_LANGUAGE) -> str:
    """A date as people write it: "November 27, 2026", "27 de noviembre de 2026" (Babel; the
    language's _language.yaml may give its own pattern)."""
    return content_long_date(day, language)


def css_string(text: str) -> Markup:
    """Text as a quoted CSS string for the page header and footer, safe inside <style>."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return Markup(f'"{escaped}"')


def fill_in(text: str, **values: Any) -> Markup:
    """A content string with its {placeholders} filled, escaped; values that are Markup stay markup."""
    escaped = str(html_escape(text))
    return Markup(re.sub(r"\{(\w+)\}", lambda m: str(html_escape(values[m.group(1)])), escaped))


def in_language(text: str, language: str, page_language: str) -> Markup:
    """Text marked with its own lang when it differs from the page's (clinic names and roles)."""
    if language == page_language:
        return html_escape(text)
    return Markup('<span lang="{}">{}</span>').format(language, text)


def page_counter_css(pattern: str) -> Markup:
    """ "Page {page} of {pages}" as CSS content: "Page " counter(page) " of " counter(pages)."""
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", pattern):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ".join(parts))


@functools.cache
def stylesheet(folder: Path | None = None) -> str:
    """The packet CSS, inlined into every HTML file so it opens offline."""
    return ((folder or template_dir()) / "packet.css").read_text(encoding="utf-8")
