"""Issue 21: what batch and build write: DocumentReference ids and stale records, odd files where the
build record or lock should be, no lock file left, and the unchanged batch that reads no profile."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_packets import batch as batch_module
from sop_packets import incremental
from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions
from sop_packets.cli import cli
from sop_packets.fhir_document import document_id
from sop_packets.incremental import MANIFEST_NAME
from sop_packets.output import LOCK_NAME
from sop_packets.schema import PATIENT_ID_PATTERN

DAY = "2026-11-20"


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


# ---------------------------------------------------------------- DocumentReference ids


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.from_regex(PATIENT_ID_PATTERN, fullmatch=True), min_size=2, max_size=6, unique=True))
def test_document_ids_never_collide_and_never_hold_the_patient_id(ids):
    made = [document_id(patient_id) for patient_id in ids]
    assert len(set(made)) == len(made)
    for patient_id, doc_id in zip(ids, made, strict=True):
        assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", doc_id)  # a valid FHIR id
        assert len(patient_id) < 4 or patient_id.lower() not in doc_id.lower()


@pytest.mark.parametrize(("a", "b"), [("a_1", "a-1"), ("x" * 64, "x" * 63 + "y"), ("MRN.1", "MRN-1")])
def test_ids_that_used_to_collide_differ(a, b):
    assert document_id(a) != document_id(b) and document_id(a) == document_id(a)


def test_batch_without_fhir_removes_the_stale_document_reference(minimal, tmp_path):
    folder = minimal("in/a.yaml", id="a").parent
    minimal("in/b.yaml", id="b", patient_name="Bea Moss")
    out = tmp_path / "out"
    args = ("batch", folder, "-o", out, "--format", "html", "--jobs", "1", "--date", DAY)
    assert run(*args, "--fhir").exit_code == 0
    assert (out / "a.documentreference.json").is_file()
    (folder / "a.yaml").write_text((folder / "a.yaml").read_text().replace("age: 58", "age: 59"))
    result = run(*args)  # `make packets`: no --fhir
    assert result.exit_code == 0, result.output
    assert not (out / "a.documentreference.json").exists() and not (out / "b.documentreference.json").exists()
    assert f"removed {(out / 'a.documentreference.json').resolve()}: it described the packet before" in \
        result.output


def test_two_profiles_with_one_fhir_id_get_a_warning(minimal, tmp_path):
    folder = minimal("in/a.yaml", id="a", extra="").parent
    for name in ("a", "b"):
        path = minimal(f"in/{name}.yaml", id=name)
        path.write_text(path.read_text().replace("  age: 58\n", "  age: 58\n  fhir_id: pt-9\n"))
    minimal("in/c.yaml", id="c")
    out = tmp_path / "out"
    result = run("batch", folder, "-o", out, "--format", "html", "--jobs", "1", "--date", DAY, "--fhir")
    assert result.exit_code == 0
    assert (f"warning: {folder / 'a.yaml'}, {folder / 'b.yaml'} all have patient.fhir_id 'pt-9'"
            in result.output)
    again = run("batch", folder, "-o", out, "--format", "html", "--jobs", "1", "--date", DAY, "--fhir")
    assert "0 built, 3 unchanged" in again.output and "all have patient.fhir_id 'pt-9'" in again.output


# ---------------------------------------------------------------- odd files where a file should be


@pytest.mark.parametrize("name", [MANIFEST_NAME, LOCK_NAME])
def test_a_folder_where_the_build_record_or_lock_goes_is_one_clear_error(minimal, tmp_path, name):
    out = tmp_path / "out"
    (out / name).mkdir(parents=True)
    for command in (("batch", minimal().parent), ("build", minimal())):
        result = run(*command, "-o", out, "--format", "html", "--date", DAY)
        if command[0] == "build" and name == MANIFEST_NAME:
            assert result.exit_code == 0  # build does not use the record
            continue
        assert result.exit_code == 1
        assert f"{out / name} should be" in result.output and "but it is a folder" in result.output


def test_a_pipe_where_the_lock_goes_does_not_hang(minimal, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / LOCK_NAME)
    result = run("build", minimal(), "-o", out, "--format", "html", "--date", DAY)
    assert result.exit_code == 1 and "but it is a pipe, socket or device" in result.output


def test_build_and_batch_leave_no_lock_file(minimal, tmp_path):
    out = tmp_path / "out"
    assert run("build", minimal(), "-o", out, "--format", "html", "--date", DAY).exit_code == 0
    assert run("batch", minimal().parent, "-o", out, "--format", "html", "--date", DAY, "--jobs", "1").exit_code == 0
    assert not (out / LOCK_NAME).exists()


# ---------------------------------------------------------------- unchanged batch: stat before hashing


def test_an_unchanged_profile_is_not_read_and_an_edited_one_is(minimal, tmp_path, monkeypatch):
    folder = minimal("in/a.yaml", id="a").parent
    minimal("in/b.yaml", id="b")
    old = time.time() - 3600
    for path in folder.iterdir():
        os.utime(path, (old, old))
    monkeypatch.setattr(incremental, "RACY_SECONDS", 0)  # the files' ctime is now: trust it at once
    out = tmp_path / "out"
    options = BuildOptions(out_dir=out, format="html", prepared_on=None)
    assert run_batch([folder], options, jobs=1).count("built") == 2
    read: list[Path] = []
    real = batch_module.read_bytes
    monkeypatch.setattr(batch_module, "read_bytes", lambda path, *a: read.append(Path(path)) or real(path, *a))
    assert run_batch([folder], options, jobs=1).count("unchanged") == 2
    assert read == []  # nothing read, nothing hashed
    text = (folder / "a.yaml").read_text()
    (folder / "a.yaml").write_text(text.replace("age: 58", "age: 57"))  # same size, new content
    os.utime(folder / "a.yaml", (old, old + 1))
    report = run_batch([folder], options, jobs=1)
    assert report.count("built") == 1 and report.count("unchanged") == 1
    record = [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()[1:]]
    assert all(len(entry["e"]["source"]) == 5 for entry in record)


def test_a_profile_changed_within_the_racy_window_is_always_hashed(minimal, tmp_path, monkeypatch):
    folder = minimal("in/a.yaml", id="a").parent
    out = tmp_path / "out"
    options = BuildOptions(out_dir=out, format="html", prepared_on=None)
    run_batch([folder], options, jobs=1)
    record = json.loads((out / MANIFEST_NAME).read_text().splitlines()[1])
    assert "source" not in record["e"]  # written seconds ago: its stat is not trusted
