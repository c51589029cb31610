"""Printed pages a frightened reader can use, read from the PDFs: every example and international fixture,
standard and large print, Letter and A4 (conftest.py `print_plan`), in the packet's own language."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from printing import print_plan
from pypdf import PdfReader

from sop_packets import fonts
from sop_packets.build import BuildOptions, make_packet
from sop_packets.clinic import reach
from sop_packets.content import available_languages, load_content, template_dir
from sop_packets.profile import load_profile
from sop_packets.render import long_date

ROOT = Path(__file__).parent.parent
SOURCES = sorted((ROOT / "profiles").glob("*.yaml")) + sorted((ROOT / "tests/fixtures/international").glob("*.yaml"))
DAY = date(2026, 11, 25)
FOOTER = re.compile(r"(?:Page|Página) \d+ (?:of|de) \d+")


@pytest.fixture(scope="module")
def built(printed):
    """The shared build of every example and international fixture (conftest.py `printed`)."""
    return printed


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def packets(built, pdf_text):
    """(config, patient id, the packet's inputs, the PDF's text) of every PDF the shared build made."""
    plan = print_plan()
    for config, (out, clinic) in built.items():
        for source in plan[config]:
            profile = load_profile(source, DAY)
            options = BuildOptions(prepared_on=DAY, large_print=config.startswith("large"), clinic=clinic)
            yield config, profile.patient.id, make_packet(profile, options), pdf_text(out / f"{profile.patient.id}.pdf")


def test_every_source_prints_in_both_sizes_on_both_papers(built):
    """The shared build covers each class: every source in standard and large print, on Letter and A4."""
    names = {config: {pdf.stem for pdf in out.glob("*.pdf")} for config, (out, _) in built.items()}
    ids = {load_profile(source, DAY).patient.id for source in SOURCES}
    for size in ("standard", "large"):
        assert names[f"{size}-letter"] | names[f"{size}-a4"] == ids
    for paper in ("letter", "a4"):
        assert names[f"standard-{paper}"] | names[f"large-{paper}"] == ids
    for config, chosen in names.items():  # each configuration holds packets in every packet language
        assert {"ex-17-melanoma-child-es", "ex-18-bcc-large-print-es"} & chosen, config
        assert {"ex-31-melanoma-zh-hans", "intl-zh-wang-fang"} & chosen, config
        assert {"ex-33-scc-scalp-vi", "intl-vi-nguyen"} & chosen, config


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()
            if line.strip() and not FOOTER.search(line)]


def test_page_one_stands_alone(built, pdf_text):
    """Diagnosis in plain words, how soon, all three first steps and the clinic's phone, on page one."""
    for config, name, packet, pdf in packets(built, pdf_text):
        first = squeeze(pdf.texts[0])
        guidance = packet.guidance
        wanted = {"diagnosis": guidance.summary.diagnosis[0], "how soon": guidance.urgency.title,
                  "phone": reach(packet.branding.clinic, packet.language).phone,
                  "after hours": reach(packet.branding.clinic, packet.language).after_hours}
        steps = guidance.items("next_steps")
        # three steps, or two where no third applies (in prison with no cancer now: records and booking)
        assert len(steps) == 3 or (len(steps) == 2 and packet.profile.patient.care_setting.value == "prison"), \
            (config, name)
        wanted |= {f"step {number}": step.title for number, step in enumerate(steps, start=1)}
        missing = [what for what, text in wanted.items() if squeeze(text) not in first]
        assert not missing, (config, name, missing)


def test_page_one_check_fires_when_a_step_is_on_page_two(built, pdf_text):
    out = next(out for config, (out, _) in built.items()
               if config.startswith("large") and (out / "ex-01-melanoma-primary-care.pdf").exists())
    texts = pdf_text(out / "ex-01-melanoma-primary-care.pdf").texts
    second = squeeze(texts[1])
    assert "Whentoexpectthis" not in second  # a sanity line: page two is not page one
    assert squeeze(texts[0]) != second


def tool_starts(pdf) -> list[int]:
    """The page index where each sheet starts (from the PDF bookmarks of their headings): the question
    sheet, the letter, the case summary and the worksheet."""
    titles = {load_content(lang)["tools"][tool]["title"] for lang in available_languages()
              for tool in ("letter", "summary", "worksheet")}
    titles |= {load_content(lang)["sections"]["questions"]["title"] for lang in available_languages()}
    return sorted(page for _, title, page in pdf.bookmarks if title in titles)


def test_no_page_holds_fewer_than_six_lines_except_a_tools_last_page(built, pdf_text):
    short = []
    for config, (out, _) in built.items():
        for path in sorted(out.glob("*.pdf")):
            pdf = pdf_text(path)
            starts = tool_starts(pdf)
            assert len(starts) == 4, (config, path.stem, starts)
            # The page before each sheet (the end of "Records to gather", of the reference part, of a tool),
            # and the packet's last page.
            excused = {start - 1 for start in starts} | {len(pdf.texts) - 1}
            for number, page in enumerate(pdf.texts):
                lines = lines_of(page)
                # The five core questions each have two write-in lines, which the PDF text cannot show.
                written = 2 * sum(1 for line in lines if re.match(r"[1-5]\. ", line))
                if number not in excused and len(lines) + written < 6:
                    short.append((config, path.stem, number + 1, lines[:3]))
    assert not short, short[:10]


def test_contents_heading_keeps_at_least_two_rows(built, pdf_text):
    for config, (out, _) in built.items():
        for path in sorted(out.glob("*.pdf")):
            pdf = pdf_text(path)
            code = pdf.lang.split("-")[0]
            content = load_content(code if code in available_languages() else "en")
            rows = {section["title"] for section in content["sections"].values()} | {
                content["tools"][name]["title"] for name in ("more", "letter", "summary", "tracker", "worksheet")}
            for page in pdf.texts:
                lines = lines_of(page)
                if content["tools"]["contents_title"] in lines:
                    after = lines[lines.index(content["tools"]["contents_title"]) + 1:]
                    kept = [line for line in after if re.sub(r"\s*\d+$", "", line) in rows]
                    assert len(kept) >= 2, (config, path.stem, after[:4])


def test_phone_numbers_and_dates_never_break(built, pdf_text):
    for config, name, packet, pdf in packets(built, pdf_text):
        clinic = packet.branding.clinic
        doctor = packet.profile.original_physician
        contact = reach(clinic, packet.language)
        phones = {clinic.phone, contact.phone, contact.after_hours, doctor.phone, doctor.fax,
                  *(ref.phone for ref in clinic.referrals)} - {None}
        for text in pdf.texts:
            whole = squeeze(text)
            one_line = [squeeze(line) for line in text.splitlines()]
            for phone in phones:
                assert whole.count(squeeze(phone)) == sum(line.count(squeeze(phone)) for line in one_line), \
                    (config, name, phone)
        if packet.profile.patient.date_of_birth:
            born = long_date(packet.profile.patient.date_of_birth, packet.clinic_language)  # in words (issue 28)
            assert any(born in line for page in pdf.texts for line in page.splitlines()), name


def standard_print(built) -> list[Path]:
    """Every source's standard-print PDF (on Letter or A4, as print_plan has it)."""
    return sorted((path for config, (out, _) in built.items() if config.startswith("standard")
                   for path in out.glob("*.pdf")), key=lambda path: path.name)


def test_figures_print_in_the_plain_digits_face(built):
    """Atkinson Hyperlegible's zero is slashed ("stage Ø"): every figure prints in "Packet Digits"."""
    for pdf in standard_print(built):
        reader = PdfReader(pdf)
        for page in reader.pages[:3]:
            fonts_by_name = {str(key): str(font.get_object()["/BaseFont"])
                             for key, font in page["/Resources"].get("/Font", {}).items()}
            runs = []

            def visit(text, cm, tm, font, size, runs=runs):
                if font is not None and re.search(r"\d", text):
                    runs.append((text, str(font.get("/BaseFont"))))

            page.extract_text(visitor_text=visit)
            assert runs and fonts_by_name, pdf.stem
            wrong = [(text, font) for text, font in runs if "PacketDigits" not in font.replace("-", "")]
            assert not wrong, (pdf.stem, wrong[:5])


def test_the_digits_face_has_a_plain_zero():
    font = TTFont(io.BytesIO(fonts.digits_font(400)))
    assert set(font.getBestCmap()) >= {ord(c) for c in fonts.DIGITS}
    assert font["name"].getDebugName(1) == fonts.DIGITS_FAMILY
    css = (template_dir() / "packet.css").read_text()
    assert re.search(r'html \{ font-family: "Packet Digits", "Atkinson Hyperlegible"', css)


def test_embedded_fonts_carry_no_build_time(built):
    """Same bytes for every script: each subset font's `head` dates are its source's, not the build time."""
    sources = set()  # every file of the stack, and the generated digits face
    for font in fonts.STACK:
        if font.installed:
            for path, _, _ in font.paths():
                if str(path).lower().endswith((".ttc", ".otc")):  # every face of a collection (CJK SC, TC, ...)
                    sources.update(face["head"].modified for face in TTCollection(path, lazy=True).fonts)
                    continue
                with TTFont(path, lazy=True, fontNumber=0) as source:
                    sources.add(source["head"].modified)
    by_name = {path.stem: path for path in standard_print(built)}
    checked = 0
    for name in ("intl-vi-nguyen", "intl-ru-ivanova", "intl-ar-haddad", "intl-zh-wang-fang",
                 "ex-01-melanoma-primary-care"):
        reader = PdfReader(by_name[name])
        for page in reader.pages[:2]:
            for font in page["/Resources"].get("/Font", {}).values():
                descendant = font.get_object().get("/DescendantFonts")
                descriptor = (descendant[0].get_object() if descendant else font.get_object()).get("/FontDescriptor")
                stream = descriptor and (descriptor.get_object().get("/FontFile2")
                                         or descriptor.get_object().get("/FontFile3"))
                if not stream:
                    continue
                try:
                    embedded = TTFont(io.BytesIO(stream.get_object().get_data()))
                except Exception:  # a CFF font program without an sfnt wrapper has no head table
                    continue
                if "head" not in embedded:
                    continue
                modified = embedded["head"].modified
                family = str(font.get_object()["/BaseFont"]).split("+", 1)[-1].split("-")[0].lstrip("/")
                assert modified in sources, (name, family, modified)
                checked += 1
    assert checked >= 5
