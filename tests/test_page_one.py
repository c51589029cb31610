"""Issue 28, read from the packets: one contact with a number on every call, a phone number that keeps its
order in right-to-left text, an urgency band with a word, and a page one that stands alone for generated
profiles (long names, notes, Spanish, large print), not only the examples."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from sop_packets.build import BuildOptions, build_file, make_packet
from sop_packets.calls import calls_without_number
from sop_packets.clinic import load_clinic, reach
from sop_packets.content import load_content
from sop_packets.errors import BuildError
from sop_packets.profile import load_profile
from sop_packets.render import check_calls, render_html

ROOT = Path(__file__).parent.parent
DAY = date(2026, 11, 25)
CONTACT = reach(load_clinic().clinic, "en")


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


# ------------------------------------------------------------------ every call carries a number

@pytest.mark.parametrize("name", ["ex-21-scc-immunotherapy", "ex-17-melanoma-child-es", "ex-31-melanoma-zh-hans",
                                  "ex-33-scc-scalp-vi", "ex-04-melanoma-stage-iv-urgent"])
def test_every_call_to_the_care_team_carries_a_number(name):
    profile = load_profile(ROOT / "profiles" / f"{name}.yaml", DAY)
    packet = make_packet(profile, BuildOptions(prepared_on=DAY))
    html = render_html(packet)
    assert calls_without_number(html, packet.language) == []
    assert CONTACT.after_hours in html and CONTACT.phone in html


def test_immunotherapy_warning_gives_the_after_hours_number_in_the_same_box():
    profile = load_profile(ROOT / "profiles" / "ex-21-scc-immunotherapy.yaml", DAY)
    html = render_html(make_packet(profile, BuildOptions(prepared_on=DAY)))
    boxes = re.findall(r'<div class="alert-box.*?</div>', html, re.S)
    assert len(boxes) == 2
    assert all(CONTACT.after_hours in box for box in boxes)


def test_a_call_with_no_number_fails_the_build_naming_the_section_and_sentence():
    page = ('<html lang="en"><body><section id="urgency"><h2 id="urgency-title">How soon to act</h2>'
            "<p>Book it now. If anything changes, call your doctor right away.</p></section></body></html>")
    with pytest.raises(BuildError) as caught:
        check_calls(page, "en")
    message = str(caught.value)
    assert '"How soon to act"' in message and "call your doctor right away" in message
    with_number = page.replace("right away.", "right away at (555) 010-2999.")
    check_calls(with_number, "en")  # no error


@pytest.mark.parametrize(("language", "sentence"), [
    ("es", "Llame de inmediato a su equipo de atención."),
    ("vi", "Gọi ngay cho nhóm chăm sóc của quý vị."),
    ("zh-Hans", "都要马上联系您的医疗团队。"),
    ("zh-Hant", "馬上打電話給醫生。"),
])
def test_calls_are_found_in_every_packet_language(language, sentence):
    page = f'<html lang="{language}"><body><section id="x"><h2>T</h2><p>{sentence}</p></section></body></html>'
    assert calls_without_number(page, language) == [("T", sentence)]
    assert calls_without_number(page.replace(sentence, sentence + " (555) 010-2014"), language) == []


def test_a_coordinator_note_saying_call_us_is_signed_with_the_contact_and_number(minimal):
    path = minimal(extra="coordinator_note: Call us when you have a date.\n")
    html = render_html(make_packet(load_profile(path, DAY), BuildOptions(prepared_on=DAY)))
    note = re.search(r'<aside class="coordinator-note".*?</aside>', html, re.S).group()
    assert CONTACT.name in note and CONTACT.phone in note
    assert calls_without_number(html, "en") == []


def test_the_clinic_main_number_is_not_a_second_number_under_the_clinic_name():
    """One contact: the cover no longer prints the clinic's switchboard next to the navigator's line."""
    profile = load_profile(ROOT / "profiles" / "ex-01-melanoma-primary-care.yaml", DAY)
    html = render_html(make_packet(profile, BuildOptions(prepared_on=DAY)))
    body = html.partition("<body")[2]
    assert load_clinic().clinic.phone not in body
    assert body.count(CONTACT.phone) >= 3  # page one, the disclaimer, the footer text in <style> aside


# ------------------------------------------------------------------ PDFs

def built(tmp_path: Path, source: Path, **options) -> PdfReader:
    result = build_file(source, BuildOptions(out_dir=tmp_path, format="pdf", prepared_on=DAY, **options))
    return PdfReader(result.outputs[0])


def runs_in_order(page) -> str:
    """A page's text in the order its glyphs are drawn: for right-to-left lines, the order a reader's eye
    meets them from left to right (WeasyPrint draws each line's runs in visual order)."""
    found = []
    page.extract_text(visitor_text=lambda text, *_: found.append(text))
    return "".join(found)


def test_arabic_notice_prints_the_phone_number_left_to_right(tmp_path):
    reader = built(tmp_path, ROOT / "tests/fixtures/international/ar-arabic.yaml")
    drawn = runs_in_order(reader.pages[0])
    arabic_line = next(line for line in drawn.split("\n") if re.search(r"[\u0600-\u06ff]", line) and "555" in line)
    digits = re.sub(r"\D", "", arabic_line)
    assert re.sub(r"\D", "", CONTACT.phone) in digits, arabic_line  # 5550102014, not 2014010555


PROFILE = """\
schema_version: 1
patient:
  id: {id}
  name: {name}
  age: 67
  language: {language}
diagnosis:
  cancer_type: {cancer}
  diagnosed_by: dermatologist
  confirmed_by_biopsy: true
  stage: III
  body_site: scalp
  high_risk: true
  rapidly_changing: true
treatment_plan:
  proposed: [mohs_surgery, radiation]
  urgency_stated: immediate
  planned_date: 2026-12-15
current_treatment:
  therapies: [immunotherapy]
coordinator_note: |
  {note}
"""
LONG_NAME = "Maria Guadalupe Fernandez-Castellanos de la Vega y Montenegro-Villalobos"
LONG_NOTE = ("We spoke on the phone about your visit. Bring your insurance card and a list of your medicines. "
             "Your daughter can come with you. We will help you book the visit and get your slides sent. ") * 2


@pytest.mark.parametrize(("case", "language", "large_print"), [
    ("long-en", "en", False),
    ("long-es", "es", False),
    ("long-large", "en", True),
    # Vietnamese words sit in their own spans: they move whole. A 70-letter name in Vietnamese large print with
    # a warning box needed the last try: the urgency box's general explanation follows the first section.
    ("long-vi-large", "vi", True),
    ("long-zh", "zh-Hans", False),
])
def test_page_one_stands_alone_for_generated_profiles(tmp_path, case, language, large_print):
    """Every element of the first section on page one: the urgency band's word and title, the doctor's
    timing, the three steps, the contact's name, number and after-hours number."""
    source = tmp_path / f"{case}.yaml"
    source.write_text(PROFILE.format(id=case, name=LONG_NAME, language=language, cancer="squamous_cell_carcinoma",
                                     note=textwrap.shorten(LONG_NOTE, 400)), encoding="utf-8")
    reader = built(tmp_path, source, large_print=large_print)
    packet = make_packet(load_profile(source, DAY), BuildOptions(prepared_on=DAY, large_print=large_print))
    ui = load_content(packet.language)["ui"]
    first = squeeze(reader.pages[0].extract_text())
    guidance = packet.guidance
    wanted = {"band word": ui["urgency_words"][guidance.urgency.level], "how soon": guidance.urgency.title,
              "contact": CONTACT.name, "phone": CONTACT.phone,
              "after hours line": ui["after_hours"].replace("{phone}", CONTACT.after_hours),
              "doctor's timing": guidance.urgency.doctor_said}
    wanted |= {f"step {n}": step.title for n, step in enumerate(guidance.items("next_steps"), start=1)}
    missing = [what for what, text in wanted.items() if squeeze(text) not in first]
    assert not missing, (case, missing)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_long_name_keeps_the_large_print_footer_on_the_sheet(tmp_path, language):
    """Large print's footer is two lines; a 70-letter name makes it three, and in the 0.6-inch margin the
    third (the contact and the page number) ran off the sheet. pdftotext reads only what is on the sheet."""
    import subprocess

    source = tmp_path / "long.yaml"
    source.write_text(PROFILE.format(id="long", name=LONG_NAME, language=language, cancer="melanoma",
                                     note="Bring your insurance card."), encoding="utf-8")
    reader = built(tmp_path, source, large_print=True)
    pdf = next(tmp_path.glob("*.pdf"))
    for number in range(2, len(reader.pages) + 1):
        text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        footer = [line for line in text.splitlines() if CONTACT.phone in " ".join(line.split())]
        assert footer and str(number) in footer[-1], (language, number, text[-300:])


@pytest.mark.parametrize("large_print", [False, True])
def test_page_one_stands_alone_for_a_representative_in_vietnamese(tmp_path, large_print):
    """ex-20 (an agent decides for an older patient) built in Vietnamese: the three steps and the contact's
    number and after-hours number stay on page one (review vi M17: step 3 had moved to page two)."""
    source = ROOT / "profiles" / "ex-20-melanoma-older-agent.yaml"
    reader = built(tmp_path, source, large_print=large_print, language="vi")
    packet = make_packet(load_profile(source, DAY), BuildOptions(prepared_on=DAY, language="vi"))
    assert packet.language == "vi"
    first = squeeze(reader.pages[0].extract_text())
    ui = load_content("vi")["ui"]
    wanted = {f"step {n}": step.title for n, step in enumerate(packet.guidance.items("next_steps"), start=1)}
    wanted |= {"phone": CONTACT.phone, "after hours line": ui["after_hours"].replace("{phone}", CONTACT.after_hours)}
    missing = [what for what, text in wanted.items() if squeeze(text) not in first]
    assert not missing, missing


# ------------------------------------------------------------------ tools are whole sheets

TOOLS = ("letter", "summary", "worksheet")


def tool_pages(reader: PdfReader) -> dict[str, int]:
    """The page index where each tool starts, from the PDF bookmarks of the tools' headings."""
    from sop_packets.content import available_languages

    titles = {load_content(lang)["tools"][tool]["title"]: tool for lang in available_languages() for tool in TOOLS}
    found = {}

    def walk(entries):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            elif entry.title in titles:
                found[titles[entry.title]] = reader.get_destination_page_number(entry)

    walk(reader.outline)
    return found


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, PdfReader]:
    out = tmp_path_factory.mktemp("sheets")
    found = {}
    for name, large in (("ex-01-melanoma-primary-care", False), ("ex-18-bcc-large-print-es", True),
                        ("ex-31-melanoma-zh-hans", False)):
        result = build_file(ROOT / "profiles" / f"{name}.yaml",
                            BuildOptions(out_dir=out / name, format="pdf", prepared_on=DAY, large_print=large))
        found[name] = PdfReader(result.outputs[0])
    return found


def test_the_letter_the_summary_and_the_worksheet_each_fill_one_whole_sheet(sheets):
    for name, reader in sheets.items():
        pages = tool_pages(reader)
        assert set(pages) == set(TOOLS), (name, pages)
        assert pages["summary"] == pages["letter"] + 1, (name, pages)  # the letter fits one page
        assert pages["worksheet"] == pages["summary"] + 1, (name, pages)  # so does the case summary
        assert pages["worksheet"] == len(reader.pages) - 1, (name, pages, len(reader.pages))


def test_the_letter_asks_for_the_slides_in_the_patients_voice_with_the_release_line(sheets):
    reader = sheets["ex-01-melanoma-primary-care"]
    letter = " ".join(reader.pages[tool_pages(reader)["letter"]].extract_text().split())
    for line in ("My biopsy slides and tissue blocks", "My visit notes", "Date of birth: June 14, 1979",
                 "Phone:", "If your office needs its own release form, please send it to me."):
        assert line in letter, line
    assert "1979-06-14" not in letter


def test_the_case_summary_gives_the_language_and_interpreter(sheets):
    reader = sheets["ex-31-melanoma-zh-hans"]
    summary = " ".join(reader.pages[tool_pages(reader)["summary"]].extract_text().split())
    # zh-CN does not say which spoken Chinese: the row says so (issue 28, H32)
    assert "Language Chinese (spoken language not given: ask if Mandarin, Cantonese or another); needs an " \
        "interpreter" in summary
    assert "April 12, 1968" in summary


def test_writing_lines_are_at_least_nine_millimetres_apart():
    """A handwriting line needs 9 mm (11 mm in large print): every write-in line's height in the CSS."""
    css = (ROOT / "templates" / "packet.css").read_text(encoding="utf-8")
    heights = re.findall(r"\.line[^{]*\{[^}]*height:\s*([\d.]+)(mm|em|pt)", css)
    assert heights
    for value, unit in heights:
        assert unit == "mm" and float(value) >= 9, (value, unit)


def test_drawing_labels_wrap_at_spaces_and_never_start_a_line_with_chinese_punctuation():
    from sop_packets.drawings import lines

    assert lines("Make a second-opinion visit.", 17) == ["Make a", "second-opinion", "visit."]
    assert all(not line.startswith(("。", "\uff0c")) for line in lines("预约第二意见门诊。带上本指南和您的问题。", 17))
    assert "".join(lines("预约第二意见门诊。", 17)) == "预约第二意见门诊。"
