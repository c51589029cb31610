"""The PDF's text layer, as Poppler readers (pdftotext, Evince) copy it: letters a face draws from
several glyphs come out as the letters printed (sop_packets/actual_text.py)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import date

from sop_packets.build import BuildOptions, make_packet
from sop_packets.profile import load_profile
from sop_packets.render import render_html, render_pdf

PROFILE = """\
schema_version: 1
patient:
  id: p-vi
  name: Trần Thị Mai
  age: 64
  language: vi
diagnosis:
  cancer_type: melanoma
  diagnosed_by: primary_care
"""


def page_text(pdf: bytes, page: int) -> str:
    done = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-", "-"], input=pdf,
                          capture_output=True, check=True)
    return done.stdout.decode()


def test_the_vietnamese_footer_copies_the_name_as_printed(write):
    """Noto Sans draws ị as i plus a dot below; the footer's name copied out as "Trần Thi ị Mai"
    (review vi m25). Every page's footer now gives the name in NFC, and no stray combining mark."""
    pdf = render_pdf(render_html(make_packet(load_profile(write("vi.yaml", PROFILE)),
                                             BuildOptions(prepared_on=date(2026, 12, 2)))))
    text = page_text(pdf, 2)
    footer = [line for line in text.splitlines() if "Bảo mật" in line]
    assert footer, text[-400:]
    assert unicodedata.is_normalized("NFC", footer[0])
    assert re.match(r"Trần Thị Mai\s+·\s+Bảo mật", footer[0]), footer[0]
    assert not any(unicodedata.combining(char) for char in text), "a mark copied out on its own"
    assert "Thị" in page_text(pdf, 1)  # the body's name too
