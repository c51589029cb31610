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
"""

from __future__ import annotations

import functools
import re
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
        if not ARABIC_SCRIPT.search(textbox.text) or text_overflow == "ellipsis" or block_ellipsis != "none":
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
