"""Issue 21: errors a coordinator can act on, and linear work on the error path.

Quote hints inside { }, near-word hints for every enumeration, unit hints for numbers, limits that
name the field's own range, `validate --clinic` with every problem at once, and every YAML block of
the README validated as written.
"""

from __future__ import annotations

import re
import shutil
import typing
from enum import Enum
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sop_packets.cli import cli
from sop_packets.clinic import Clinic, load_clinic
from sop_packets.clinic_check import check_folder
from sop_packets.errors import InvalidInput
from sop_packets.importers.csv_import import load_mapping
from sop_packets.profile import MAX_PROBLEMS, load_profile, near_word, unit_hint
from sop_packets.schema import Profile

ROOT = Path(__file__).parent.parent
HEAD = "schema_version: 1\npatient:\n  id: p-1\n  name: Test Patient\n  age: 58\n"
DIAGNOSIS = "diagnosis:\n  cancer_type: melanoma\n  diagnosed_by: primary_care\n"
CLINIC = "schema_version: 1\nname: Riverbend\nphone: (555) 010-2000\n"


def problems(path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(p) for p in caught.value.problems]


def clinic_problems(path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_clinic(path)
    return [str(p) for p in caught.value.problems]


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# ---------------------------------------------------------------- quote hints inside { }


def test_a_comma_inside_braces_gets_a_hint_to_quote(write):
    path = write("clinic.yaml", CLINIC + "contact: {name: Jordan Ellis, RN, role: Nurse navigator}\n")
    assert clinic_problems(path) == [
        f"{path}:4:31: contact.RN: unknown field 'RN': inside {{ }} a comma starts a new field; put text "
        "that contains ', ' in quotes, for example {name: \"Jordan Ellis, RN\"}"]
    fixed = write("fixed.yaml", CLINIC + "contact: {name: \"Jordan Ellis, RN\", role: Nurse navigator}\n")
    assert load_clinic(fixed).clinic.contact.name == "Jordan Ellis, RN"


def test_a_colon_inside_braces_gets_a_hint_to_quote(write):
    path = write("clinic.yaml", CLINIC + "contact: {name: Dr. Lee: dermatology, role: x}\n")
    assert clinic_problems(path)[0] == (
        f"{path}:4:24: inside {{ }} or [ ], put text that contains ': ' in quotes, for example "
        "{name: \"Dr. Lee: dermatology\"}")


def test_an_unknown_field_outside_braces_keeps_the_did_you_mean(write):
    path = write("p.yaml", HEAD + DIAGNOSIS + "concerns: {costt: true}\n")
    assert "concerns.costt: unknown field 'costt'; did you mean 'cost'?" in problems(path)[0]


# ---------------------------------------------------------------- enumerations


def _enumerations(model: type[BaseModel], seen=None) -> set[tuple[str, ...]]:
    """Every enumeration's allowed values in a model (and the models inside it)."""
    seen = seen if seen is not None else set()
    found = set()
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            stack += list(typing.get_args(annotation))
            if isinstance(annotation, type) and issubclass(annotation, Enum):
                found.add(tuple(member.value for member in annotation))
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
                seen.add(annotation)
                found |= _enumerations(annotation, seen)
    return found


ENUMS = sorted(_enumerations(Profile) | _enumerations(Clinic))


def test_every_enumeration_is_found():
    assert ("letter", "a4") in ENUMS and any("mohs_surgery" in values for values in ENUMS)
    assert len(ENUMS) >= 20


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(ENUMS).flatmap(lambda values: st.tuples(st.just(values), st.sampled_from(values))),
       st.sampled_from(["upper", "title", "spaces", "dashes"]))
def test_every_enumeration_value_typed_in_another_case_or_with_spaces_is_hinted(pair, how):
    values, word = pair
    typed = {"upper": word.upper(), "title": word.title(), "spaces": word.replace("_", " "),
             "dashes": word.replace("_", "-").title()}[how]
    assert near_word(typed, list(values)) == word


@pytest.mark.parametrize(("typed", "expected"), [
    ("Mohs", "mohs_surgery"), ("A4", "a4"), ("Immediate", "immediate"), ("melanom", "melanoma"),
    ("Wide Local Excision", "wide_local_excision"), ("xyzzy", None)])
def test_near_words_in_a_profile_and_a_clinic(write, typed, expected):
    path = write("p.yaml", HEAD + DIAGNOSIS + f"treatment_plan:\n  proposed: [{typed}]\n")
    clinic = write("c.yaml", CLINIC + f"paper_size: {typed}\n")
    for found in (problems(path), clinic_problems(clinic)):
        line = next(p for p in found if "is not allowed" in p)
        if expected and (expected in line.split("use one of: ")[1]):
            assert line.endswith(f"Did you mean '{expected}'?")
    if expected is None:
        assert "Did you mean" not in "".join(problems(path))


# ---------------------------------------------------------------- units and limits


@pytest.mark.parametrize(("field", "typed", "hint"), [
    ("size_mm", "2.2 cm", "write 22, in millimetres, with no unit"),
    ("size_mm", "15mm", "write 15, in millimetres, with no unit"),
    ("size_mm", "1 inch", "write 25.4, in millimetres, with no unit"),
    ("size_mm", "2,5", "write 2.5, with a point"),
])
def test_number_with_a_unit_says_what_to_write(write, field, typed, hint):
    path = write("p.yaml", HEAD + DIAGNOSIS + f"  {field}: {typed}\n")
    assert f"diagnosis.{field}: must be a number, not '{typed}'; {hint}" in problems(path)[0]


def test_age_in_years_says_what_to_write(write):
    path = write("p.yaml", HEAD.replace("age: 58", "age: 47 years") + DIAGNOSIS)
    assert "patient.age: must be a whole number, not '47 years'; write 47, in years, with no unit" in \
        problems(path)[0]
    assert unit_hint(("age",), 47) == ""


@pytest.mark.parametrize(("yaml_line", "message"), [
    ("  size_mm: 5000\n", "diagnosis.size_mm: must be more than 0 and at most 1000 (millimetres), not '5000'"),
    ("  size_mm: 0\n", "diagnosis.size_mm: must be more than 0 and at most 1000 (millimetres), not '0'"),
    ("  melanoma:\n    breslow_mm: 500\n",
     "diagnosis.melanoma.breslow_mm: must be between 0 and 100 (millimetres), not '500'"),
])
def test_range_errors_name_the_fields_own_limits(write, yaml_line, message):
    path = write("p.yaml", HEAD + DIAGNOSIS + yaml_line)
    assert any(p.endswith(message) for p in problems(path)), problems(path)


# ---------------------------------------------------------------- linear error path


def test_many_unknown_or_repeated_fields_give_fifty_lines_and_a_count(write):
    body = HEAD + DIAGNOSIS + "".join(f"unknown_{i}: x\n" for i in range(5000))
    found = problems(write("p.yaml", body))
    assert len(found) == MAX_PROBLEMS + 1 and found[-1].endswith("more problems (fix these first)")
    found = problems(write("d.yaml", HEAD + DIAGNOSIS + "".join(f"dup: {i}\n" for i in range(5000))))
    assert len(found) == MAX_PROBLEMS + 1 and "this field appears twice" in found[0]


def test_more_than_twenty_thousand_values_is_one_plain_error(write):
    body = HEAD + DIAGNOSIS + "concerns:\n  other: [" + ", ".join(["x"] * 21000) + "]\n"
    assert any("holds more than 20,000 values" in p for p in problems(write("p.yaml", body)))


# ---------------------------------------------------------------- the clinic file in one run


def test_validate_clinic_lists_every_problem_the_logo_included(write):
    path = write("clinic.yaml", CLINIC + "paper_size: A4\naccent_color: '#ffff00'\nlogo: missing.png\n")
    code, output = run("validate", "--clinic", path)
    assert code == 2
    assert "paper_size: 'A4' is not allowed" in output and "Did you mean 'a4'?" in output
    assert "accent_color: #ffff00 is too light" in output
    assert "logo: the logo file 'missing.png' does not exist" in output
    assert f"clinic file {path}: 3 problems" in output


def test_validate_clinic_and_profiles_together(write, minimal):
    clinic = write("clinic.yaml", CLINIC)
    code, output = run("validate", "--clinic", clinic, minimal())
    assert code == 0 and f"clinic file {clinic}: valid" in output and "1 valid, 0 invalid" in output
    assert run("validate")[0] == 2  # nothing named: a usage error


# ---------------------------------------------------------------- the README's examples, verbatim


def _readme_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_every_yaml_block_in_the_readme_is_valid_as_written(tmp_path):
    blocks = _readme_blocks()
    assert len(blocks) >= 2
    kinds = []
    for number, block in enumerate(blocks):
        folder = tmp_path / str(number)
        folder.mkdir()
        path = folder / "block.yaml"
        path.write_text(block, encoding="utf-8")
        if re.search(r"^patient:", block, re.M):
            load_profile(path)
            kinds.append("profile")
        elif re.search(r"^columns:", block, re.M):
            load_mapping(path)
            kinds.append("map")
        elif re.search(r"^phone:", block, re.M):
            logo = re.search(r"^logo:\s*(\S+)", block, re.M)
            if logo:  # the example names a logo beside the file: give it the example clinic's
                shutil.copy(ROOT / "templates" / "clinic" / "logo.svg", folder / logo.group(1))
            load_clinic(path)
            kinds.append("clinic")
        elif words := re.match(r"# (words/([\w-]+)/\w+\.yaml)\n", block):  # a clinic's own words
            target = folder / words.group(1)
            target.parent.mkdir(parents=True)
            target.write_text(block, encoding="utf-8")
            assert check_folder(folder / "words") == [], block
            kinds.append("words")
        else:
            pytest.fail(f"README YAML block {number + 1} is neither a profile, a clinic file, a --map file "
                        "nor a clinic's words (# words/<language>/<file>.yaml)")
    assert "profile" in kinds and "clinic" in kinds
