"""The CLI, driven in-process with click's CliRunner: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sop_packets import __version__
from sop_packets.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_version_and_help_with_examples():
    assert run("--version").output.strip() == f"sop-packets, version {__version__}"
    for command in ("build", "batch", "validate", "schema", "explain", "lint"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output and f"sop-packets {command}" in result.output


def test_build_writes_html_only(minimal, tmp_path):
    out = tmp_path / "out"
    result = run("build", minimal(), "-o", out, "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {(out / 'p-1.html').resolve()}\n"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["p-1.html"]


def test_build_invalid_profile_exits_2_without_traceback(write, tmp_path):
    path = write("bad.yaml", "schema_version: 1\npatient: {id: a, name: A, age: 5}\n"
                 "diagnosis: {cancer_type: mole, diagnosed_by: dermatologist}\n")
    result = run("build", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{path}:3:26: diagnosis.cancer_type: 'mole' is not allowed" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_build_missing_file_exits_2(tmp_path):
    result = run("build", tmp_path / "none.yaml")
    assert result.exit_code == 2
    assert "none.yaml:1:1: no such file" in result.output


def test_batch_keeps_going_past_bad_profiles(minimal, write, tmp_path):
    good = minimal("a/good.yaml", id="good")
    write("a/bad.yaml", "schema_version: 1\n")
    write("a/notes.txt", "not a profile")
    out = tmp_path / "out"
    result = run("batch", good.parent, "-o", out, "--format", "html", "--jobs", "1")
    assert result.exit_code == 1
    assert "FAILED" in result.output and "bad.yaml:1:1: patient: this field is required" in result.output
    assert "1 built, 0 unchanged, 1 failed, 2 profiles in" in result.output
    assert (out / "good.html").is_file()


def test_batch_refuses_duplicate_patient_ids(minimal, tmp_path):
    one = minimal("one.yaml", id="same")
    two = minimal("two.yaml", id="same")
    three = minimal("three.yaml", id="other")
    result = run("batch", one, two, three, "-o", tmp_path / "out", "--format", "html")
    assert result.exit_code == 1
    assert f"patient.id 'same' is also used by {two}" in result.output
    assert f"patient.id 'same' is also used by {one}" in result.output
    assert "1 built, 0 unchanged, 2 failed, 3 profiles" in result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == ["other.html"]


def test_batch_in_parallel_builds_all(minimal, tmp_path):
    paths = [minimal(f"p{i}.yaml", id=f"p{i}") for i in range(3)]
    result = run("batch", *paths, "-o", tmp_path / "out", "--format", "html", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "3 built, 0 unchanged, 0 failed" in result.output
    assert len(list((tmp_path / "out").glob("*.html"))) == 3


def test_batch_names_a_missing_path(tmp_path):
    result = run("batch", tmp_path / "gone", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "gone:1:1: no such file or folder" in result.output


def test_validate_reports_every_invalid_file(minimal, write):
    minimal("ok.yaml")
    bad = write("bad.yaml", "patient: 3\n")
    result = run("validate", bad.parent)
    assert result.exit_code == 2
    assert f"{bad}:1:1: schema_version: this field is required but missing" in result.output
    assert f"{bad}:1:10: patient: must be a group of fields" in result.output
    assert result.output.rstrip().endswith("1 valid, 1 invalid")
    assert run("validate", minimal("ok2.yaml")).exit_code == 0


def test_schema_is_json_schema_with_every_section():
    result = run("schema")
    schema = json.loads(result.output)
    assert result.exit_code == 0
    assert {"schema_version", "patient", "diagnosis", "treatment_plan", "concerns", "insurance",
            "preferences", "original_physician"} <= set(schema["properties"])
    assert schema["$defs"]["CancerType"]["enum"][0] == "melanoma"


def test_lint_reports_grade_and_exits_by_result(write):
    from pathlib import Path

    examples = Path(__file__).parent.parent / "profiles"
    good = run("lint", examples / "ex-09-other-minimal.yaml")
    assert good.exit_code == 0, good.output
    assert "grade" in good.output and "1 checked, 1 passed, 0 failed" in good.output
    bad = run("lint", write("bad.yaml", "schema_version: 1\n"))
    assert bad.exit_code == 1
    assert "patient: this field is required but missing" in bad.output


def test_help_examples_name_files_that_exist():
    import re
    from pathlib import Path

    root = Path(__file__).parent.parent
    for command in ("build", "batch", "validate", "explain", "lint"):
        for named in re.findall(r"((?:profiles|templates)/[\w./-]+\.ya?ml)", run(command, "--help").output):
            assert (root / named).is_file(), f"{command} --help names {named}"


def test_a_treatment_date_already_past_is_dropped_with_a_located_warning(tmp_path):
    """A packet dated after the treatment date never says "before <a day gone>"; the build says where."""
    source = Path(__file__).parent.parent / "profiles" / "ex-01-melanoma-primary-care.yaml"
    result = run("build", source, "-o", tmp_path, "--format", "html", "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert (f"{source}:29:17: treatment_plan.planned_date: warning: the treatment date 2026-12-03 is before the "
            "packet's date 2026-12-07: the packet gives no treatment date") in result.output
    html = (tmp_path / "ex-01-melanoma-primary-care.html").read_text(encoding="utf-8")
    assert "December 3" not in html and "Before December" not in html
    earlier = run("build", source, "-o", tmp_path, "--format", "html", "--date", "2026-11-25")
    assert "planned_date: warning" not in earlier.output
    assert "December 3, 2026" in (tmp_path / "ex-01-melanoma-primary-care.html").read_text(encoding="utf-8")
