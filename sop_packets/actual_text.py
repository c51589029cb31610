"""Arabic-script text a PDF reader can copy: each line of it carries its letters in an /ActualText span.

Naskh and Nastaliq faces (Noto Naskh Arabic, Noto Nastaliq Urdu) draw a letter from shared pieces, a
skeleton that several letters share plus a dots glyph. WeasyPrint's ToUnicode map gives each glyph the
first text it was drawn for (its issue #2841), so the Urdu, Arabic and Persian notices copied out as
other letters. Each text box holding such letters is drawn inside a marked-content span whose
/ActualText (PDF 32000-1, 14.9.4) holds the box's letters, and readers that honour it (Poppler:
pdftotext, Evince, Okular) copy the real words. Readers that ignore /ActualText (pypdf) still read the
glyph map.

Order: Poppler lays a span's /ActualText out from the span's first glyph to its last, left to right, and
then reads right-to-left letters from right to left, as it reads any line. So the span holds the letters
in the order they are drawn (each right-to-left run reversed); the logical string comes out backwards
(measured with pdftotext 22.12; tests/test_notices.py checks the logical sentence comes out).

Latin letters a face draws as two glyphs (Noto Sans's ccmp draws ị as i plus a dot below, and ẹ ọ ụ ṣ
the same way) had the same fault: the dot glyph took the first letter it was drawn for, so "Thị" in the
footer copied out as "Thi ị" (review vi m25). Each glyph of such a cluster is mapped to its own letter of
the cluster's canonical decomposition (i, U+0323), which every reader joins back into the same text;
when a glyph is already mapped otherwise, the box gets an /ActualText span instead.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
"""Letters whose glyphs a face may share between letters (Arabic, Persian, Urdu)."""


@functools.cache
def install() -> None:
    """Draw WeasyPrint's Arabic-script text boxes inside /ActualText spans (once per process)."""
    import pydyf
    from weasyprint.draw import text as draw_text

    original = draw_text.draw_first_line

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str,
                        matrix: Any) -> list[Any]:
        if text_overflow == "ellipsis" or block_ellipsis != "none" or (
                not ARABIC_SCRIPT.search(textbox.text) and not _map_decomposed(stream, textbox)):
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)
        actual = pydyf.Dictionary({"ActualText": pydyf.String(drawn_order(textbox))})
        stream.begin_marked_content("Span", actual)
        try:
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)
        finally:
            stream.end_marked_content()

    draw_text.draw_first_line = draw_first_line


def drawn_order(textbox: Any) -> str:
    """The text of the box's first line in the order its glyphs are drawn, left to right: Pango's runs
    in line order, the letters of each right-to-left run reversed."""
    from weasyprint.text.ffi import ffi, pango

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    utf8 = textbox.pango_layout.text.encode()
    first_line, _ = textbox.pango_layout.get_first_line()
    pieces = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        item = run.data.item
        text = utf8[item.offset:item.offset + item.length].decode()
        pieces.append(text[::-1] if item.analysis.level % 2 else text)
        run = run.next
    return "".join(pieces)


def _map_decomposed(stream: Any, textbox: Any) -> bool:
    """Map the glyphs of each left-to-right cluster drawn as several glyphs to the letters of the
    cluster's canonical decomposition, for readers of the glyph map; True when the box has such a
    cluster (Poppler then needs /ActualText: it reads the dot below an i as a word of its own)."""
    text = textbox.text
    if text.isascii() or unicodedata.is_normalized("NFD", text):
        return False  # no letter that a face could draw as its decomposition
    from weasyprint.text.ffi import ffi, pango

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    utf8 = textbox.pango_layout.text.encode()
    found = False
    run = textbox.pango_layout.get_first_line()[0].runs[0]
    while run != ffi.NULL:
        glyph_item, run = run.data, run.next
        item, glyphs = glyph_item.item, glyph_item.glyphs
        clusters: dict[int, list[int]] = {}
        for i in range(glyphs.num_glyphs):
            clusters.setdefault(glyphs.log_clusters[i], []).append(glyphs.glyphs[i].glyph)
        several = {start: ids for start, ids in clusters.items() if len(ids) > 1}
        if not several:
            continue
        found = True
        if item.analysis.level % 2:
            continue
        font, _ = stream.add_font(item.analysis.font)
        starts = [*sorted(clusters), item.length]
        for start, ids in several.items():
            end = starts[starts.index(start) + 1]
            letters = unicodedata.normalize("NFD", utf8[item.offset + start:item.offset + end].decode())
            if len(letters) == len(ids) and not any(glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG for glyph in ids):
                for glyph, letter in zip(ids, letters, strict=True):
                    font.to_unicode.setdefault(glyph, letter)
    return found
