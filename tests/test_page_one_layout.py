"""The shorter page ones are tried without whole layouts: each try is judged from a layout of page one
alone (the packet cut after the page-one anchor), a layout stops after page one when page one is final
and overflows, and the PDF is the same as with every try laid out in full (page_one.fit_page_one,
pdf._page_one_holds, pdf._watch_page_one)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from sop_packets import page_one, pdf
from sop_packets.build import BuildOptions, make_packet
from sop_packets.page_one import (
    PAGE_ONE_END,
    PageOneOverflows,
    fit_page_one,
    shorter_page_ones,
    up_to_page_one_end,
)
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


def test_a_try_judged_to_overflow_is_never_laid_out(monkeypatch):
    monkeypatch.setattr(page_one, "shorter_page_ones", lambda html: ["t1", "t2", "t3"])
    calls = []

    def layout(html, stop_early):
        calls.append((html, stop_early))
        return document(holds=html in ("t1", "t2"))

    judged = {"first": False, "t1": None, "t2": True}  # t1: the judge cannot tell, so it is laid out
    assert fit_page_one("first", layout, judged.get).pages[0].anchors
    assert calls == [("t1", True)]

    calls.clear()
    judged = {"first": False, "t1": False, "t2": False}
    assert fit_page_one("first", layout, judged.get).pages[0].anchors == {}
    assert calls == [("t3", False)]  # the last try is laid out in full whatever the judge says

    calls.clear()
    judged = {"first": True, "t1": True, "t2": True}  # judged to hold, but the whole layout says no
    assert fit_page_one("first", layout, judged.get).pages[0].anchors
    assert calls == [("first", True), ("t1", True)]


def test_the_cut_ends_at_the_page_one_anchor():
    html = f'<body><main><section><p>One</p><p id="{PAGE_ONE_END}" class="x"></p></section><p>Two</p></main>'
    assert up_to_page_one_end(html) == f'<body><main><section><p>One</p><p id="{PAGE_ONE_END}" class="x"></p>'
    assert up_to_page_one_end("<p>No anchor</p>") is None


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


def small_page(body: str) -> str:
    return f"<html><head>{SMALL}</head><body>{body}</body></html>"


def test_page_one_alone_is_judged_from_the_cut_packet():
    end = f'<p id="{PAGE_ONE_END}"></p>'
    options = dict(stylesheets=[])
    assert pdf._page_one_holds(small_page(FILLER * 3 + end + FILLER), options) is False
    assert pdf._page_one_holds(small_page("<p>Short.</p>" + end + FILLER * 3), options) is True
    assert pdf._page_one_holds(small_page("<p>No anchor.</p>" + FILLER), options) is None
    lookup = ('<style>a::after { content: " page " target-counter(attr(href url), page) }</style>'
              '<p><a href="#far">See</a></p>')
    assert pdf._page_one_holds(small_page(lookup + end + '<p id="far">Far</p>'), options) is None


@pytest.mark.parametrize("name, large", [("ex-01-melanoma-primary-care", True),
                                         ("ex-33-scc-scalp-vi", False),
                                         ("ex-06-merkel-abroad", False)])
def test_the_cut_packet_judges_every_try_as_the_whole_layout_does(name, large):
    """Each try's verdict from page one alone is the whole packet's (ex-01 in large print tries all six
    page ones; the last holds). Checked for every example in both print sizes and both papers while
    this was written: 336 tries, no difference."""
    day = date(2026, 11, 25)
    options = BuildOptions(prepared_on=day, large_print=large)
    html = render_html(make_packet(load_profile(ROOT / "profiles" / f"{name}.yaml", day), options),
                       embed_fonts=False)
    css = dict(stylesheets=[pdf._packet_css()])
    html = pdf.PRINT_HIDDEN.sub("", html.replace(f'<style id="packet-css">\n{pdf.stylesheet()}\n</style>', ""))
    verdicts = []
    for page in [html, *shorter_page_ones(html)]:
        whole = PAGE_ONE_END in pdf._layout(page, css).pages[0].anchors
        verdicts.append((pdf._page_one_holds(page, css), whole))
        if whole:
            break
    assert [judged for judged, _ in verdicts] == [whole for _, whole in verdicts]
    assert len(verdicts) >= 3 and verdicts[-1] == (True, True)


def full_layouts(html, layout, holds=None):
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
    judged = []
    holds = pdf._page_one_holds

    def counting(page, options):
        judged.append(holds(page, options))
        return judged[-1]

    monkeypatch.setattr(pdf, "_page_one_holds", counting)
    quick = pdf.render_pdf(html)
    assert judged.count(False) >= 2  # ex-01 needs a shorter page one: the judged tries are what is tested
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
