"""Large print for real, the urgency paragraph once, and the README's promises about the JSON."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from sop_packets.build import BuildOptions, build_file, make_packet
from sop_packets.profile import load_profile

ROOT = Path(__file__).parent.parent
DAY = date(2026, 11, 25)
LARGE_BODY_PT = 16.5


def text_sizes(page) -> list[tuple[str, float]]:
    """Each piece of text on a PDF page with the size it is printed at, in points."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale_tm = (tm[0] ** 2 + tm[1] ** 2) ** 0.5
            scale_cm = (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            found.append((text.strip(), round(size * scale_tm * scale_cm, 2)))

    page.extract_text(visitor_text=visit)
    return found


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> PdfReader:
    out = tmp_path_factory.mktemp("large")
    result = build_file(ROOT / "profiles" / "ex-01-melanoma-primary-care.yaml",
                        BuildOptions(out_dir=out, format="pdf", prepared_on=DAY, large_print=True))
    return PdfReader(result.outputs[0])


def test_large_print_cover_shows_what_standard_print_shows(large):
    """Page one keeps the clinic, the patient and the phone; the address and the date open page two (page
    one has no room for them next to the situation, how soon and the three steps)."""
    cover = " ".join(large.pages[0].extract_text().split())
    for shown in ("Riverbend Skin Health Center", "(555) 010-2014", "(555) 010-2999", "Prepared for Dana Whitfield"):
        assert shown in cover, shown
    first_two = cover + " " + " ".join(large.pages[1].extract_text().split())
    for shown in ("1200 Example Parkway, Suite 300", "www.riverbend-skin.example", "Prepared on November 25, 2026"):
        assert shown in first_two, shown


def test_large_print_title_is_largest_and_nothing_is_below_body_size(large):
    cover = text_sizes(large.pages[0])
    title = max(size for text, size in cover if "second opinion about your skin" in text)
    assert title == max(size for _, size in cover)
    logo = (ROOT / "templates" / "clinic" / "logo.svg").read_text()
    in_logo = {" ".join(word.split()) for word in re.findall(r"<text[^>]*>([^<]+)</text>", logo)}
    assert in_logo  # the clinic's logo is a picture: its words are drawn at the picture's size
    # The skin-layers drawing's labels are not excused: in large print they are drawn at body size too.
    # The letter and the case summary are read at the doctor's office: issue 28 sets them at standard size
    # (below their large-print instructions) so that each fits one sheet. Every other page is large.
    for_the_office = {number for number, page in enumerate(large.pages)
                      if any(title in " ".join(page.extract_text().split())[:80] for title in (
                          "Letter to ask for your records", "Case summary for the second-opinion"))}
    assert len(for_the_office) == 2
    small = [(number + 1, text, size) for number, page in enumerate(large.pages) if number not in for_the_office
             for text, size in text_sizes(page) if size < LARGE_BODY_PT - 0.05 and text not in in_logo]
    assert not small, small[:10]
    office = [size for number in for_the_office for _, size in text_sizes(large.pages[number])]
    assert min(office) >= 12.5 - 0.05  # standard print's body size, never smaller


def test_urgency_paragraph_is_printed_once(tmp_path):
    profile = load_profile(ROOT / "profiles" / "ex-02-bcc-nose-reconstruction.yaml")
    urgency = make_packet(profile, BuildOptions(prepared_on=DAY)).guidance.urgency
    first_sentence = re.split(r"(?<=\.) ", " ".join(urgency.text.split()))[0].replace("**", "")
    result = build_file(ROOT / "profiles" / "ex-02-bcc-nose-reconstruction.yaml",
                        BuildOptions(out_dir=tmp_path, format="pdf", prepared_on=DAY))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(result.outputs[0]).pages)
    assert text.count(first_sentence) == 1, first_sentence
    # the title is on page one's band only: the "How soon to act" section no longer repeats the box (issue 28)
    assert text.count(urgency.title) == 1


def test_readme_lists_every_explain_json_key():
    from click.testing import CliRunner

    from sop_packets.cli import cli

    result = CliRunner().invoke(cli, ["explain", str(ROOT / "profiles" / "ex-02-bcc-nose-reconstruction.yaml"),
                                      "--json"])
    keys = list(json.loads(result.output))
    readme = (ROOT / "README.md").read_text()
    block = readme.split("The JSON is one object with these keys", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    positions = [block.find(f'"{key}":') for key in keys]
    assert -1 not in positions, dict(zip(keys, positions, strict=True))
    assert positions == sorted(positions)  # in the order the JSON has them
