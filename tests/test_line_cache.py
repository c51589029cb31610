"""WeasyPrint's first-line breaks kept per process (line_cache): the same PDF as without the cache, a line
broken again when its text, width or style changes, and a key that holds every style property read."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from sop_packets import line_cache, pdf
from sop_packets.build import BuildOptions, make_packet
from sop_packets.profile import load_profile
from sop_packets.render import render_html

ROOT = Path(__file__).parent.parent


class Layout(SimpleNamespace):
    """Stands for WeasyPrint's deactivated Layout: a plain object the caller may change."""


def fake_split(calls: list):
    def split(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
        calls.append((text, max_width, style["font_size"]))
        return Layout(text=text), len(text), None, max_width / 2, style["font_size"], 1.0
    return split


class Style(dict):
    """Stands for WeasyPrint's computed style: property values and the font configuration."""

    def __init__(self, font_config, **changes):
        super().__init__({name: "normal" for name in line_cache.STYLE_KEYS})
        self.update({"font_size": 12.0, "font_family": ("Atkinson Hyperlegible",), **changes})
        self.font_config = font_config


def test_a_line_is_broken_once_per_text_width_and_style():
    calls = []
    split = line_cache._cached(fake_split(calls))
    config = SimpleNamespace()

    def style(**changes):
        return Style(config, **changes)

    plain = style()
    first = split("Call your care team.", plain, None, 200.0, 0)
    again = split("Call your care team.", style(), None, 200.0, 0)  # an equal style: the same line
    assert calls == [("Call your care team.", 200.0, 12.0)]
    assert again[1:] == first[1:] and again[0] == first[0]
    assert again[0] is not first[0]  # each caller gets its own layout to change
    again[0].text = "changed by a caller"
    assert split("Call your care team.", plain, None, 200.0, 0)[0].text == "Call your care team."

    split("Call your care team.", plain, None, 150.0, 0)  # another width
    split("Call your care team!", plain, None, 200.0, 0)  # another text
    split("Call your care team.", style(font_size=14.0), None, 200.0, 0)  # another style
    split("Call your care team.", style(lang="vi"), None, 200.0, 0)
    split("Call your care team.", plain, None, 200.0, 0, is_line_start=False)
    assert len(calls) == 6


def test_a_style_value_that_cannot_be_a_key_is_never_kept():
    calls = []
    split = line_cache._cached(fake_split(calls))
    odd = Style(SimpleNamespace(), font_feature_settings=[("liga", 0)])  # a list: not hashable
    split("Text", odd, None, 100.0, 0)
    split("Text", odd, None, 100.0, 0)
    assert len(calls) == 2


def test_the_oldest_lines_go_first_past_the_limit(monkeypatch):
    monkeypatch.setattr(line_cache, "LIMIT", 3)
    calls = []
    split = line_cache._cached(fake_split(calls))
    plain = Style(SimpleNamespace())
    for text in ("a", "b", "c", "d"):
        split(text, plain, None, 100.0, 0)
    assert len(plain.font_config.sop_first_lines) == 3
    split("d", plain, None, 100.0, 0)
    split("a", plain, None, 100.0, 0)  # dropped: broken again
    assert [text for text, _, _ in calls] == ["a", "b", "c", "d", "a"]


def uncached(monkeypatch):
    """WeasyPrint's own split_first_line everywhere the cache was installed."""
    from weasyprint.layout import inline, preferred
    from weasyprint.text import line_break

    for module in (line_break, inline, preferred):
        cached = module.split_first_line
        monkeypatch.setattr(module, "split_first_line", getattr(cached, "__wrapped__", cached))


@pytest.mark.parametrize("name", ["ex-01-melanoma-primary-care", "ex-33-scc-scalp-vi"])
def test_the_pdf_is_the_same_without_the_cache(monkeypatch, name):
    day = date(2026, 11, 25)
    html = render_html(make_packet(load_profile(ROOT / "profiles" / f"{name}.yaml", day),
                                   BuildOptions(prepared_on=day)), embed_fonts=False)
    first = pdf.render_pdf(html)  # fills the cache
    assert line_cache.install.cache_info().currsize and pdf._font_config().sop_first_lines
    assert pdf.render_pdf(html) == first  # every line from the cache
    uncached(monkeypatch)
    assert pdf.render_pdf(html) == first


WORDS = "Extraordinarily incomprehensible dermatopathology consultations\tneed patience. " * 3
SAMPLES = "".join(f'<p style="{css}">{WORDS}</p>' for css in (
    "", "font-weight: bold", "font-size: 14pt", "letter-spacing: 0.1em; word-spacing: 0.3em",
    "hyphens: auto; width: 5em", "hyphens: manual; width: 4em", "overflow-wrap: anywhere; width: 3em",
    "word-break: break-all; width: 6em", "white-space: pre-wrap; tab-size: 3", "white-space: nowrap",
    "text-decoration: underline; font-variant: small-caps", "font-feature-settings: 'liga' 0",
    "font-style: italic; font-stretch: condensed; direction: rtl", "font-kerning: none",
    "font-variant-numeric: tabular-nums; font-variant-ligatures: none", "font-variant-position: super",
    "font-variation-settings: 'wght' 500; font-language-override: 'TRK'",
    "hyphenate-character: '~'; hyphens: auto; width: 5em; hyphenate-limit-chars: 4 2 2",
))


def test_the_key_holds_every_style_property_a_line_break_reads(monkeypatch):
    """WeasyPrint's own split_first_line, given a style that records what is read, over text that takes
    every branch (hyphens, word breaking, tabs, spacing, decorations, font features) and a packet."""
    from weasyprint.layout import inline

    read: set[str] = set()
    original = inline.split_first_line.__wrapped__

    class Recording(dict):
        def __init__(self, style):
            super().__init__()
            self.style, self.font_config = style, style.font_config

        def __getitem__(self, name):
            read.add(name)
            return self.style[name]

        def get(self, name, default=None):
            read.add(name)
            return self.style.get(name, default)

    def recording(text, style, context, *args, **kwargs):
        return original(text, Recording(style), context, *args, **kwargs)

    uncached(monkeypatch)
    monkeypatch.setattr(inline, "split_first_line", recording)
    body = f'<html lang="en"><head><style>@page {{ size: A6 }}</style></head><body>{SAMPLES}</body></html>'
    pdf._layout(body, dict(stylesheets=[]))
    day = date(2026, 11, 25)
    html = render_html(make_packet(load_profile(ROOT / "profiles" / "ex-33-scc-scalp-vi.yaml", day),
                                   BuildOptions(prepared_on=day)), embed_fonts=False)
    pdf.render_pdf(html)
    assert {"hyphens", "hyphenate_limit_chars", "letter_spacing", "font_size"} <= read  # the branches ran
    assert read <= set(line_cache.STYLE_KEYS)


def test_a_face_added_to_the_font_configuration_empties_the_cache():
    day = date(2026, 11, 25)
    html = render_html(make_packet(load_profile(ROOT / "profiles" / "ex-09-other-minimal.yaml", day),
                                   BuildOptions(prepared_on=day)), embed_fonts=False)
    pdf.render_pdf(html)
    assert len(pdf._font_config().sop_first_lines) > 100
    pdf._layout('<html><head><style>@font-face { font-family: "Other"; src: local("DejaVu Sans") }</style>'
                '</head><body><p style="font-family: Other">Text</p></body></html>', dict(stylesheets=[]))
    assert len(pdf._font_config().sop_first_lines) <= 2  # only the line of the page with the new face
