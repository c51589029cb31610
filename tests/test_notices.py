"""Every interpreter notice (templates/content/language_access.yaml) says that the interpreter is free,
in a sentence of its own, and prints the phone number in logical order, isolated from the text's
direction; Urdu is set in its Nastaliq face, and right-to-left notices copy out of the PDF as their real
words (pdftotext, which honours the /ActualText spans of sop_packets/actual_text.py)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from html import unescape

import pytest
from pypdf import PdfReader

from sop_packets.actual_text import ARABIC_SCRIPT
from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import language_notices, notice_for
from sop_packets.fonts import LANGUAGE_FONTS
from sop_packets.profile import load_profile
from sop_packets.render import render_html, render_pdf

PHONE = "(555) 010-2014"  # the example clinic's contact (issue 28: one number, the contact's)
NOTICES = sorted(language_notices())
SENTENCE_END = r"(?<=[.\u3002\u06d4\u061f?!])\s*"  # the full stops of Latin, Chinese and Urdu, and question marks


def notice_html(minimal, tag: str) -> str:
    profile = load_profile(minimal(extra=""))
    html = render_html(make_packet(profile, BuildOptions(prepared_on=date(2026, 12, 2), language=tag)))
    return re.sub(r'<span class="intl">(.*?)</span>', r"\1", html)


@pytest.mark.parametrize("tag", NOTICES)
def test_every_notice_says_the_interpreter_is_free_in_its_own_sentence(tag):
    entry = language_notices()[tag]
    free, text = entry["free"], " ".join(entry["text"].split())
    assert text.count("{phone}") == 1
    sentences = [s for s in re.split(SENTENCE_END, text) if s]
    with_free = [s for s in sentences if free in s]
    assert with_free, f"{tag}: '{free}' is not in the notice"
    assert all("{phone}" not in s for s in with_free), f"{tag}: the free-help sentence also holds the phone"


@pytest.mark.parametrize("tag", [tag for tag in NOTICES if tag not in ("vi", "zh", "zh-Hant")])
def test_every_notice_prints_the_phone_in_logical_order_isolated(minimal, tag):
    html = notice_html(minimal, tag)
    notice = notice_for(tag)
    paragraph = re.search(rf'<p class="language-notice-text" lang="{notice.tag}" dir="{notice.direction}">'
                          r"(.*?)</p>", html, re.S)
    assert paragraph, tag
    inner = paragraph.group(1)
    assert f'<bdi dir="ltr">\u2066{PHONE}\u2069</bdi>' in inner  # LRI … PDI in the text itself (issue 28)
    assert language_notices()[tag]["free"] in unescape(inner)


@pytest.mark.parametrize("tag", [tag for tag in NOTICES if notice_for(tag).direction == "rtl"])
def test_right_to_left_notices_keep_the_phone_in_order_in_the_pdf(minimal, tag):
    pdf = PdfReader(io.BytesIO(render_pdf(notice_html(minimal, tag))))
    text = pdf.pages[0].extract_text()
    assert PHONE in text  # digits left to right, brackets not mirrored into ")555("
    fonts = {str(font.get_object()["/BaseFont"]) for font in pdf.pages[0]["/Resources"]["/Font"].values()}
    if tag == "ur" and LANGUAGE_FONTS["ur"].installed:
        assert any("Nastaliq" in name for name in fonts), fonts
    if tag in ("ar", "fa"):
        assert not any("Nastaliq" in name for name in fonts)  # Naskh, as Arabic and Persian are read


def test_the_urdu_face_is_installed_by_the_set_up():
    """scripts/check_system.py installs fonts-noto-core (Noto Nastaliq Urdu) with `make setup`."""
    assert LANGUAGE_FONTS["ur"].installed


def copied_notice(pdf: bytes) -> str:
    """The right-to-left notice as pdftotext copies it from page one, in logical order: pdftotext prints
    each line's pieces left to right, each right-to-left piece between U+202B and U+202C, so the pieces
    of a right-to-left line are read from the last to the first."""
    done = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True,
                          check=True)
    lines = []
    for line in done.stdout.decode().splitlines():
        if ARABIC_SCRIPT.search(line):
            pieces = [piece for piece in re.split("[\u202b\u202c]", line) if piece]
            lines.append("".join(reversed(pieces)))
    return "".join(lines)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


@pytest.mark.parametrize("tag", [tag for tag in NOTICES if notice_for(tag).direction == "rtl"])
def test_right_to_left_notices_copy_out_as_their_words_in_reading_order(minimal, tag):
    """Naskh and Nastaliq faces share glyphs between letters: without the /ActualText spans the Urdu
    notice copied out as other letters ("ما مل مر" for "مفت ترجمان"). Every sentence comes out in
    reading order, and the phone's digits in their own order."""
    copied = copied_notice(render_pdf(notice_html(minimal, tag)))
    text = " ".join(language_notices()[tag]["text"].split())
    sentences = [s for s in re.split(SENTENCE_END, text) if s and "{phone}" not in s]
    assert any(language_notices()[tag]["free"] in s for s in sentences)
    for sentence in sentences:
        assert squeezed(sentence) in squeezed(copied), f"{tag}: {sentence!r} not in {copied!r}"
    assert re.sub(r"\D", "", copied) == re.sub(r"\D", "", PHONE)


def test_pdftotext_is_installed_by_the_set_up():
    """scripts/check_system.py installs poppler-utils (pdftotext) with `make setup`."""
    assert shutil.which("pdftotext")
