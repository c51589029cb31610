"""The shorter page ones are tried without whole layouts: a layout stops after page one when page one is
final and overflows, and the PDF is the same as with every try laid out in full (page_one.fit_page_one,
pdf._watch_page_one)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from sop_packets import page_one, pdf
from sop_packets.build import BuildOptions, make_packet
from sop_packets.page_one import PAGE_ONE_END, PageOneOverflows, fit_page_one, shorter_page_ones
from sop_packets.profile import load_profile
from sop_packets.render import render_html

ROOT = Path(__file__).parent.parent


def document(holds: bool) -> SimpleNamespace:
    return SimpleNamespace(pages=[SimpleNamespace(anchors={PAGE_ONE_END: (0, 0, 0, 0)} if holds else {})])


def test_tries_stop_early_until_one_holds_page_one_and_the_last_is_laid_out_in_full(monkeypatch):
    monkeypatch.setattr(page_one, "shorter_page_ones", lambda html: ["t1", "t2", "t3"])
    calls = []

    def layout(html, stop_early):
        calls.append((html, stop_early))
        if stop_early and html in ("first", "t1"):
            raise PageOneOverflows
        return document(holds=html == "t2")

    assert fit_page_one("first", layout).pages[0].anchors
    assert calls == [("first", True), ("t1", True), ("t2", True)]

    calls.clear()
    monkeypatch.setattr(page_one, "shorter_page_ones", lambda html: ["t1"])
    assert fit_page_one("first", layout).pages[0].anchors == {}  # none holds it: the last, in full
    assert calls == [("first", True), ("t1", False)]

    calls.clear()
    monkeypatch.setattr(page_one, "shorter_page_ones", lambda html: [])
    fit_page_one("first", layout)
    assert calls == [("first", False)]  # nothing shorter to try: never stopped early


FILLER = "<p>" + "Words to fill the page with a long paragraph of text. " * 40 + "</p>"
SMALL = "<style>@page { size: A6; margin: 1cm }</style>"


def small_layout(body: str, stop_early: bool):
    return pdf._layout(f"<html><head>{SMALL}</head><body>{body}</body></html>",
                       dict(stylesheets=[]), stop_early)


def test_a_layout_stops_after_a_final_page_one_that_lacks_the_anchor():
    end = f'<p id="{PAGE_ONE_END}"></p>'
    with pytest.raises(PageOneOverflows):
        small_layout(FILLER * 3 + end, stop_early=True)
    whole = small_layout(FILLER * 3 + end, stop_early=False)
    assert len(whole.pages) > 2 and PAGE_ONE_END not in whole.pages[0].anchors
    fits = small_layout("<p>Short.</p>" + end + FILLER * 3, stop_early=True)
    assert PAGE_ONE_END in fits.pages[0].anchors and len(fits.pages) > 2


def test_a_page_one_that_waits_for_later_pages_is_laid_out_in_full():
    """A page number looked up on page one (target-counter) is only final when later pages are made."""
    lookup = ('<style>a::after { content: " page " target-counter(attr(href url), page) }</style>'
              '<p><a href="#far">See</a></p>')
    body = lookup + FILLER * 3 + f'<p id="{PAGE_ONE_END}"></p><p id="far">Far</p>'
    laid_out = small_layout(body, stop_early=True)  # no PageOneOverflows
    assert PAGE_ONE_END not in laid_out.pages[0].anchors
    assert len(laid_out.pages) > 2


def full_layouts(html, layout):
    """fit_page_one before the early stop: every try laid out in full."""
    document = layout(html, False)
    for shorter in shorter_page_ones(html):
        if PAGE_ONE_END not in document.pages[0].anchors:
            document = layout(shorter, False)
    return document


def test_the_pdf_is_the_same_as_with_every_try_laid_out_in_full(monkeypatch):
    day = date(2026, 11, 25)
    profile = load_profile(ROOT / "profiles" / "ex-01-melanoma-primary-care.yaml", day)
    html = render_html(make_packet(profile, BuildOptions(prepared_on=day)))
    stopped = []
    layout = pdf._layout

    def counting(page, options, stop_early=False):
        try:
            return layout(page, options, stop_early)
        except PageOneOverflows:
            stopped.append(page)
            raise

    monkeypatch.setattr(pdf, "_layout", counting)
    quick = pdf.render_pdf(html)
    assert len(stopped) >= 2  # ex-01 needs a shorter page one: the early stop is what is tested
    monkeypatch.setattr(pdf, "fit_page_one", full_layouts)
    assert pdf.render_pdf(html) == quick


def test_the_last_try_moves_the_urgency_explanation_after_the_first_section():
    """The shortest page one keeps the urgency box's word, title, date, doctor's timing and reason; its
    general explanation follows the first section, where the diagnosis detail goes."""
    day = date(2026, 11, 25)
    profile = load_profile(ROOT / "profiles" / "ex-04-melanoma-stage-iv-urgent.yaml", day)
    packet = make_packet(profile, BuildOptions(prepared_on=day))
    html = render_html(packet)
    *_, closest, last = shorter_page_ones(html)
    assert 'class="urgency-text"' in closest and 'class="urgency-text"' not in last
    first, _, rest = last.partition(f'id="{PAGE_ONE_END}"')
    explanation = re.sub(r"<[^>]+>", "", packet.guidance.urgency.text)[:40]
    assert explanation not in re.sub(r"<[^>]+>", "", first)
    assert '<p class="urgency-moved">' in rest and explanation in re.sub(r"<[^>]+>", "", rest)
    assert packet.guidance.urgency.title in first and "urgency-band" in first
