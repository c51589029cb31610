"""Hostile and careless input (issue 10): every case ends in a clean, located, plain-words error, or
in a profile that says exactly what was typed."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from sop_packets.cli import cli
from sop_packets.clinic import load_clinic
from sop_packets.errors import InvalidInput
from sop_packets.markup import hidden_character, render
from sop_packets.profile import load_profile, parse_located, read_text
from sop_packets.schema_export import profile_json_schema

EXAMPLES = Path(__file__).parent.parent / "profiles"
HEAD = "schema_version: 1\npatient:\n  id: p-1\n  age: 58\n"
DIAGNOSIS = "diagnosis:\n  cancer_type: melanoma\n  diagnosed_by: primary_care\n"


def problems(path, prepared_on=None) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_profile(path, prepared_on)
    return [str(p) for p in caught.value.problems]


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# ---------------------------------------------------------------- 3: bounded, never a traceback


def test_huge_integers_are_located_errors_not_tracebacks(write):
    digits = "9" * 5000
    path = write("big.yaml", f"schema_version: 1\npatient:\n  id: p-1\n  name: {digits}\n  age: {digits}\n"
                 + DIAGNOSIS)
    found = problems(path)
    assert f"{path}:4:9: patient.name: is too long (at most 200 characters)" in found
    assert any(m.startswith(f"{path}:5:8: patient.age: must be a whole number, not '9999") for m in found)
    code, output = run("validate", path)
    assert code == 2 and "patient.age" in output


def test_deeply_nested_markdown_is_refused_before_rendering(write):
    path = write("deep.yaml", HEAD + "  name: A\n" + DIAGNOSIS + 'coordinator_note: "' + "> " * 400 + 'x"\n')
    (message,) = problems(path)
    assert message.startswith(f"{path}:9:19: coordinator_note: quotes or lists are nested more than 8 levels")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_special_files_are_refused_without_reading(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)  # nobody writes: reading it would hang for ever
    else:
        path = Path("/dev/zero")  # reading it would never end
    assert problems(path) == [f"{path}:1:1: this is not a regular file (it is a pipe, device or socket); "
                              "name a profile file"]
    code, output = run("build", "--format", "html", "--clinic", path, "-o", tmp_path / "o", EXAMPLES / "ex-01-melanoma-primary-care.yaml")
    assert code == 2 and "this is not a regular file" in output


# ---------------------------------------------------------------- 4: the clinic's logo


def clinic_with_logo(tmp_path: Path, name: str, data: bytes | str) -> Path:
    from sop_packets.clinic import default_clinic_path

    folder = tmp_path / "clinic"
    shutil.copytree(default_clinic_path().parent, folder)
    (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    text = (folder / "clinic.yaml").read_text()
    (folder / "clinic.yaml").write_text(text.replace("logo: logo.svg", f"logo: {name}"))
    return folder / "clinic.yaml"


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
USE_BOMB = SVG + '<path id="a0" d="M0 0h1"/>' + "".join(
    f'<g id="a{i}"><use href="#a{i - 1}"/><use href="#a{i - 1}"/></g>' for i in range(1, 30)) + "</svg>"


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("bomb.svg", USE_BOMB, "has a <use> that points at another <use>"),
    ("cycle.svg", SVG + '<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>',
     "has a <use> that points at another <use>"),
    ("dtd.svg", '<!DOCTYPE svg [<!ATTLIST image href CDATA "file:///etc/passwd">]>' + SVG + "</svg>",
     "has a DTD or entities"),
    ("entity.svg", '<!DOCTYPE svg [<!ENTITY a "b">]>' + SVG + "<text>&a;</text></svg>", "has a DTD or entities"),
    ("escape.svg", SVG + '<rect style="fill: u\\72l(http://example.com/x)"/></svg>', "links to other files"),
    ("import.svg", SVG + '<rect style="@import \'http://x\'"/></svg>', "links to other files"),
    ("remote.svg", SVG + '<rect fill="url(http://example.com/x)"/></svg>', "links to other files"),
    ("image.svg", SVG + '<image href="http://example.com/x.png"/></svg>', "uses the element <image>"),
    ("style.svg", SVG + "<style>rect { fill: red }</style></svg>", "uses the element <style>"),
    ("script.svg", SVG + "<script>alert(1)</script></svg>", "uses the element <script>"),
    ("event.svg", SVG + '<rect onload="alert(1)"/></svg>', "uses the attribute 'onload'"),
    ("xlink.svg", SVG + '<use xlink:href="other.svg#x"/></svg>', "href must name a part of the same logo"),
    ("html.svg", "<html><body>hi</body></html>", "is not an SVG image"),
    ("pi.svg", '<?xml version="1.0"?><?xml-stylesheet href="http://x/a.css"?>' + SVG + "</svg>",
     "has processing instructions"),
    ("text.png", "Riverbend Skin Health Center", "is not a PNG image"),
    ("text.jpg", "<svg/>", "is not a JPG image"),
])
def test_unsafe_or_fake_logos_are_refused(tmp_path, name, data, expected):
    path = clinic_with_logo(tmp_path, name, data)
    with pytest.raises(InvalidInput) as caught:
        load_clinic(path)
    (problem,) = caught.value.problems
    assert problem.field == "logo" and expected in problem.message and problem.file == str(path)


def test_plain_svg_with_gradients_and_simple_use_is_accepted(tmp_path):
    svg = (SVG + '<defs><linearGradient id="g"><stop offset="0" stop-color="#123456"/></linearGradient>'
           '<circle id="dot" r="1"/></defs><rect width="5" height="5" fill="url(#g)"/>'
           '<use href="#dot" x="3"/><use xlink:href="#dot" x="6"/></svg>')
    assert load_clinic(clinic_with_logo(tmp_path, "logo2.svg", svg)).logo_uri.startswith("data:image/svg+xml")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    assert load_clinic(clinic_with_logo(tmp_path / "p", "logo.png", png)).logo_uri.startswith("data:image/png")


# ---------------------------------------------------------------- 5: characters a reader cannot see


@pytest.mark.parametrize(("typed", "named"), [
    ('"Ann\\u202eoJ"', "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ('"Ann\\u200bJo"', "U+200B ZERO WIDTH SPACE"),
    ('"Ann\\u200fJo"', "U+200F RIGHT-TO-LEFT MARK"),
    ('"ev\\u200dil"', "U+200D ZERO WIDTH JOINER"),
    ('"Ann\\u2028Jo"', "U+2028 LINE SEPARATOR"),
    ('"Ann\\x85Jo"', "U+0085 (a control character)"),
    ('"Ann\\u2066Jo"', "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ('"\\u3164"', "U+3164 HANGUL FILLER"),
    ('"Ann\\ufeffJo"', "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
])
def test_hidden_characters_in_names_are_named(write, typed, named):
    path = write("p.yaml", HEAD + f"  name: {typed}\n" + DIAGNOSIS)
    (message,) = problems(path)
    assert message == (f"{path}:5:9: patient.name: contains an invisible character, {named}, that can hide "
                       "or reorder the words around it; delete it or retype this text")


@pytest.mark.parametrize(("note", "named"), [
    ("live &#x202E; evil", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("a &#8238; b", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("*a&#x2066;b*", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("ev&zwj;il", "U+200D ZERO WIDTH JOINER"),
])
def test_hidden_characters_are_checked_as_the_reader_sees_them(write, note, named):
    assert hidden_character(note) is None and hidden_character(render(note)) is not None
    path = write("p.yaml", HEAD + "  name: A\n" + DIAGNOSIS + f"coordinator_note: {note!r}\n")
    (message,) = problems(path)
    assert message.startswith(f"{path}:9:19: coordinator_note: contains an invisible character, {named},")


def test_code_spans_show_entities_as_typed(write):
    path = write("p.yaml", HEAD + "  name: A\n" + DIAGNOSIS + 'coordinator_note: "Type `&#x202E;` to see it"\n')
    assert load_profile(path).coordinator_note == "Type `&#x202E;` to see it"


@pytest.mark.parametrize("name", [
    "محمد\u200cرضا کریمی",  # noqa: RUF001 - Persian: ZWNJ inside a name is correct spelling
    "عبد الله الفاسي",  # Arabic
    "王小明",  # Chinese
    "Nguyễn Thị Minh Khai",  # Vietnamese (precomposed)
    "Nguye\u0302\u0303n Thi\u0323",  # Vietnamese with combining marks
    "क्\u200dष",  # Devanagari with ZWJ
    "Zoë O'Brien-Łukasz",
])
def test_real_names_in_other_scripts_pass(write, name):
    path = write("p.yaml", HEAD + f"  name: {json.dumps(name)}\n" + DIAGNOSIS)
    assert load_profile(path).patient.name == name


def test_binary_and_other_tags_on_values_are_refused(write):
    path = write("p.yaml", HEAD + "  name: !!binary QW5u\n" + DIAGNOSIS)
    assert problems(path) == [f"{path}:5:9: patient.name: this value cannot be used (the YAML tag "
                              "tag:yaml.org,2002:binary is not allowed); write plain text"]


def test_escape_codes_in_a_key_are_shown_as_codes(write):
    path = write("p.yaml", HEAD + '  name: A\n  "\\e[31mred\\e[0m": 1\n' + DIAGNOSIS)
    (message,) = problems(path)
    assert "\x1b" not in message and "\\u001b[31mred" in message
    code, output = run("validate", path)
    assert code == 2 and "\x1b" not in output


# ---------------------------------------------------------------- 6: text keeps what was typed


def test_text_fields_keep_exactly_what_was_typed(write, tmp_path):
    path = write("p.yaml", """\
        schema_version: 1
        patient:
          id: 1.10
          name: 2024-01-02
          age: 58
        diagnosis: {cancer_type: melanoma, diagnosed_by: primary_care, stage: 4}
        original_physician:
          phone: 555.0100
          fax: 020.7946
          address: 1:20.5
          practice: true
          specialty: 1e3
          name: 5550100
        """)
    profile = load_profile(path)
    doctor = profile.original_physician
    assert (doctor.phone, doctor.fax, doctor.address, doctor.practice, doctor.specialty, doctor.name) == (
        "555.0100", "020.7946", "1:20.5", "true", "1e3", "5550100")
    assert profile.patient.id == "1.10" and profile.patient.name == "2024-01-02"
    assert profile.diagnosis.stage == "IV" and profile.patient.age == 58
    code, _ = run("build", path, "-o", tmp_path / "out", "--format", "html")
    assert code == 0 and (tmp_path / "out" / "1.10.html").is_file()


@pytest.mark.parametrize(("typed", "expected"), [
    ("yes", True), ("No", False), ("true", True), ("false", False),
    ("on", "must be true or false (yes or no also work), not 'on'"),
    ("1", "must be true or false (yes or no also work), not '1'"),
    ('"maybe"', "must be true or false (yes or no also work), not 'maybe'"),
])
def test_yes_no_answers(write, typed, expected):
    path = write("p.yaml", HEAD + f"  name: A\n  pregnant: {typed}\n" + DIAGNOSIS)
    if isinstance(expected, bool):
        assert load_profile(path).patient.pregnant is expected
    else:
        assert problems(path) == [f"{path}:6:13: patient.pregnant: {expected}"]


def test_quoted_number_for_a_number_field_is_refused(write):
    path = write("p.yaml", 'schema_version: 1\npatient:\n  id: p-1\n  name: A\n  age: "58"\n' + DIAGNOSIS)
    assert problems(path) == [f"{path}:5:8: patient.age: must be a whole number, not '58'"]


# ---------------------------------------------------------------- 7: impossible birth dates


@pytest.mark.parametrize(("born", "expected"), [
    ("0001-01-01", "'0001-01-01' would make the patient 2025 years old; check the year"),
    ("1890-05-01", "'1890-05-01' would make the patient 136 years old; check the year"),
    ("2026-06-01", "'2026-06-01' is after the date of this packet (2026-01-15); check the year"),
])
def test_impossible_birth_dates_are_refused(write, born, expected):
    path = write("p.yaml", f"schema_version: 1\npatient:\n  id: p-1\n  name: A\n  date_of_birth: {born}\n"
                 + DIAGNOSIS + "  stage: VI\n")
    found = problems(path, date(2026, 1, 15))
    assert f"{path}:5:18: patient.date_of_birth: {expected}" in found
    assert any("diagnosis.stage: 'VI' is not allowed" in m for m in found)  # and the rest, at once
    code, output = run("validate", path) if born != "2026-06-01" else (2, expected)
    assert code == 2 and expected.split(";")[0] in output


def test_birth_date_after_the_packet_date_fails_the_batch(write, tmp_path):
    path = write("p.yaml", "schema_version: 1\npatient:\n  id: p-1\n  name: A\n  date_of_birth: 2026-06-01\n"
                 + DIAGNOSIS)
    code, output = run("batch", path, "-o", tmp_path / "out", "--format", "html", "--date", "2026-01-15")
    assert code == 1 and "is after the date of this packet (2026-01-15)" in output


# ---------------------------------------------------------------- 11: Markdown in the note


def test_headings_in_the_note_are_not_headings_and_link_definitions_stay_visible(write, tmp_path):
    path = write("p.yaml", HEAD + "  name: A\n" + DIAGNOSIS + textwrap.dedent("""\
        coordinator_note: |
          # Big news
          Call [the desk][d] today.

          [d]: https://example.com/desk
        """))
    code, _ = run("build", path, "-o", tmp_path / "out", "--format", "html")
    html = (tmp_path / "out" / "p-1.html").read_text()
    assert code == 0 and html.count("<h1") == 1
    assert '<p class="note-heading"><strong>Big news</strong></p>' in html
    assert "[d]: https://example.com/desk" in html and "[the desk][d]" in html
    assert "<a href=\"https://example.com" not in html


# ---------------------------------------------------------------- 12: validate and build agree


@pytest.mark.parametrize("bad_id", ["..", ".", ".hidden", "-rf", "a/b", "_x"])
def test_validate_refuses_every_id_that_build_refuses(minimal, tmp_path, bad_id):
    path = minimal(id=json.dumps(bad_id))
    code, output = run("validate", path)
    assert code == 2 and "cannot be used as a file name" in output
    code, output = run("build", path, "-o", tmp_path / "out", "--format", "html")
    assert code == 2 and "cannot be used as a file name" in output


# ---------------------------------------------------------------- every problem at once, in plain words


def test_every_problem_is_listed_after_syntax_errors(write):
    path = write("p.yaml", "schema_version: 1\npatient:\n  id: p-1\n\tname: Tab\n  age: 58\n"
                 "  country: us\n  pregnent: false\ndiagnosis:\n  cancer_type: melanom\n"
                 "  diagnosed_by: Dr. Lee: dermatology\n  body_site: back\n    stage: II\n")
    assert problems(path) == [
        f"{path}:4:1: line 4 starts with a tab; indent with spaces instead",
        f"{path}:7:3: patient.pregnent: unknown field 'pregnent'; did you mean 'pregnant'?",
        f"{path}:9:16: diagnosis.cancer_type: 'melanom' is not allowed; use one of: melanoma, "
        "basal_cell_carcinoma, squamous_cell_carcinoma, merkel_cell_carcinoma, skin_lymphoma, kaposi_sarcoma, "
        "angiosarcoma, sebaceous_carcinoma, atypical_fibroxanthoma, pleomorphic_dermal_sarcoma, "
        "other, uncertain. Did you mean 'melanoma'?",
        f"{path}:10:24: put text that contains ': ' in quotes, for example name: \"Dr. Lee: dermatology\"",
        f"{path}:12:1: line 12 is indented more than the line above; line it up",
    ]


def test_duplicate_keys_and_bad_dates_do_not_hide_other_problems(write):
    path = write("p.yaml", "schema_version: 1\npatient:\n  id: p-1\n  name: A\n  name: B\n"
                 "  date_of_birth: 1980-02-30\ndiagnosis:\n  cancer_type: melanom\n  diagnosed_by: other\n")
    assert problems(path) == [
        f"{path}:5:3: patient.name: this field appears twice; keep only one",
        f"{path}:6:18: patient.date_of_birth: '1980-02-30' cannot be read as a real date (YYYY-MM-DD); "
        "check this value",
        f"{path}:8:16: diagnosis.cancer_type: 'melanom' is not allowed; use one of: melanoma, "
        "basal_cell_carcinoma, squamous_cell_carcinoma, merkel_cell_carcinoma, skin_lymphoma, kaposi_sarcoma, "
        "angiosarcoma, sebaceous_carcinoma, atypical_fibroxanthoma, pleomorphic_dermal_sarcoma, "
        "other, uncertain. Did you mean 'melanoma'?",
    ]


def test_unclosed_quote_in_plain_words(write):
    path = write("p.yaml", HEAD + '  name: "Ann\n' + DIAGNOSIS)
    assert problems(path)[0] == f"{path}:5:9: the quote that opens on line 5 is never closed; add the closing quote"


# ---------------------------------------------------------------- the JSON Schema agrees with the tool

GOOD = [
    "", "  stage: 4\n", "  stage: Stage II\n", "  stage: iiib\n", "  stage: 0\n", "  stage: Stage III-B\n",
    "  stage: 3b\n", "  stage: 2 A\n", "  stage: IVB\n",
    "  body_site: back\n  confirmed_by_biopsy: yes\n", "  confirmed_by_biopsy: No\n",
]
BAD = [
    "  stage: 7\n", "  stage: V\n", "  stage: IVD\n", "  stage: 4C\n", "  stage: 0A\n", "  stage: 5\n", "  confirmed_by_biopsy: maybe\n", "  confirmed_by_biopsy: 1\n",
    "  body_site: elbow\n", "  colour: red\n", "  cancer_type_detail: \"a\\u202eb\"\n",
]
PATIENTS = {
    "  id: p-1\n  name: A\n  age: 58\n": True,
    "  id: p-1\n  name: A\n  date_of_birth: 1970-01-02\n": True,
    "  id: p-1\n  name: A\n": False,  # neither age nor date of birth
    "  id: p-1\n  name: A\n  age: 58\n  country: us\n": True,
    "  id: p-1\n  name: A\n  age: 58\n  country: XX\n": False,
    "  id: 12345\n  name: 5550100\n  age: 58\n": True,
    "  id: ..\n  name: A\n  age: 58\n": False,
    "  id: p-1\n  name: A\n  age: 121\n": False,
    "  id: p-1\n  name: A\n  age: \"58\"\n": False,
    "  id: p-1\n  name: \"\"\n  age: 58\n": False,
    "  id: p-1\n  name: A\n  age: 58\n  pregnant: yes\n": True,
}


def _tool_accepts(path: Path) -> bool:
    try:
        load_profile(path)
        return True
    except InvalidInput:
        return False


def _schema_accepts(path: Path) -> bool:
    data = parse_located(read_text(path), str(path)).data
    data = json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, date) else str(v)))
    return jsonschema.Draft202012Validator(profile_json_schema()).is_valid(data)


def _cases(tmp_path: Path):
    for example in sorted(EXAMPLES.glob("*.yaml")):
        yield example, True
    for index, (patient, ok) in enumerate(PATIENTS.items()):
        yield _file(tmp_path, f"patient-{index}", "schema_version: 1\npatient:\n" + patient + DIAGNOSIS), ok
    for index, extra in enumerate(GOOD):
        yield _file(tmp_path, f"good-{index}", HEAD + "  name: A\n" + DIAGNOSIS + extra), True
    for index, extra in enumerate(BAD):
        yield _file(tmp_path, f"bad-{index}", HEAD + "  name: A\n" + DIAGNOSIS + extra), False


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_json_schema_accepts_exactly_what_the_tool_accepts(tmp_path):
    jsonschema.Draft202012Validator.check_schema(profile_json_schema())
    disagreements = []
    for path, expected in _cases(tmp_path):
        tool, schema = _tool_accepts(path), _schema_accepts(path)
        if not tool == schema == expected:
            disagreements.append((path.name, f"tool={tool}", f"schema={schema}", f"expected={expected}"))
    assert disagreements == []


def test_schema_command_prints_the_agreeing_schema():
    code, output = run("schema")
    assert code == 0 and json.loads(output) == json.loads(json.dumps(profile_json_schema()))
    assert yaml.safe_load(output)["$schema"].endswith("2020-12/schema")


# ---------------------------------------------------------------- 8: long unbroken text stays on the page


def test_long_unbroken_name_and_address_stay_on_the_page(write):
    import weasyprint
    from weasyprint.formatting_structure import boxes

    from sop_packets.build import BuildOptions, make_packet
    from sop_packets.content import template_dir
    from sop_packets.render import render_html, url_fetcher

    path = write("long.yaml", "schema_version: 1\npatient:\n  id: long\n  name: " + "A" * 200 + "\n  age: 50\n"
                 + DIAGNOSIS + "original_physician:\n  name: " + "B" * 150 + "\n"
                 + 'coordinator_note: "See https://example.com/' + "x" * 300 + ' today"\n')
    html = render_html(make_packet(load_profile(path), BuildOptions(prepared_on=date(2026, 11, 25))))
    document = weasyprint.HTML(string=html, base_url=template_dir().as_uri() + "/",
                               url_fetcher=url_fetcher()).render()
    outside = []
    for number, page in enumerate(document.pages, start=1):
        width = page._page_box.margin_width()
        outside += [(number, box.text[:20]) for box in page._page_box.descendants()
                    if isinstance(box, boxes.TextBox) and box.position_x + box.width > width - 10]
    assert outside == []
