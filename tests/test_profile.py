"""Loading and validating profiles: every bad input gets a located, plain message."""

from __future__ import annotations

from datetime import date

import pytest

from sop_packets.errors import InvalidInput
from sop_packets.profile import MAX_FILE_BYTES, load_profile
from sop_packets.schema import CancerType, Profile, Stage


def problems(path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(p) for p in caught.value.problems]


def test_minimal_profile_loads_with_defaults(minimal):
    profile = load_profile(minimal())
    assert profile.patient.id == "p-1"
    assert profile.patient.language is None  # the packet then uses the clinic's language (en)
    assert profile.diagnosis.cancer_type is CancerType.melanoma
    assert profile.diagnosis.stage is Stage.unknown
    assert profile.insurance.preauthorization == "unknown"
    assert profile.concerns.cost is False
    assert profile.treatment_plan.urgency_stated == "not_discussed"


def test_round_trip_through_json_and_yaml_dump(minimal, write):
    import yaml

    profile = load_profile(minimal(extra="treatment_plan:\n  proposed: [excision, radiation]\n"))
    again = Profile.model_validate(profile.model_dump(mode="json"))
    assert again == profile
    dumped = write("dumped.yaml", yaml.safe_dump(profile.model_dump(mode="json", exclude_none=True)))
    assert load_profile(dumped) == profile


def test_unknown_key_suggests_the_right_name(minimal):
    path = minimal(extra="concerns:\n  scaring: true\n")
    assert problems(path) == [
        f"{path}:10:3: concerns.scaring: unknown field 'scaring'; did you mean 'scarring'?"
    ]


def test_bad_enum_lists_allowed_values_with_line(write):
    path = write("p.yaml", """\
        schema_version: 1
        patient: {id: a, name: A, age: 40}
        diagnosis:
          cancer_type: melanom
          diagnosed_by: primary_care
        """)
    (message,) = problems(path)
    assert message.startswith(f"{path}:4:16: diagnosis.cancer_type: 'melanom' is not allowed; "
                              "use one of: melanoma, basal_cell_carcinoma,")
    assert "uncertain" in message and "Did you mean 'melanoma'?" in message


def test_all_errors_of_a_file_are_reported_at_once(write):
    path = write("p.yaml", """\
        schema_version: 2
        patient:
          id: "../etc/passwd"
          name: A
          age: 130
          pregnent: true
        diagnosis:
          cancer_type: melanoma
          diagnosed_by: nurse
        """)
    found = problems(path)
    assert len(found) == 5
    joined = "\n".join(found)
    assert f"{path}:1:17: schema_version:" in joined
    assert f"{path}:3:7: patient.id: '../etc/passwd' cannot be used as a file name" in joined
    assert f"{path}:5:8: patient.age: must be between 0 and 120 (years), not '130'" in joined
    assert f"{path}:6:3: patient.pregnent: unknown field" in joined
    assert f"{path}:9:17: diagnosis.diagnosed_by: 'nurse' is not allowed" in joined


def test_missing_required_fields_point_at_their_section(write):
    path = write("p.yaml", """\
        schema_version: 1
        patient:
          name: A
        diagnosis:
          cancer_type: melanoma
        """)
    found = problems(path)
    assert f"{path}:3:3: patient.id: this field is required but missing" in found
    assert any("give the patient's date_of_birth or age" in m for m in found)
    assert f"{path}:5:3: diagnosis.diagnosed_by: this field is required but missing" in found


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- a\n- b\n", "the file must be a set of fields"),
        ("just text\n", "the file must be a set of fields"),
        (b"schema_version: 1\npatient:\n  name: Jos\xe9\n", "the file is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "this is a binary file, not a YAML profile"),
    ],
)
def test_unreadable_files_get_their_own_message(write, content, expected):
    (message,) = problems(write("p.yaml", content))
    assert expected in message


def test_non_utf8_error_names_the_line(write):
    (message,) = problems(write("p.yaml", b"schema_version: 1\npatient:\n  name: Jos\xe9\n"))
    assert ":3:12:" in message


def test_oversized_file_is_refused(write):
    path = write("big.yaml", "# x\n" * (MAX_FILE_BYTES // 4 + 10))
    (message,) = problems(path)
    assert "too large" in message and "1 MiB" in message


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in problems(tmp_path / "nope.yaml")[0]
    assert "this is a folder" in problems(tmp_path)[0]


def test_yaml_syntax_error_has_line_and_column(write):
    path = write("p.yaml", "schema_version: 1\npatient:\n  name: [unclosed\n  id: x\n")
    assert problems(path) == [
        f"{path}:1:1: diagnosis: this field is required but missing",  # found after the syntax error too
        f"{path}:3:9: the '[' on line 3 is never closed; add ']', or put text that starts with '[' in quotes",
        f"{path}:4:3: patient.age: give the patient's date_of_birth or age (one is required)",
    ]


def test_object_building_tags_are_refused(write):
    path = write("p.yaml", "schema_version: 1\npatient: !!python/object/apply:os.system ['echo hi']\n")
    assert any(m.startswith(f"{path}:2:10: patient: this value cannot be used") for m in problems(path))


def test_duplicate_keys_are_refused(minimal):
    path = minimal(extra="concerns:\n  cost: true\n  cost: false\n")
    assert f"{path}:11:3: concerns.cost: this field appears twice; keep only one" in problems(path)


def test_alias_bomb_is_refused_quickly(write):
    lines = ["schema_version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 9)]
    found = problems(write("bomb.yaml", "\n".join(lines) + "\n"))
    assert any("repeats anchors too many times" in m for m in found)


def test_yaml_11_booleans_do_not_eat_country_codes(minimal):
    profile = load_profile(minimal(extra="", id="p-2").parent / "p.yaml")
    assert profile.patient.country is None
    norway = minimal(name="no.yaml", extra="")
    extra = "  age: 58\n  country: NO\n  pregnant: yes\n"
    norway.write_text(norway.read_text().replace("  age: 58\n", extra))
    profile = load_profile(norway)
    assert profile.patient.country == "NO"
    assert profile.patient.pregnant is True


def test_bad_country_code(minimal):
    path = minimal()
    path.write_text(path.read_text().replace("  age: 58\n", "  age: 58\n  country: Germany\n"))
    assert "'Germany' is not a two-letter country code" in problems(path)[0]


@pytest.mark.parametrize(("written", "stage"), [("3", "III"), ("0", "0"), ("stage iv", "IV"), ('"II"', "II")])
def test_stage_spellings(minimal, written, stage):
    path = minimal()
    path.write_text(path.read_text() + f"  stage: {written}\n")
    assert load_profile(path).diagnosis.stage == stage


def test_age_from_date_of_birth(write):
    path = write("p.yaml", """\
        schema_version: 1
        patient: {id: kid, name: K, date_of_birth: 2014-06-30}
        diagnosis: {cancer_type: uncertain, diagnosed_by: dermatologist}
        """)
    patient = load_profile(path).patient
    assert patient.age_on(date(2026, 6, 29)) == 11
    assert patient.age_on(date(2026, 6, 30)) == 12


def test_future_birth_date_is_refused(write):
    path = write("p.yaml", """\
        schema_version: 1
        patient: {id: kid, name: K, date_of_birth: 2999-01-01}
        diagnosis: {cancer_type: uncertain, diagnosed_by: dermatologist}
        """)
    assert problems(path) == [f"{path}:2:44: patient.date_of_birth: '2999-01-01' is after the date of this "
                              f"packet ({date.today().isoformat()}); check the year"]


def test_leading_zero_numbers_stay_text(minimal):
    path = minimal(id="0012")
    path.write_text(path.read_text() + "original_physician:\n  phone: 0123\n")
    profile = load_profile(path)
    assert profile.patient.id == "0012"
    assert profile.original_physician.phone == "0123"


def test_sub_stage_letters_are_kept(minimal):
    path = minimal()
    path.write_text(path.read_text() + "  stage: IIIB\n")
    stage = load_profile(path).diagnosis.stage
    assert stage == "IIIB" and stage.group == "III"


def test_control_characters_and_direction_overrides_are_refused(minimal):
    path = minimal(patient_name='"Ann\\u202eoJ"')
    (message,) = problems(path)
    assert "patient.name: contains an invisible character, U+202E RIGHT-TO-LEFT OVERRIDE, that can hide" in message


def test_very_deep_nesting_is_a_clear_error(write):
    path = write("deep.yaml", "a: " + "[" * 3000 + "]" * 3000 + "\n")
    (message,) = problems(path)
    assert "nested too deeply" in message or "too deeply nested" in message


def test_control_character_in_the_file_is_located(write):
    path = write("bell.yaml", "schema_version: 1\ncoordinator_note: hi \x07\n")
    assert f"{path}:2:22: the file has an invisible control character (U+0007) here; delete it or retype " \
           "the line" in problems(path)


def test_impossible_date_and_forged_error_lines(write):
    path = write("d.yaml", 'schema_version: 1\npatient: {id: a, name: b, date_of_birth: 2020-13-45}\n'
                 'diagnosis: {cancer_type: "melanomx\\n/etc/x.yaml:9:9: forged", diagnosed_by: other}\n')
    found = problems(path)
    assert f"{path}:2:42: patient.date_of_birth: '2020-13-45' cannot be read as a real date (YYYY-MM-DD); " \
           "check this value" in found
    forged = write("f.yaml", 'schema_version: 1\npatient: {id: a, name: b, age: 3}\n'
                   'diagnosis: {cancer_type: "melanomx\\n/etc/x.yaml:9:9: forged", diagnosed_by: other}\n')
    (message,) = problems(forged)
    assert "\n" not in message and message.startswith(f"{forged}:3:26: diagnosis.cancer_type: 'melanomx ")


def test_patient_phone_is_kept_as_typed_and_junk_gets_a_located_plain_error(write):
    path = write("p.yaml", """\
        schema_version: 1
        patient: {id: a, name: A, age: 40, phone: 6145550101}
        diagnosis: {cancer_type: melanoma, diagnosed_by: primary_care}
        """)
    assert load_profile(path).patient.phone == "6145550101"  # a number in YAML stays the typed text
    for good in ("(614) 555-0101", "+44 20 7946 0000", "614.555.0101 ext. 12"):
        path = write("p.yaml", f"""\
            schema_version: 1
            patient: {{id: a, name: A, age: 40, phone: "{good}"}}
            diagnosis: {{cancer_type: melanoma, diagnosed_by: primary_care}}
            """)
        assert load_profile(path).patient.phone == good
    path = write("p.yaml", """\
        schema_version: 1
        patient:
          id: a
          name: A
          age: 40
          phone: call her daughter
        diagnosis: {cancer_type: melanoma, diagnosed_by: primary_care}
        """)
    assert problems(path) == [
        f"{path}:6:10: patient.phone: 'call her daughter' is not a phone number: write only the number, such as "
        "(614) 555-0101 or +44 20 7946 0000 (an extension may follow: ext. 12)"]
    path = write("p.yaml", "schema_version: 1\npatient: {id: a, name: A, age: 40, phone: '555-01'}\n"
                           "diagnosis: {cancer_type: melanoma, diagnosed_by: primary_care}\n")
    assert "'555-01' is not a phone number" in problems(path)[0]  # too few digits to dial


def test_a_patient_phone_with_no_phone_is_a_contradiction(write):
    path = write("p.yaml", """\
        schema_version: 1
        patient: {id: a, name: A, age: 40, phone: (614) 555-0101, communication: [no_phone]}
        diagnosis: {cancer_type: melanoma, diagnosed_by: primary_care}
        """)
    (message,) = problems(path)
    assert "phone is given but communication says no_phone; remove one of them" in message
