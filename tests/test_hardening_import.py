"""Issue 21: import writing (locks, exclusive create, id collisions, permissions, killed imports) and CSV
input (bounded work, odd cells, mapping files, terminal-safe messages). Real processes where the attack
is about processes."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_packets.cli import cli
from sop_packets.errors import BuildError, InvalidInput
from sop_packets.importers import Draft, write_profiles
from sop_packets.importers.csv_import import MAX_COLUMNS, MAX_FIELD_CHARS, load_mapping
from sop_packets.output import LOCK_NAME
from sop_packets.profile import load_profile

HEADER = "patient.id,patient.name,patient.age,diagnosis.cancer_type,diagnosis.diagnosed_by"
ROOT = Path(__file__).parent.parent


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def csv_file(tmp_path: Path, rows: list[str], name: str = "p.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def draft(patient_id: str, name: str, key: str = "", born: str | None = None) -> Draft:
    made = Draft(patient_id, source_key=key)
    made.set("patient.id", patient_id, "test")
    made.set("patient.name", name, "test")
    made.set("patient.age", 50, "test") if born is None else made.set("patient.date_of_birth", born, "test")
    made.set("diagnosis.cancer_type", "melanoma", "test")
    made.set("diagnosis.diagnosed_by", "dermatologist", "test")
    return made


# ---------------------------------------------------------------- one import at a time, exclusive create


def test_a_second_import_into_a_busy_folder_is_refused_and_writes_nothing(tmp_path):
    out = tmp_path / "profiles"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import time; from pathlib import Path; from sop_packets.output import folder_lock\n"
        f"with folder_lock(Path({str(out)!r})):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run("import", "csv", csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist"]), "-o", out)
        assert result.exit_code == 1
        assert f"another import (or a save in sop-packets serve) is writing to {out}; wait for it to finish" in result.output
        assert not (out / "a.yaml").exists()
    finally:
        holder.kill()
        holder.wait()
    result = run("import", "csv", csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist"]), "-o", out)
    assert result.exit_code == 0 and (out / "a.yaml").is_file()
    assert not (out / LOCK_NAME).exists()  # no lock file left behind


def test_two_imports_at_once_never_both_write_one_profile(tmp_path):
    out = tmp_path / "profiles"
    rows = {who: [f"p{i},{who} {i},50,melanoma,dermatologist" for i in range(40)] for who in ("Ann", "Bob")}
    files = {who: csv_file(tmp_path, lines, f"{who}.csv") for who, lines in rows.items()}
    command = [sys.executable, "-m", "sop_packets", "import", "csv"]
    processes = [subprocess.Popen([*command, str(files[who]), "-o", str(out)], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for who in files]
    outputs = [process.communicate(timeout=120) for process in processes]
    written = [{line.split()[-1] for line in stdout.splitlines() if line.startswith("wrote ")}
               for stdout, _ in outputs]
    assert not written[0] & written[1], "two imports both reported writing the same profile"
    for (_stdout, stderr), process in zip(outputs, processes, strict=True):
        assert "Traceback" not in stderr
        assert process.returncode == 0 or "another import (or a save in sop-packets serve) is writing" in stderr \
            or "exists and differs" in stderr
    for number in range(40):  # every profile is one import's complete file
        profile = load_profile(out / f"p{number}.yaml")
        assert profile.patient.name in (f"Ann {number}", f"Bob {number}")


def test_a_new_profile_is_created_exclusively(tmp_path, monkeypatch):
    """A file that appears between the check and the write (another process) is never replaced."""
    out = tmp_path / "profiles"
    out.mkdir()
    import sop_packets.importers as importers

    real = importers.create_exclusive

    def racing(path, data, mode=0o600):
        path.write_text("written by someone else meanwhile\n")
        return real(path, data, mode)

    monkeypatch.setattr(importers, "create_exclusive", racing)
    result = write_profiles([draft("a", "Ann")], out)
    assert result.written == [] and "another process created this file meanwhile" in result.refused[0]
    assert (out / "a.yaml").read_text() == "written by someone else meanwhile\n"


# ---------------------------------------------------------------- never another patient's file


def test_ids_that_become_one_file_name_never_replace_each_other(tmp_path):
    out = tmp_path / "profiles"
    first = write_profiles([draft("12-34", "Ann Lee", key="12/34")], out)
    assert first.written == [out / "12-34.yaml"]
    second = write_profiles([draft("12-34", "Bob Ray", key="12-34")], out, force=True)
    assert second.written == [] and "holds a different patient (it was imported from another record)" in \
        second.refused[0]
    assert load_profile(out / "12-34.yaml").patient.name == "Ann Lee"
    same = write_profiles([draft("12-34", "Ann B. Lee", key="12/34")], out, force=True)  # the same record
    assert same.written == [out / "12-34.yaml"]


def test_two_patients_with_one_file_name_in_one_import_are_both_refused(tmp_path):
    out = tmp_path / "profiles"
    result = write_profiles([draft("12-34", "Ann", key="12/34"), draft("12-34", "Bob", key="12-34")], out)
    assert result.written == [] and "2 different patients would get this one file name" in result.refused[0]
    assert not (out / "12-34.yaml").exists()


def test_force_never_replaces_a_hand_written_profile_of_someone_else(tmp_path):
    out = tmp_path / "profiles"
    out.mkdir()
    (out / "a.yaml").write_text("schema_version: 1\npatient:\n  id: a\n  name: Carla Diaz\n  "
                                "date_of_birth: 1960-01-02\ndiagnosis:\n  cancer_type: melanoma\n  "
                                "diagnosed_by: dermatologist\n")
    other = write_profiles([draft("a", "Dan Fox", born="1970-05-06")], out, force=True)
    assert other.written == [] and "holds a different patient (another name)" in other.refused[0]
    same = write_profiles([draft("a", "carla  DIAZ", born="1960-01-02")], out, force=True)
    assert same.written == [out / "a.yaml"]


def test_no_second_file_for_an_id_a_hand_written_profile_already_has(tmp_path):
    out = tmp_path / "profiles"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "clinic-p1.yaml").write_text("schema_version: 1\npatient:\n  id: p1\n  name: Eve\n  age: 40\n"
                                                "diagnosis:\n  cancer_type: melanoma\n  diagnosed_by: other\n")
    (out / "mentions.yaml").write_text("# id: p1 in a comment only\nschema_version: 1\n")
    result = run("import", "csv", csv_file(tmp_path, ["p1,Eve,40,melanoma,dermatologist"]), "-o", out)
    assert result.exit_code == 1
    assert f"{out / 'sub' / 'clinic-p1.yaml'} already holds patient.id 'p1'" in result.output
    assert not (out / "p1.yaml").exists()
    assert run("validate", out).exit_code == 2  # mentions.yaml is not a profile; clinic-p1 stays alone


# ---------------------------------------------------------------- privacy and leftovers


def test_the_profiles_folder_is_private_and_files_are_0600(tmp_path):
    out = tmp_path / "new" / "profiles"
    old = os.umask(0o022)
    try:
        assert run("import", "csv", csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist"]), "-o", out).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE((out / "a.yaml").stat().st_mode) == 0o600


def test_a_killed_import_leaves_no_part_file_after_the_next_run(tmp_path):
    out = tmp_path / "profiles"
    script = (
        "import os, time, sys\n"
        "from pathlib import Path\n"
        "import sop_packets.output as output\n"
        "def stuck(*a, **k):\n    print('writing', flush=True); time.sleep(60)\n"
        "output.os.link = stuck\n"
        "from sop_packets.cli import main\n"
        f"sys.argv = ['sop-packets', 'import', 'csv', {str(csv_file(tmp_path, ['a,Ann,50,melanoma,dermatologist']))!r},"
        f" '-o', {str(out)!r}]\n"
        "main()\n")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        assert list(out.glob(".*.part")), "the import should be part-way through writing"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert not (out / "a.yaml").exists()
    result = run("import", "csv", csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist"]), "-o", out)
    assert result.exit_code == 0 and "note: a run (process" not in result.output
    assert list(out.glob(".*.part")) == [] and not (out / LOCK_NAME).exists()
    assert load_profile(out / "a.yaml").patient.name == "Ann"


def test_a_pipe_or_folder_where_a_profile_goes_is_refused_without_hanging(tmp_path):
    out = tmp_path / "profiles"
    out.mkdir()
    os.mkfifo(out / "a.yaml")
    (out / "b.yaml").mkdir()
    rows = ["a,Ann,50,melanoma,dermatologist", "b,Bob,50,melanoma,dermatologist"]
    finished = []
    worker = threading.Thread(target=lambda: finished.append(
        run("import", "csv", csv_file(tmp_path, rows), "-o", out)), daemon=True)
    worker.start()
    worker.join(60)
    assert finished, "the import hung on a pipe"
    result = finished[0]
    assert result.exit_code == 1
    assert f"{out / 'a.yaml'} should be a profile, but it is a pipe, socket or device" in result.output
    assert f"{out / 'b.yaml'} should be a profile, but it is a folder" in result.output


def test_a_file_where_the_profiles_folder_goes_is_one_clear_error(tmp_path):
    (tmp_path / "profiles").write_text("not a folder")
    result = run("import", "csv", csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist"]), "-o",
                 tmp_path / "profiles")
    assert result.exit_code == 2 and "is a file" in result.output  # click says so first
    with pytest.raises(BuildError, match="is not a folder; name a folder for the profiles"):
        write_profiles([draft("a", "Ann")], tmp_path / "profiles")


# ---------------------------------------------------------------- CSV cells and headers


@pytest.mark.parametrize("version", ["²", "1" * 5001, "\u0661", "1.0", "-1"])
def test_odd_schema_version_cells_are_row_errors(tmp_path, version):
    path = csv_file(tmp_path, [f"a,Ann,50,melanoma,dermatologist,{version}"], header=HEADER + ",schema_version")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1 and f"{path}:2:6 (schema_version): " in result.output
    assert "is not allowed; use one of: 1" in result.output


MAPS = [
    "columns: [a, b]\n", "columns:\n  Name: [patient.name]\n", "columns:\n  Name: {a: b}\n",
    "columns:\n  Name: 5\n", "columns:\n  Name: patient.name\nvalues: [x]\n",
    "columns:\n  Name: patient.name\nvalues:\n  Name: [a, b]\n",
    "columns:\n  Name: patient.name\nvalues:\n  Name:\n    a: [b]\n", "columns:\n  ? [a]\n  : patient.name\n",
    "columns:\n  Name: patient.nmae\nextra: 1\n", "- just a list\n", "columns: {Name: patient.name, Name: x}\n",
]


@pytest.mark.parametrize("text", MAPS)
def test_malformed_map_files_are_located_errors(tmp_path, text):
    path = tmp_path / "map.yaml"
    path.write_text(text)
    result = run("import", "csv", csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist"]), "--map", path,
                 "-o", tmp_path / "out")
    assert result.exit_code == 2 and f"{path}:" in result.output


@settings(max_examples=1000, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                max_size=3), max_leaves=12))
def test_any_map_file_shape_is_a_mapping_or_located_errors(tmp_path_factory, data):
    import yaml

    path = tmp_path_factory.mktemp("map") / "map.yaml"
    for shape in ({"columns": data}, {"columns": {"Name": data}}, {"columns": {"N": "patient.name"},
                                                                   "values": data}):
        path.write_text(yaml.safe_dump(shape))
        try:
            load_mapping(path)
        except InvalidInput as exc:
            assert all(str(problem).startswith(f"{path}:") for problem in exc.problems)


def test_a_64_kib_header_and_a_300000_column_header_are_refused_plainly(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("x" * 65536 + "\n")
    result = run("import", "csv", long, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "the header row is longer than 32 KiB" in result.output
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join("c" for _ in range(300_000)) + "\n")
    result = run("import", "csv", wide, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "the header row is longer than 32 KiB" in result.output
    wide.write_text(",".join("c" for _ in range(MAX_COLUMNS + 1)) + "\n")
    result = run("import", "csv", wide, "-o", tmp_path / "out")
    assert result.exit_code == 2 and f"a CSV may have at most {MAX_COLUMNS} columns" in result.output
    cell = csv_file(tmp_path, ["a," + "x" * (MAX_FIELD_CHARS + 1) + ",50,melanoma,dermatologist"], "cell.csv")
    result = run("import", "csv", cell, "-o", tmp_path / "out")
    assert result.exit_code == 2 and f"holds more than {MAX_FIELD_CHARS:,} characters" in result.output


def test_many_unknown_columns_are_listed_fifty_and_counted(tmp_path):
    path = csv_file(tmp_path, [], header=",".join(f"col{i}" for i in range(400)))
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "... and 350 more unknown columns" in result.output


def test_an_out_of_range_size_is_a_warning_the_patient_is_still_written_and_the_exit_is_1(tmp_path):
    path = csv_file(tmp_path, ["a,Ann,50,melanoma,dermatologist,5000", "b,Bob,50,melanoma,dermatologist,12"],
                    header=HEADER + ",diagnosis.size_mm")
    out = tmp_path / "out"
    result = run("import", "csv", path, "-o", out)
    assert result.exit_code == 1, result.output  # written, but a value needs a person: the documented 1
    assert (f"warning: {path}:2:6 (diagnosis.size_mm): must be more than 0 and at most 1000 (millimetres), "
            "not '5000'; left out of the profile (fill it in by hand)") in result.output
    assert load_profile(out / "a.yaml").diagnosis.size_mm is None
    assert "size_mm" not in (out / "a.yaml").read_text()
    assert load_profile(out / "b.yaml").diagnosis.size_mm == 12
    assert "2 written, 0 unchanged, 0 failed, 2 rows, 1 warnings" in result.output


def test_an_out_of_range_age_the_profile_needs_stays_an_error(tmp_path):
    result = run("import", "csv", csv_file(tmp_path, ["a,Ann,200,melanoma,dermatologist"]), "-o", tmp_path / "o")
    assert result.exit_code == 1 and "(patient.age): must be between 0 and 120 (years), not '200'" in result.output


HOSTILE = ["\x1b[31mred\x1b[0m", "\u202eevil", "x\ny.csv:9:9 (patient.name): forged", "\x07bell", "\u2028line"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_codes_and_line_breaks_in_csv_text_never_reach_the_terminal_raw(tmp_path, text):
    quoted = '"' + text.replace('"', '""') + '"'
    for header, row in ((HEADER + "," + quoted, "a,Ann,50,melanoma,dermatologist,1"),
                        (HEADER, f"a,{quoted},50,melanom,dermatologist")):
        path = tmp_path / "h.csv"
        path.write_text(header + "\n" + row + "\n", encoding="utf-8")
        result = run("import", "csv", path, "-o", tmp_path / "out")
        assert result.exit_code in (1, 2)
        for bad in ("\x1b", "\u202e", "\x07", "\u2028"):
            assert bad not in result.output
        for line in result.output.splitlines():  # every line is one message, none forged
            assert line.startswith((str(path), "warning: ", "0 written")), line
