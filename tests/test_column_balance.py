"""WeasyPrint's column balancer spared the heights at which its first column holds nothing (column_balance):
the same columns as WeasyPrint's 1 px search, with fewer layouts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sop_packets import column_balance, pdf
from sop_packets.build import BuildOptions, make_packet
from sop_packets.profile import load_profile
from sop_packets.render import render_html

ROOT = Path(__file__).parent.parent
UNSPLIT = "Words in a paragraph that cannot be split over two columns. " * 5
COLUMNS = ('<html><head><style>@page { size: A6; margin: 1cm } div { columns: 2 } p { margin: 0 }</style></head>'
           f'<body><div><p style="break-inside: avoid">{UNSPLIT}</p><p>Short.</p></div></body></html>')


@pytest.fixture
def column_layouts(monkeypatch):
    """The number of real column layouts, counted as WeasyPrint makes them."""
    pdf._weasyprint()
    from weasyprint.layout import block

    counted = [0]
    layout = block.block_container_layout

    def counting(context, box, *args, **kwargs):
        counted[0] += getattr(box, "is_column", False)
        return layout(context, box, *args, **kwargs)

    monkeypatch.setattr(block, "block_container_layout", counting)
    return counted


def without_the_hook(monkeypatch):
    from weasyprint.layout import block

    hooked = block.block_box_layout
    assert hooked.skips_empty_heights
    monkeypatch.setattr(block, "block_box_layout", hooked.__wrapped__)


def test_the_same_columns_with_fewer_layouts(monkeypatch, column_layouts):
    """A paragraph that cannot be split heads the columns: at half its height the first column holds
    nothing, and WeasyPrint grows the height 1 px a try until it does."""
    assert column_balance.install.cache_info().currsize
    quick = pdf._layout(COLUMNS, dict(stylesheets=[])).write_pdf()
    searched = column_layouts[0]
    column_layouts[0] = 0
    without_the_hook(monkeypatch)
    assert pdf._layout(COLUMNS, dict(stylesheets=[])).write_pdf() == quick
    assert column_layouts[0] > 60 and searched < column_layouts[0] / 3


@pytest.mark.parametrize("profile", [ROOT / "tests" / "fixtures" / "b7cb0b6" / "ex-08-kaposi-financial-help.yaml",
                                     ROOT / "profiles" / "ex-08-kaposi-financial-help.yaml"])
def test_the_glossary_of_a_packet_is_the_same(monkeypatch, column_layouts, profile):
    """The render bench's ex-08 (b7cb0b6's profile and today's): the balanced glossary columns give the same
    PDF with the search as without it, and never take more column layouts. (Until the 31em measure of issue 28,
    b7cb0b6's ex-08 ended its glossary with the sources' paragraph at the head of a page: 134 column layouts
    without the search, about 20 with it; the saving itself is tested on COLUMNS above.)"""
    day = date(2026, 11, 25)
    html = render_html(make_packet(load_profile(profile, day), BuildOptions(prepared_on=day)), embed_fonts=False)
    quick = pdf.render_pdf(html)
    searched = column_layouts[0]
    column_layouts[0] = 0
    without_the_hook(monkeypatch)
    assert pdf.render_pdf(html) == quick
    assert 0 < searched <= column_layouts[0]


class Trials:
    """A column that holds something from `holds` px above the first height tried."""

    def __init__(self, holds: int, bottom: float = 500.0):
        self.holds, self.bottom, self.asked = holds, bottom, []

    def lay_out(self, bottom_space: float) -> tuple:
        step = self.bottom - bottom_space
        self.asked.append(step)
        return (object() if step >= self.holds else None,)


@pytest.mark.parametrize("holds", [1, 2, 3, 37, 64, 65, 1000])
def test_the_search_finds_the_last_step_that_holds_nothing(holds):
    trials = Trials(holds)
    cleaned = []
    empty = column_balance._highest_empty(trials.lay_out, lambda *a: cleaned.append(a[1]), FakeContext(),
                                          trials.bottom)
    assert trials.bottom - empty == holds - 1
    assert len(trials.asked) <= 2 * (holds.bit_length() + 1)
    assert len(cleaned) == len([step for step in trials.asked if step >= holds])  # every trial that held


def test_the_search_stops_at_a_height_no_page_has():
    trials = Trials(10 ** 6)
    empty = column_balance._highest_empty(trials.lay_out, lambda *a: None, FakeContext(), trials.bottom)
    assert trials.bottom - empty == 2 ** column_balance.MAX_DOUBLINGS
    assert len(trials.asked) == column_balance.MAX_DOUBLINGS


class FakeContext:
    def __init__(self):
        self.excluded_shapes = []
