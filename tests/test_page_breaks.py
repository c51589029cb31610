"""Tools a reader can use across page turns, read from the shared print build (conftest.py `printed`):
no list breaks after its first item, and no heading is left at the foot of a page with its text
overleaf (issue 28). Lists and headings are found in the PDF's structure tree (`pdf_layout`)."""

from __future__ import annotations

import pytest
from printing import read_layout

BOTTOM = 0.8
"""A heading whose first line sits below this fraction of the page height is in the bottom fifth."""


@pytest.fixture(scope="module")
def layouts(printed, pdf_layout):
    """(config, packet name, PdfLayout) of every PDF of the shared build."""
    return [(config, path.stem, pdf_layout(path)) for config, (folder, _) in printed.items()
            for path in sorted(folder.glob("*.pdf"))]


def lists_broken_after_the_first_item(lists) -> list[tuple[int, int]]:
    """(list number, page) of each list of two or more items whose first item is alone on its page."""
    broken = []
    for number, items in enumerate(lists, 1):
        if len(items) < 2 or not items[0]:
            continue
        page = items[0][-1]  # where the first item ends
        if not any(page in pages for pages in items[1:]):
            broken.append((number, page + 1))
    return broken


def stranded_headings(headings) -> list[tuple[str, int, float]]:
    """(tag, page, place) of each heading in the bottom fifth of its page whose text goes on overleaf."""
    return [(h.tag, h.page + 1, round(h.top, 2)) for h in headings if h.top > BOTTOM and h.continues]


def test_the_layout_reader_finds_every_packets_lists_and_headings(layouts):
    for config, name, layout in layouts:
        assert len(layout.lists) >= 10 and all(len(items) >= 1 for items in layout.lists[:3]), (config, name)
        assert sum(h.tag == "H2" for h in layout.headings) >= 12, (config, name)
        assert all(0 < h.top < 1 for h in layout.headings), (config, name)


def test_no_list_breaks_after_its_first_item(layouts):
    broken = [(config, name, found) for config, name, layout in layouts
              if (found := lists_broken_after_the_first_item(layout.lists))]
    assert not broken, broken[:10]


def test_no_heading_sits_in_the_bottom_fifth_with_its_text_overleaf(layouts):
    stranded = [(config, name, found) for config, name, layout in layouts
                if (found := stranded_headings(layout.headings))]
    assert not stranded, stranded[:10]


def test_the_checks_fire_on_a_list_and_a_heading_pushed_to_a_page_foot(tmp_path):
    """A spacer pushes a list's first item, and then a heading, to the foot of page one."""
    from sop_packets.pdf import render_pdf

    page = ('<!doctype html><html lang="en"><head><title>t</title><style>@page {{ size: letter; margin: 0 }}'
            " body {{ margin: 0; font-size: 12pt; line-height: 20pt }} li, h2, p {{ margin: 0 }}"
            ' h2 {{ font-size: 12pt; line-height: 20pt }}</style></head><body><div style="height: {}pt"></div>'
            "{}</body></html>")
    pdf = tmp_path / "t.pdf"
    items = "<ol><li>one</li><li>two</li><li>three</li></ol>"
    pdf.write_bytes(render_pdf(page.format(755, items)))  # room for one item at the foot of page one
    assert lists_broken_after_the_first_item(read_layout(pdf).lists) == [(1, 1)]
    pdf.write_bytes(render_pdf(page.format(700, items.replace("<li>three", "<li>" + "long words " * 200))))
    assert read_layout(pdf).lists == (((0,), (0,), (0, 1)),)  # the third item, cut by the page, is one item
    pdf.write_bytes(render_pdf(page.format(700, f"<section><h2>H</h2>{items * 2}</section>")))
    assert lists_broken_after_the_first_item(read_layout(pdf).lists) == []
    pdf.write_bytes(render_pdf(page.format(750, "<h2>Heading</h2>" + "<p>text</p>" * 5)))
    assert stranded_headings(read_layout(pdf).headings) == [("H2", 1, pytest.approx(0.96, abs=0.02))]
    pdf.write_bytes(render_pdf(page.format(600, "<h2>Heading</h2>" + "<p>text</p>" * 5)))
    assert stranded_headings(read_layout(pdf).headings) == []


def test_an_item_split_by_the_page_is_one_item_in_a_list_without_markers(tmp_path):
    """The guide's item lists have no markers; each item opens with a bold lead. The part of an item that a
    page break pushes overleaf opens mid-text, so it is read as the same item, not a second one; an item
    that opens with its lead at the top of the next page is a new one."""
    from sop_packets.pdf import render_pdf

    page = ('<!doctype html><html lang="en"><head><title>t</title><style>@page {{ size: letter; margin: 0 }}'
            " body {{ margin: 0; font-size: 12pt; line-height: 20pt }} p {{ margin: 0 }}"
            " ul {{ list-style: none; margin: 0 }} li {{ margin: 0 }}</style></head><body>"
            '<div style="height: {}pt"></div><ul>{}</ul></body></html>')
    pdf = tmp_path / "t.pdf"
    long_item = "<li><p><strong>First.</strong> " + "words that run on " * 60 + "</p></li>"
    short = "<li><p><strong>Second.</strong> two</p></li><li><p><strong>Third.</strong> three</p></li>"
    pdf.write_bytes(render_pdf(page.format(700, long_item + short)))  # the first item runs onto page two
    assert read_layout(pdf).lists == (((0, 1), (1,), (1,)),)
    assert lists_broken_after_the_first_item(read_layout(pdf).lists) == []
    whole = "<li><p><strong>First.</strong> one</p></li>" + short
    pdf.write_bytes(render_pdf(page.format(755, whole)))  # room for the first item only
    assert read_layout(pdf).lists == (((0,), (1,), (1,)),)
    assert lists_broken_after_the_first_item(read_layout(pdf).lists) == [(1, 1)]


def test_the_large_print_footer_is_two_lines_by_design(printed, pdf_text):
    """Large print's footer did not fit one line and wrapped where it fell ("· Página 3 de 20" alone on the
    second line). It is two lines by design: the name and "Confidential", then the contact and the page."""
    from sop_packets.content import load_content, packet_language

    checked = 0
    for config in ("large-letter", "large-a4"):
        for path in sorted(printed[config][0].glob("*.pdf")):
            pdf = pdf_text(path)
            ui = load_content(packet_language(pdf.lang))["ui"]
            counter = ui["page_of"].split("{page}")[0].strip()
            for number, text in enumerate(pdf.texts[1:], 2):
                *_, name_line, contact_line = [line for line in text.splitlines() if line.strip()]
                assert name_line.rstrip().endswith(ui["confidential"]), (path.name, number, name_line)
                assert contact_line.lstrip().startswith("Jordan Ellis"), (path.name, number, contact_line)
                assert f"{number}" in contact_line and counter in contact_line, (path.name, number, contact_line)
                checked += 1
    assert checked > 300
