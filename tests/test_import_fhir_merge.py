"""Re-import keeps the coordinator's work: field by field, EHR updates applied, hand edits kept, conflicts
flagged in the profile and needing a person (exit 1) until the flag is deleted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_packets.cli import cli
from sop_packets.importers.merge import FLAG, base_path, plan
from sop_packets.profile import load_profile

DATA = Path(__file__).parent / "data" / "fhir"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def imported(tmp_path):
    """The melanoma bundle imported once: (bundle path, output folder, profile path)."""
    source = tmp_path / "b.json"
    shutil.copy(DATA / "melanoma-bundle.json", source)
    out = tmp_path / "out"
    assert run("import", "fhir", source, "-o", out).exit_code == 0
    return source, out, out / "pt-1001.yaml"


def ehr_changes(source: Path, **replacements) -> None:
    text = source.read_text()
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    source.write_text(text)


def edit(profile: Path, old: str, new: str) -> None:
    text = profile.read_text()
    assert old in text, old
    profile.write_text(text.replace(old, new, 1))


def test_the_import_record_is_hidden_and_private(imported):
    _, out, profile = imported
    base = base_path(profile)
    assert base == out / ".import" / "pt-1001.yaml" and base.read_text() == profile.read_text()
    assert base.stat().st_mode & 0o077 == 0 and base.parent.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in out.iterdir()) == [".import", ".sop-packets-audit.log", "pt-1001.yaml"]
    assert (out / ".sop-packets-audit.log").stat().st_mode & 0o077 == 0  # the audit trail (issue 26): private
    assert "1 valid, 0 invalid" in run("validate", out).output  # the record is not taken for a profile


def test_unchanged_reimport_is_quiet(imported):
    source, out, _ = imported
    again = run("import", "fhir", source, "-o", out)
    assert again.exit_code == 0 and "0 written, 1 unchanged" in again.output


def test_coordinator_edits_are_kept_and_ehr_updates_applied(imported):
    source, out, profile = imported
    edit(profile, "  name: Dana J. Whitfield  # Patient/pt-1001 name", "  name: Dana Whitfield  # what she goes by")
    edit(profile, "# treatment_plan:\n", "treatment_plan:\n  proposed: [wide_local_excision]  # from the visit\n"
                                         "# treatment_plan:\n")
    ehr_changes(source, **{'"2026-10-28"': '"2026-10-20"'})
    result = run("import", "fhir", source, "-o", out)
    assert result.exit_code == 0, result.output
    text = profile.read_text()
    assert "  name: Dana Whitfield  # what she goes by" in text
    assert "  proposed: [wide_local_excision]  # from the visit" in text
    assert "diagnosis_date: 2026-10-20" in text and "Condition/mel-1 onsetDateTime" in text
    assert "# Check each value against the chart" in text  # the header comments stay
    loaded = load_profile(profile)
    assert loaded.patient.name == "Dana Whitfield" and loaded.diagnosis.diagnosis_date.isoformat() == "2026-10-20"
    assert run("import", "fhir", source, "-o", out).output.startswith("0 written, 1 unchanged")


def test_a_field_the_ehr_dropped_is_removed_unless_the_coordinator_changed_it(imported):
    source, out, profile = imported
    ehr_changes(source, **{'"country": "USA"': '"district": "Maple"'})
    assert run("import", "fhir", source, "-o", out).exit_code == 0
    assert "country:" not in profile.read_text()


def test_a_real_conflict_is_flagged_never_overwritten_and_needs_a_person(imported):
    source, out, profile = imported
    edit(profile, "  stage: IIB  #", "  stage: IIC  # the path report says IIC;")
    ehr_changes(source, **{"1222769001": "1222806003", "stage IIB": "stage IIIC"})
    diff = run("import", "fhir", source, "-o", out, "--diff")
    assert ("diagnosis.stage: CONFLICT: the coordinator wrote 'IIC', the EHR changed 'IIB' -> 'IIIC'; kept the "
            "coordinator's value, flagged") in diff.output
    assert FLAG not in profile.read_text()  # --diff writes nothing
    result = run("import", "fhir", source, "-o", out)
    assert result.exit_code == 1
    assert "1 with conflicts to check" in result.output
    text = profile.read_text()
    assert (f"  # {FLAG} the EHR changed this from 'IIB' to 'IIIC' (Observation/stage-1 (2026-11-05) (TNM stage "
            "group) SNOMED CT 1222806003") in text
    assert "  stage: IIC  # the path report says IIC;" in text
    assert load_profile(profile).diagnosis.stage == "IIC"
    still = run("import", "fhir", source, "-o", out)
    assert still.exit_code == 1 and "1 '# EHR CONFLICT:' line(s) still to check and delete" in still.output
    profile.write_text("".join(line for line in profile.read_text().splitlines(keepends=True) if FLAG not in line))
    done = run("import", "fhir", source, "-o", out)
    assert done.exit_code == 0, done.output
    assert load_profile(profile).diagnosis.stage == "IIC"


def test_diff_shows_the_plan_and_writes_nothing(imported):
    source, out, profile = imported
    edit(profile, "  country: US  #", "  country: MX  #")
    ehr_changes(source, **{'"2026-10-28"': '"2026-10-21"'})
    before = profile.read_text()
    result = run("import", "fhir", source, "-o", out, "--diff")
    assert f"{profile}: patient.country: keep the coordinator's 'MX' (the EHR still says 'US')" in result.output
    assert f"{profile}: diagnosis.diagnosis_date: update from the EHR: 2026-10-28 -> 2026-10-21" in result.output
    assert profile.read_text() == before


# ---------------------------------------------------------------- the rule, as an invariant

VALUES = st.sampled_from([None, "US", "MX", "CA"])


def _profile(country: str | None) -> str:
    data = {"schema_version": 1, "patient": {"id": "p1", "name": "Ana Ruiz"},
            "diagnosis": {"cancer_type": "melanoma", "diagnosed_by": "other"}}
    if country:
        data["patient"]["country"] = country
    return yaml.safe_dump(data, sort_keys=False)


@given(base=VALUES, mine=VALUES, ehr=VALUES)
@settings(max_examples=200, deadline=None)
def test_each_field_follows_the_three_way_rule(tmp_path_factory, base, mine, ehr):
    folder = tmp_path_factory.mktemp("m")
    target = folder / "p1.yaml"
    base_path(target).parent.mkdir()
    base_path(target).write_text(_profile(base))
    result = plan(target, _profile(mine), _profile(ehr))
    merged = yaml.safe_load(result.text) if result.text else yaml.safe_load(_profile(mine))
    got = merged["patient"].get("country")
    if mine in (ehr, base):
        assert got == ehr
        assert not result.conflicts
    elif ehr == base:
        assert got == mine and not result.conflicts
    else:
        assert got == mine and [c.path for c in result.conflicts] == ["patient.country"]
        if mine is not None:
            assert FLAG in result.text


def test_an_invalid_base_is_treated_as_no_record(tmp_path):
    target = tmp_path / "p1.yaml"
    base_path(target).parent.mkdir()
    base_path(target).write_text(json.dumps([1, 2]))
    assert plan(target, _profile("US"), _profile("MX")).no_base


def test_another_record_whose_id_makes_the_same_file_name_is_refused_even_with_force(tmp_path):
    """Identity is the source record (its MRN as the EHR wrote it), not the name a coordinator may edit:
    MRNs 'RB 0042/7' and 'RB 0042-7' both become the file RB-0042-7.yaml."""
    mrn = "http://riverbend.example/mrn"
    first, second, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "out"
    first.write_text((DATA / "melanoma-bundle.json").read_text())
    second.write_text(first.read_text().replace('"RB 0042/7"', '"RB 0042-7"'))
    assert run("import", "fhir", first, "-o", out, "--id-from", mrn).exit_code == 0
    (profile,) = out.glob("*.yaml")
    before = profile.read_text()
    assert "# sop-packets source id: " in before
    again = run("import", "fhir", first, "-o", out, "--id-from", mrn, "--force")
    assert again.exit_code == 0 and "1 unchanged" in again.output, again.output
    result = run("import", "fhir", second, "-o", out, "--id-from", mrn, "--force")
    assert result.exit_code == 1 and "imported from another record" in result.output, result.output
    assert profile.read_text() == before
