"""The finished packet: structure, tools, print settings, clinic branding and accessibility tags."""

from __future__ import annotations

import itertools
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from sop_packets.build import BuildOptions, build_file
from sop_packets.cli import cli
from sop_packets.clinic import contrast_ratio, default_clinic_path, load_clinic
from sop_packets.errors import InvalidInput

PROFILES = Path(__file__).parent.parent / "profiles"
DAY = date(2026, 11, 25)


def build(tmp_path: Path, name: str, **options) -> tuple[str, Path]:
    result = build_file(PROFILES / f"{name}.yaml", BuildOptions(out_dir=tmp_path, prepared_on=DAY, **options))
    html_path, pdf_path = result.outputs
    return html_path.read_text(), pdf_path


def pdf_pages(path: Path) -> list[str]:
    pages = PdfReader(path).pages
    return [" ".join(page.extract_text(extraction_mode="layout").split()) for page in pages]


def body(page: str) -> str:
    """A page's text without the running footer (name, "Confidential", page number)."""
    page = re.sub(r"(Nico Pemberton-Vale · Confidential · )?Page \d+ of \d+", "", page)
    return page.strip()


@pytest.fixture(scope="module")
def child_packet(tmp_path_factory):
    return build(tmp_path_factory.mktemp("child"), "ex-10-child-atypical-melanocytic")


def test_sections_come_in_the_promised_order(child_packet):
    html, _ = child_packet
    # Page one, the core (why, whom, what to gather), the divider, the reference part, then the sheets:
    # the questions that matter most, the appointment tracker with the other questions, the letter, the
    # case summary and the worksheet.
    anchors = ["at-a-glance", "toc-title", "indications", "specialists", "records", "more", "disclaimer",
               "insurance-steps", "population-notes", "roadmap", "differing-opinions",
               "after-visit", "glossary", "sources", "questions", "more-questions", "tracker",
               "records-letter", "case-summary", "worksheet"]
    positions = [html.find(f'id="{anchor}"') for anchor in anchors if f'id="{anchor}"' in html]
    assert positions == sorted(positions)
    assert len(positions) >= len(anchors) - 2  # the glossary and more questions only when there are some
    assert 'id="telemedicine"' not in html and 'id="clinical-trials"' not in html  # do not apply


def test_page_one_shows_situation_urgency_and_three_steps(child_packet):
    _, pdf = child_packet
    first = pdf_pages(pdf)[0]
    assert "Prepared for Nico Pemberton-Vale" in first
    # the situation (its heading may give way to the steps when page one is full: render._shorter_page_ones)
    assert "The doctor found a skin growth that is not yet clearly named." in first
    assert "Get a second opinion soon" in first
    assert "Your first three steps" in first
    assert "Book a second-opinion visit" in first


def test_running_footer_page_numbers_and_contents(child_packet):
    _, pdf = child_packet
    pages = pdf_pages(pdf)
    assert all(f"Nico Pemberton-Vale · Confidential · Jordan Ellis, RN (555) 010-2014 · Page {number} of {len(pages)}" in page
               for number, page in enumerate(pages[1:], start=2))
    assert "Nico Pemberton-Vale" not in pages[0].replace("Prepared for Nico Pemberton-Vale", "")
    assert f"Page 1 of {len(pages)}" in pages[0]  # the cover's footer: its page number only
    contents = next(p for p in pages if "What is in this guide" in p)
    assert re.search(r"Records to gather\.* ?\d+", contents)


def test_tools_each_start_a_page_and_are_filled_in(child_packet):
    _, pdf = child_packet
    pages = pdf_pages(pdf)
    for title in ("Questions to ask", "Letter to ask for your records",
                  "Case summary for the second-opinion doctor", "Decision worksheet"):
        assert any(body(page).startswith(title) for page in pages), title
    # the appointment tracker follows the questions, on the question sheet or the page after it
    sheet = next(n for n, page in enumerate(pages) if body(page).startswith("Questions to ask"))
    assert "Appointment tracker" in pages[sheet] + pages[sheet + 1]
    letter = next(p for p in pages if body(p).startswith("Letter to ask for your records"))
    assert "Dr. Abigail Starling" in letter and "Fax (717) 555-0192" in letter
    assert "The patient's biopsy slides and tissue blocks" in letter  # a parent writes for the child
    assert "If your office needs its own release form, please send it to me." in letter
    assert "Signature of parent or guardian" in letter  # the patient is a child
    summary = next(p for p in pages if body(p).startswith("Case summary for the second-opinion doctor"))
    assert "Borderline" in summary and "Not yet read by a dermatopathologist" in summary


def test_pdf_is_tagged_pdf_ua_with_title_language_and_bookmarks(child_packet):
    _, pdf = child_packet
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp or "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert reader.metadata.title == "Second-opinion guide · Riverbend Skin Health Center"
    titles = []

    def walk(outline):
        for entry in outline:
            walk(entry) if isinstance(entry, list) else titles.append(entry.title)

    walk(reader.outline)
    assert {"Why a second opinion may help you", "Records to gather", "Decision worksheet"} <= set(titles)


def test_html_has_landmarks_one_h1_and_ordered_headings(child_packet):
    html, _ = child_packet
    assert html.count("<h1") == 1
    # The disclaimer opens the reference part, under the divider (no contentinfo footer after the tools:
    # it would print alone on a last page).
    assert 'role="banner"' in html and "<main>" in html and "<nav" in html
    levels = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))
    for box in re.findall(r'<input type="checkbox" id="([^"]+)"', html):
        assert f'<label for="{box}"' in html
    assert 'alt="Riverbend Skin Health Center logo"' in html


def test_large_print_is_at_least_16pt(tmp_path):
    html, _ = build(tmp_path, "ex-09-other-minimal", large_print=True)
    assert 'class="large-print' in html
    size = re.search(r"body\.large-print \{ font-size: ([\d.]+)pt", html)
    assert size and float(size.group(1)) >= 16
    normal = re.search(r"body \{ font-size: ([\d.]+)pt", html)
    assert normal and float(normal.group(1)) >= 12


def test_profile_can_ask_for_large_print(tmp_path):
    html, _ = build(tmp_path, "ex-03-scc-ear-older-adult")
    assert 'class="large-print' in html


def test_clinic_branding_on_every_packet(tmp_path):
    _html, pdf = build(tmp_path, "ex-09-other-minimal")
    text = " ".join(pdf_pages(pdf))
    assert "Riverbend Skin Health Center" in text and "(555) 010-2014" in text
    # the clinic's offices are listed only where "Who to see" names their kind (test_shorter_packet):
    # this rare type's guide names only a cancer center for uncommon cancers, which the clinic lacks
    assert "Lakeside Dermatopathology Lab" not in text
    # the contact's name and number are on page one (and in every footer), not repeated in the disclaimer
    page_one = " ".join(pdf_pages(pdf)[0].split())
    assert "Jordan Ellis, RN" in page_one and "(555) 010-2014" in page_one


def clinic_copy(tmp_path: Path, **changes: str) -> Path:
    folder = tmp_path / "clinic"
    shutil.copytree(default_clinic_path().parent, folder)
    path = folder / "clinic.yaml"
    text = path.read_text()
    for key, value in changes.items():
        text = re.sub(rf"^{key}:.*$", f"{key}: {value}", text, flags=re.M)
    path.write_text(text)
    return path


def test_a4_clinic_gives_a4_pages_and_own_name(tmp_path):
    path = clinic_copy(tmp_path, paper_size="a4", name="Fjord Hudklinikk", accent_color='"#7a1f1f"')
    result = CliRunner().invoke(cli, ["build", str(PROFILES / "ex-06-merkel-abroad.yaml"), "-o",
                                      str(tmp_path / "out"), "--clinic", str(path), "--date", "2026-11-25"])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "out" / "ex-06-merkel-abroad.pdf"
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "Fjord Hudklinikk" in pdf_pages(pdf)[0]
    assert "--accent: #7a1f1f" in (tmp_path / "out" / "ex-06-merkel-abroad.html").read_text()


def test_letter_paper_by_default(child_packet):
    box = PdfReader(child_packet[1]).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


@pytest.mark.parametrize(("change", "message"), [
    ({"accent_color": '"#ffee00"'}, "accent_color: #ffee00 is too light to read on white (1.2:1"),
    ({"accent_color": "blue"}, "accent_color: 'blue' is not a colour written as # and six hex digits"),
    ({"paper_size": "legal"}, "paper_size: 'legal' is not allowed; use one of: letter, a4"),
    ({"logo": "../secret.png"}, "logo: '../secret.png' is outside the clinic file's folder"),
    ({"logo": "/etc/passwd"}, "logo: '/etc/passwd' is outside the clinic file's folder"),
    ({"logo": "missing.png"}, "logo: the logo file 'missing.png' does not exist"),
    ({"logo": "clinic.yaml"}, "logo: 'clinic.yaml' must be a PNG, JPEG or SVG image"),
    ({"phone": ""}, "phone: must be text, not empty"),
])
def test_bad_clinic_files_get_located_messages(tmp_path, change, message):
    path = clinic_copy(tmp_path, **change)
    with pytest.raises(InvalidInput) as caught:
        load_clinic(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_svg_logo_with_links_is_refused(tmp_path):
    path = clinic_copy(tmp_path)
    (path.parent / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>')
    with pytest.raises(InvalidInput, match="uses the element <image>"):
        load_clinic(path)


def test_bad_clinic_stops_the_batch_before_building(tmp_path):
    path = clinic_copy(tmp_path, accent_color='"#eeeeee"')
    result = CliRunner().invoke(cli, ["batch", str(PROFILES), "-o", str(tmp_path / "out"), "--clinic", str(path)])
    assert result.exit_code == 2
    assert "too light to read on white" in result.output
    assert not (tmp_path / "out").exists()


def test_contrast_ratio_matches_wcag():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


def test_svg_logo_not_in_utf8_is_refused(tmp_path):
    path = clinic_copy(tmp_path)
    (path.parent / "logo.svg").write_bytes('<svg><image href="http://x"/></svg>'.encode("utf-16"))
    with pytest.raises(InvalidInput, match="uses the element <image>"):
        load_clinic(path)


def test_the_warning_signs_print_as_a_list_under_a_title_that_says_when_to_call(tmp_path):
    html, _pdf = build(tmp_path, "ex-21-scc-immunotherapy")
    box = html[html.index('<div class="alert-box" role="note"'):html.index("<!--/alert-box-->")]
    assert "<li>new diarrhea, belly pain, or blood in your stool</li>" in box
    assert "- new diarrhea" not in box  # block markdown, not hyphens typed into a paragraph
    assert "Feel sick in a new way? Call your care team at once" in box and "(555) 010-2999" in box


def test_the_mohs_drawing_only_where_the_guide_names_a_mohs_surgeon(tmp_path):
    nose, _ = build(tmp_path / "a", "ex-02-bcc-nose-reconstruction")
    assert 'id="mohs"' in nose
    removed, _ = build(tmp_path / "b", "ex-21-scc-immunotherapy")  # the spot is out; radiation and medicine
    assert 'id="mohs"' not in removed
