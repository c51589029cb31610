"""Issue 28, a shorter packet: no generic "why" notes, only the clinic's offices this guide names, a short
contents strip, and a glossary of the words the core uses."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from sop_packets.build import BuildOptions, build_file
from sop_packets.clinic import default_clinic_path, load_clinic
from sop_packets.content import load_content
from sop_packets.errors import InvalidInput
from sop_packets.guidance import build_guidance
from sop_packets.profile import load_profile

PROFILES = Path(__file__).parent.parent / "profiles"
DAY = date(2026, 11, 2)


def html_of(tmp_path: Path, name: str, **options) -> str:
    result = build_file(PROFILES / f"{name}.yaml",
                        BuildOptions(out_dir=tmp_path, format="html", prepared_on=DAY, **options))
    return result.outputs[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def melanoma(tmp_path_factory) -> str:
    return html_of(tmp_path_factory.mktemp("ex01"), "ex-01-melanoma-primary-care")


def whys(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", note) for note in re.findall(r'<p class="because">(.*?)</p>', html, re.S)]


def test_generic_reasons_are_not_printed_but_explain_keeps_them(melanoma):
    printed = " | ".join(whys(melanoma))
    assert printed  # the notes that say something about this case stay
    assert "your diagnosis came from your family doctor" in printed
    for generic in ("you have health insurance", "you have melanoma", "your doctor suggested a treatment"):
        assert generic not in printed, generic
    guidance = build_guidance(load_profile(PROFILES / "ex-01-melanoma-primary-care.yaml"), load_content("en"), DAY)
    insurance_card = next(item for item in guidance.items("records") if "you have health insurance" in item.because)
    assert insurance_card.why == ()  # explain and the JSON still name the fact; the packet does not


def offices(html: str) -> list[str]:
    table = re.search(r'<table class="referrals">(.*?)</table>', html, re.S)
    return re.findall(r"<tr><td>([^<]+)", table.group(1)) if table else []


def test_an_office_is_listed_only_where_the_guide_names_its_kind(melanoma, tmp_path):
    assert "Springfield Radiation Oncology" not in offices(melanoma)  # no radiation in this melanoma's guide
    assert "Lakeside Dermatopathology Lab" in offices(melanoma)
    assert "Springfield Radiation Oncology" in offices(html_of(tmp_path, "ex-21-scc-immunotherapy"))


def test_an_office_without_kinds_is_listed_everywhere_and_an_unknown_kind_is_a_located_error(tmp_path):
    clinic_dir = tmp_path / "clinic"
    clinic_dir.mkdir()
    source = default_clinic_path()
    shutil.copy(source.parent / "logo.svg", clinic_dir)
    text = source.read_text(encoding="utf-8").replace("    kinds: [radiation_oncologist]\n", "")
    (clinic_dir / "clinic.yaml").write_text(text, encoding="utf-8")
    html = html_of(tmp_path / "out", "ex-01-melanoma-primary-care", clinic=clinic_dir / "clinic.yaml")
    assert "Springfield Radiation Oncology" in offices(html)

    bad = text.replace("kinds: [dermatopathologist]", "kinds: [dermatopathologst]")
    (clinic_dir / "clinic.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_clinic(clinic_dir / "clinic.yaml")
    message = str(caught.value)
    line = bad.splitlines().index("    kinds: [dermatopathologst]") + 1
    assert f"clinic.yaml:{line}:" in message and "referrals[2].kinds" in message, message
    assert "'dermatopathologst' is not a kind of doctor" in message and "did you mean dermatopathologist?" in message


def test_the_contents_is_a_short_strip(melanoma):
    toc = re.search(r'<nav class="toc".*?</nav>', melanoma, re.S).group(0)
    rows = re.findall(r'<li><a href="#([^"]+)"', toc)
    assert rows == ["indications", "specialists", "records", "more", "glossary", "questions",
                    "records-letter", "case-summary", "worksheet"]


def test_the_glossary_defines_the_words_of_the_core_only(melanoma):
    glossary = re.search(r'<section id="glossary".*?</section>', melanoma, re.S).group(0)
    terms = re.findall(r"<dt[^>]*>([^<]+?)(?::|</dt>)", glossary)
    # "the new pathologist", in the coordinator's note, is now explained where it stands (issue 28, CCI 7:
    # "the new pathologist (a doctor who reads skin samples)"), so it is not repeated here
    assert "pathology report" in terms and "tissue block" in terms
    assert "pathologist" not in terms and "pathologist (<span class=\"gloss\">" in melanoma
    # "preauthorization" is used, and explained where it stands, only in the reference part's insurance steps
    assert "preauthorization" in melanoma.split('<section id="more"', 1)[1]
    assert "preauthorization" not in terms


def test_a_word_explained_where_the_reader_first_meets_it_is_not_repeated_in_the_glossary(melanoma):
    """Issue 28 (length): "Words to know" holds the core's words that are not explained where first met."""
    glossary = re.search(r'<section id="glossary".*?</section>', melanoma, re.S).group(0)
    terms = re.findall(r"<dt[^>]*>([^<]+?)(?::|</dt>)", glossary)
    core = melanoma.split('<section id="more"', 1)[0]
    # explained in brackets at their first use; "biopsy" by the next sentence of its paragraph
    assert "a sentinel lymph node biopsy (a test of the first lymph node" in core
    assert "A dermatopathologist (a doctor who reads skin samples" in core
    assert "A biopsy confirmed it. In a biopsy, a doctor takes a small sample" in core
    for explained in ("sentinel lymph node biopsy", "dermatopathologist", "biopsy"):
        assert explained not in terms


def test_which_words_are_explained_where_first_used():
    from sop_packets.render import _glossary, unexplained_where_first_used

    glossary = {term.term: term for term in _glossary("en")}
    terms = [glossary[name] for name in ("Mohs surgeon", "stage", "biopsy", "dermatologist")]
    text = ("A Mohs surgeon. A Mohs surgeon is a doctor who takes out skin cancer one layer at a time.\n"
            "The stage (how far it has grown) is not known.\n"
            "Your biopsy was read.\nA biopsy is a small sample.\n"
            "Ask a dermatologist.")
    assert [term.term for term in unexplained_where_first_used(text, terms, "en")] == ["biopsy", "dermatologist"]
    # a use inside a longer explained term explains only the longer term
    inner = [glossary[name] for name in ("lymph node", "sentinel lymph node biopsy")]
    text = "Ask if a sentinel lymph node biopsy (a test of the first gland the cancer would reach) is needed."
    assert [term.term for term in unexplained_where_first_used(text, inner, "en")] == []  # only inside
    text = "Ask about the lymph node test. " + text
    assert [term.term for term in unexplained_where_first_used(text, inner, "en")] == ["lymph node"]
    zh = {term.term: term for term in _glossary("zh-Hans")}
    name = "活检"
    assert unexplained_where_first_used(f"{name}（从皮肤上取一小块组织）已经做了。", [zh[name]], "zh-Hans") == []  # noqa: RUF001
    assert unexplained_where_first_used(f"{name}已经做了。", [zh[name]], "zh-Hans") == [zh[name]]


def test_the_examples_median_at_most_12_pages_in_standard_print(printed, pdf_text):
    """Issue 28, length: every example profile is printed once in standard print (on Letter or on A4, per
    printing.print_plan); the median of their page counts is at most 12, and none runs past 16. The three
    examples whose profile asks for large print are printed large there, so they are left out."""
    from statistics import median

    standard = {path.stem for path in PROFILES.glob("ex-*.yaml") if not load_profile(path).preferences.large_print}
    counts = {path.stem: len(pdf_text(path).texts)
              for config in ("standard-letter", "standard-a4") for path in printed[config][0].glob("ex-*.pdf")
              if path.stem in standard}
    assert len(counts) == len(standard) >= 20
    assert median(counts.values()) <= 12, sorted(counts.items(), key=lambda item: item[1])
    assert max(counts.values()) <= 16, counts


def test_standard_print_lines_are_at_most_about_70_characters(printed, pdf_text):
    """Issue 28, type: in the standard-print examples, at most 1 in 50 text lines after page one runs past 75
    characters (the footer, one line a page, is left out). Body text after page one is set 31em wide."""
    standard = {path.stem for path in PROFILES.glob("ex-*.yaml") if not load_profile(path).preferences.large_print}
    lines = [line for config in ("standard-letter", "standard-a4") for path in printed[config][0].glob("ex-*.pdf")
             if path.stem in standard for page in pdf_text(path).texts[1:] for line in page.splitlines()
             if line.strip() and " · " not in line]
    long = [line for line in lines if len(line) > 75]
    assert len(lines) > 5000
    assert len(long) <= len(lines) / 50, (len(long), len(lines), long[:5])


def test_the_tracker_gives_up_rows_as_the_other_questions_grow_and_keeps_at_least_three():
    """Issue 28: the appointment tracker shares the visit sheet with the other questions; a longer list
    takes rows from it (standard print estimates lines at the 31em measure), never below three, and a list
    too long for three moves the tracker off the sheet (0)."""
    from sop_packets.render import tracker_rows

    short = ["How often do you care for cases like this one?"] * 5
    two_line = ["What are all the treatment choices, and what are the pros and cons of each one for me?"] * 10
    assert tracker_rows(short, 5, large_print=False) == 5
    assert tracker_rows(two_line, 5, large_print=False) == 3
    assert tracker_rows(two_line[:8], 5, large_print=False) == 4
    assert tracker_rows(two_line[:10], 5, large_print=False) == 3
    assert tracker_rows(two_line + two_line[:1], 5, large_print=False) == 0
    # a list too long to leave three rows: 0, the tracker ends the part before the question sheet instead
    assert tracker_rows(two_line * 3, 5, large_print=False) == 0
    # Chinese characters are twice as wide: 40 of them fill a line
    assert tracker_rows(["这" * 45] * 8, 5, large_print=False) == tracker_rows(["x" * 80] * 8, 5, large_print=False)
    # large print keeps its rule by count (its questions take two sheets)
    assert tracker_rows(short * 2, 5, large_print=True) == 4
    assert tracker_rows(short * 3, 5, large_print=True) == 3
