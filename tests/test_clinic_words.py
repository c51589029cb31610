"""The clinic's own words (a content folder over the shipped entries) and clinic text per language."""

from __future__ import annotations

import re
import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_packets.build import BuildOptions, make_packet
from sop_packets.cli import cli
from sop_packets.clinic_check import check_folder
from sop_packets.content import load_content, shipped_content, template_dir, use_content_overrides
from sop_packets.lint import lint_file
from sop_packets.profile import load_profile
from sop_packets.render import render_html, untranslated_clinic_text

ROOT = Path(__file__).parent.parent
PROFILES = ROOT / "profiles"
DAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def shipped_words_after():
    yield
    use_content_overrides(None)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def html_for(profile: str, **options) -> str:
    packet = make_packet(load_profile(PROFILES / f"{profile}.yaml", DAY), BuildOptions(prepared_on=DAY, **options))
    return render_html(packet)


def test_a_clinic_rewords_one_item_and_the_rest_stays(tmp_path):
    words = tmp_path / "words"
    write(words, "en/next_steps.yaml", """\
        book_visit:
          text: Call our nurse navigator at (555) 010-2014. She will help you book a second-opinion visit.
        """)
    assert check_folder(words) == []
    html = html_for("ex-09-other-minimal", content=words)
    assert "Call our nurse navigator at" in html
    shipped = shipped_content("en")["next_steps"]
    assert load_content("en")["next_steps"]["book_visit"]["title"] == shipped["book_visit"]["title"]
    assert load_content("en")["next_steps"]["request_records"] == shipped["request_records"]
    # Without the folder, the shipped words come back.
    assert "Call our nurse navigator at" not in html_for("ex-09-other-minimal")


def test_a_clinics_reworded_text_wins_over_the_shipped_variants(tmp_path):
    """Issue 28: a clinic that rewords an item's `text` gets its words where the shipped content has a refined
    variant too (no treatment date set, a first doctor named on the letter), for every reader."""
    words = tmp_path / "words"
    write(words, "en/next_steps.yaml", """\
        ask_if_safe_to_wait:
          text: Before {treatment_date}, call our nurse to ask if waiting is safe.
        request_records:
          text: Our nurse asks {diagnosed_by} for your records.
        """)
    html = html_for("ex-21-scc-immunotherapy", content=words)  # no date, on treatment, a named first doctor
    assert "call our nurse to ask if waiting is safe" in html and "Our nurse asks" in html
    assert "Before the next step of your treatment starts" not in html
    assert "The letter in this guide is addressed to them" not in html


def test_a_clinics_reworded_text_wins_over_the_relevance_variants(tmp_path):
    """Issue 28, PEMAT-P item 2: the words for a spot already out (`_removed`) and for radiation already the
    plan (`_radiation_planned`) are shipped refinements too; a clinic that rewords `text` gets its own words."""
    from sop_packets.clinic_content import VARIANT_SUFFIXES
    from sop_packets.guidance.build import FACT_SUFFIXES

    assert {suffix for _, suffix in FACT_SUFFIXES} <= set(VARIANT_SUFFIXES)
    words = tmp_path / "words"
    write(words, "en/questions.yaml", """\
        scc_adjuvant:
          text: Should radiation be part of the care?
        """)
    html = html_for("ex-21-scc-immunotherapy", content=words)  # spot out, radiation the plan
    assert "Should radiation be part of the care?" in html and "Is radiation the best choice here?" not in html
    assert "Is radiation the best choice here?" in html_for("ex-21-scc-immunotherapy")


def test_clinic_yaml_names_its_content_folder(tmp_path):
    clinic = tmp_path / "clinic"
    shutil.copytree(template_dir() / "clinic", clinic)
    (clinic / "clinic.yaml").write_text((clinic / "clinic.yaml").read_text() + "content: words\n")
    write(clinic, "words/es/next_steps.yaml", """\
        request_records:
          text: Llame a nuestra enfermera al (555) 010-2014. Ella pide los expedientes a {diagnosed_by}.
        """)
    # A teenager's packet reads "the patient's records" (about.yaml); the clinic's wording still wins.
    html = html_for("ex-17-melanoma-child-es", clinic=clinic / "clinic.yaml")
    assert "Llame a nuestra enfermera" in html
    assert "Pida que envíen los expedientes y las laminillas del paciente" not in html
    assert "Llame a nuestra enfermera" not in html_for("ex-17-melanoma-child-es")


def test_content_check_reports_every_class_of_problem_located(tmp_path):
    bad = tmp_path / "bad"
    write(bad, "en/next_steps.yaml", """\
        book_visti:
          text: Call us.
        request_records:
          text: Call your doctor's office and ask for the records and slides.
          sources: [no_such_source]
        """)
    write(bad, "es/ui.yaml", """\
        notice_text: "Llame al {phone}. Hay ayuda gratis con la metástasis del carcinoma epidermoide infiltrante."
        """)
    write(bad, "en/nothing_like_this.yaml", "a: b\n")
    write(bad, "xx/ui.yaml", "title: x\n")
    messages = [f"{Path(p.file).name}:{p.line}:{p.column}: {p.field}: {p.message}" for p in check_folder(bad)]
    text = "\n".join(messages)
    assert "next_steps.yaml:1:1: book_visti: 'book_visti' is not a key of the shipped content; did you mean " \
           "'book_visit'?" in text
    assert "request_records.text: the placeholders must be the shipped text's (keep {diagnosed_by})" in text
    assert "next_steps.yaml:5:13: request_records.sources.0: 'no_such_source' is not a source" in text
    assert re.search(r"ui.yaml:1:1: : reads at Fernández-Huerta [\d.]+ \(at least 70\)", text)
    assert "notice_text: the placeholders must be the shipped text's (keep {language})" in text
    assert "'carcinoma' is a medical term that is not in the glossary" in text
    assert "there is no shipped file en/nothing_like_this.yaml" in text
    assert "'xx' is not a language of the packet" in text

    result = CliRunner().invoke(cli, ["content", "check", str(bad)])
    assert result.exit_code == 2 and "book_visti" in result.output and "Traceback" not in result.output
    good = tmp_path / "good"
    write(good, "en/tools.yaml", """\
        disclaimer:
          title: Please read this
        """)
    result = CliRunner().invoke(cli, ["content", "check", str(good)])
    assert result.exit_code == 0, result.output


def test_build_refuses_a_bad_content_folder_before_any_packet(tmp_path):
    bad = tmp_path / "bad"
    write(bad, "en/next_steps.yaml", "book_visti:\n  text: Call us.\n")
    result = CliRunner().invoke(cli, ["build", str(PROFILES / "ex-09-other-minimal.yaml"), "--content", str(bad),
                                      "-o", str(tmp_path / "out"), "--format", "html"])
    assert result.exit_code == 2 and "book_visti" in result.output
    assert not (tmp_path / "out" / "ex-09-other-minimal.html").exists()


def test_clinic_text_is_given_per_language_and_marked_when_it_is_not(tmp_path):
    spanish = html_for("ex-17-melanoma-child-es")
    assert "Enfermera guía" in spanish and "Pida una cita de segunda opinión." in spanish
    assert untranslated_clinic_text(spanish, "es") == []
    clinic = tmp_path / "clinic"
    shutil.copytree(template_dir() / "clinic", clinic)
    conf = clinic / "clinic.yaml"
    conf.write_text(re.sub(r"    note:\n(?:      .*\n)+", "    note: Ask for a second-opinion visit.\n",
                           conf.read_text()))  # the note in English only
    english_note = html_for("ex-17-melanoma-child-es", clinic=conf)
    assert untranslated_clinic_text(english_note, "es") == ["Ask for a second-opinion visit."]
    assert '<span lang="en" class="clinic-text">Ask for a second-opinion visit.</span>' in english_note


def test_lint_fails_a_spanish_packet_with_english_clinic_text(tmp_path, monkeypatch):
    ok = lint_file(PROFILES / "ex-17-melanoma-child-es.yaml", DAY)
    assert ok.untranslated == ()
    clinic = tmp_path / "clinic"
    shutil.copytree(template_dir() / "clinic", clinic)
    conf = clinic / "clinic.yaml"
    conf.write_text(conf.read_text().replace("    es: Enfermera guía\n", ""))
    monkeypatch.setattr("sop_packets.clinic.default_clinic_path", lambda: conf)
    from sop_packets import build

    build.branding.cache_clear()
    try:
        flagged = lint_file(PROFILES / "ex-17-melanoma-child-es.yaml", DAY)
    finally:
        build.branding.cache_clear()
    assert flagged.untranslated == ("Nurse navigator",) and not flagged.ok
    assert "clinic text in another language" in flagged.format()


def test_spanish_letter_instructions_name_every_english_field():
    spanish = html_for("ex-17-melanoma-child-es")  # a child: a parent or guardian signs
    intro = re.search(r'<section id="records-letter".*?<p class="tool-intro">(.*?)</p>', spanish, re.S).group(1)
    letter = shipped_content("en")["tools"]["letter"]
    for field in (letter["send_to"], letter["send_by"], letter["printed_name"], letter["guardian_signature"],
                  letter["date"], letter["parent_label"]):
        assert f"«{field.rstrip(':')}»" in intro, field
    assert "su oficina" not in intro and "consultorio de su primer médico" in intro


def test_content_check_finds_words_in_the_wrong_language(tmp_path):
    """A clinic's es/ file left in English (a half-done translation) is named, with its line and key."""
    folder = tmp_path / "words"
    write(folder, "es/next_steps.yaml", """\
        book_visit:
          text: Call our nurse navigator at the number below. She will help you book your second-opinion visit and answer your questions.
        """)
    problems = check_folder(folder)
    found = [p for p in problems if "reads as" in p.message]
    assert len(found) == 1 and found[0].line == 2 and found[0].field == "book_visit.text", problems
    assert "not Spanish" in found[0].message or "not español" in found[0].message, found[0].message
    write(folder, "es/next_steps.yaml", """\
        book_visit:
          text: Llame a nuestra enfermera al número de abajo. Ella le ayuda a pedir la cita y contesta sus preguntas.
        """)
    assert not [p for p in check_folder(folder) if "reads as" in p.message]


def test_content_check_locates_a_badly_shaped_list(tmp_path):
    """Issue 26: a list item of the wrong shape (a text where the shipped items hold a list) is a located
    error, so a packet never prints one prompt per letter."""
    bad = tmp_path / "bad"
    write(bad, "en/tools.yaml", """\
        worksheet:
          groups:
            - title: Medical facts
              prompts: What did each doctor say it is?
            - title: My life
              prompts:
                - [What matters most to me?]
            - Practical things
        """)
    messages = [f"{Path(p.file).name}:{p.line}:{p.column}: {p.field}: {p.message}" for p in check_folder(bad)]
    text = "\n".join(messages)
    assert "tools.yaml:4:7: worksheet.groups.0.prompts: must be a list, as in the shipped file" in text
    assert "tools.yaml:7:11: worksheet.groups.1.prompts.0: must be text (one '- item' per line)" in text
    assert "tools.yaml:8:7: worksheet.groups.2: must be a group of keys" in text
    result = CliRunner().invoke(cli, ["content", "check", str(bad)])
    assert result.exit_code == 2 and "worksheet.groups.0.prompts" in result.output


def test_a_content_file_linked_from_outside_the_folder_is_refused(tmp_path):
    outside = write(tmp_path / "elsewhere", "tools.yaml", """\
        disclaimer:
          title: Words from outside
        """)
    folder = tmp_path / "clinic-content"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "tools.yaml").symlink_to(outside)
    text = "\n".join(str(p) for p in check_folder(folder))
    assert "tools.yaml:1:1: links to a file outside the clinic's content folder" in text
    result = CliRunner().invoke(cli, ["content", "check", str(folder)])
    assert result.exit_code == 2 and "outside the clinic's content folder" in result.output
