"""Bulk builds: incremental, reproducible, sharded, reported, and safe under crashes and kills."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from sop_packets import batch as batch_module
from sop_packets.batch import Shard, collect_profiles, run_batch
from sop_packets.build import BuildOptions
from sop_packets.cli import cli
from sop_packets.incremental import MANIFEST_NAME, build_stamp
from sop_packets.visible import all_body_text

EXAMPLES = Path(__file__).parent.parent / "profiles"
DAY = "2026-11-25"


def batch(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["batch", *[str(a) for a in args]])
    return result.exit_code, result.output


def test_unchanged_profiles_are_not_rebuilt(folder, tmp_path):
    out = tmp_path / "out"
    args = (folder, "-o", out, "--format", "html", "--date", DAY, "--jobs", "1")
    assert "3 built, 0 unchanged, 0 failed" in batch(*args)[1]
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")}
    assert "0 built, 3 unchanged, 0 failed" in batch(*args)[1]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")} == first

    edited = folder / "ex-09-other-minimal.yaml"
    edited.write_text(edited.read_text().replace("Beatrix Hollowell", "Beatrix Hollowell-Grant"))
    code, output = batch(*args)
    assert code == 0 and "1 built, 2 unchanged, 0 failed" in output
    assert "Beatrix Hollowell-Grant" in (out / "ex-09-other-minimal.html").read_text()

    (out / "ex-02-bcc-nose-reconstruction.html").unlink()  # a lost output is rebuilt
    assert "1 built, 2 unchanged" in batch(*args)[1]
    assert "3 built, 0 unchanged" in batch(*args, "--force")[1]


@pytest.mark.parametrize("change", [("--date", "2026-12-01"), ("--large-print",), ("--format", "both")])
def test_changed_options_rebuild_everything(folder, tmp_path, change):
    out = tmp_path / "out"
    base = (folder, "-o", out, "--date", DAY, "--jobs", "1")
    batch(*base, "--format", "html")
    args = [*base, *change] if "--format" in change else [*base, "--format", "html", *change]
    assert "3 built, 0 unchanged" in batch(*args)[1]


def test_changed_clinic_rebuilds_everything(folder, tmp_path):
    from sop_packets.clinic import default_clinic_path

    clinic = tmp_path / "clinic"
    shutil.copytree(default_clinic_path().parent, clinic)
    out = tmp_path / "out"
    args = (folder, "-o", out, "--format", "html", "--date", DAY, "--jobs", "1", "--clinic", clinic / "clinic.yaml")
    batch(*args)
    (clinic / "clinic.yaml").write_text((clinic / "clinic.yaml").read_text().replace("(555) 010-2000", "(555) 010-2999"))
    from sop_packets.build import branding

    branding.cache_clear()
    assert "3 built, 0 unchanged" in batch(*args)[1]


def test_stamp_changes_with_any_template_or_content_file(tmp_path, monkeypatch):
    from sop_packets import content, incremental

    copy = tmp_path / "templates"
    shutil.copytree(content.template_dir(), copy)
    monkeypatch.setattr(incremental, "template_dir", lambda: copy)
    options = BuildOptions(out_dir=tmp_path)
    before = build_stamp(options)
    assert build_stamp(options) == before
    words = copy / "content" / "en" / "words.yaml"
    words.write_text(words.read_text() + "\n# a clinician's edit\n")
    assert build_stamp(options) != before


def test_damaged_manifest_means_rebuild_not_crash(folder, tmp_path):
    out = tmp_path / "out"
    args = (folder, "-o", out, "--format", "html", "--date", DAY, "--jobs", "1")
    batch(*args)
    (out / MANIFEST_NAME).write_text("{not json")
    code, output = batch(*args)
    assert code == 0 and "3 built, 0 unchanged" in output


def test_same_inputs_give_byte_identical_html_and_pdf(tmp_path, monkeypatch):
    profile = EXAMPLES / "ex-10-child-atypical-melanocytic.yaml"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795564800")  # 2026-11-25
    for name in ("one", "two"):
        assert batch(profile, "-o", tmp_path / name, "--jobs", "1")[0] == 0
    for suffix in (".html", ".pdf"):
        one = (tmp_path / "one" / f"ex-10-child-atypical-melanocytic{suffix}").read_bytes()
        two = (tmp_path / "two" / f"ex-10-child-atypical-melanocytic{suffix}").read_bytes()
        assert one == two, suffix
    html = (tmp_path / "one" / "ex-10-child-atypical-melanocytic.html").read_text()
    assert "Prepared on November 25, 2026" in " ".join(all_body_text(html).split())  # the date is one no-break span
    info = PdfReader(tmp_path / "one" / "ex-10-child-atypical-melanocytic.pdf").metadata
    assert info["/CreationDate"] == "D:20261125000000Z"


def test_shards_are_disjoint_and_cover_everything():
    everything, _ = collect_profiles([EXAMPLES])
    parts = [collect_profiles([EXAMPLES], Shard(k, 3))[0] for k in (1, 2, 3)]
    assert sorted(p for part in parts for p in part) == sorted(everything)
    assert sum(len(part) for part in parts) == len(everything)
    assert collect_profiles([EXAMPLES], Shard(2, 3))[0] == parts[1]  # deterministic


@pytest.mark.parametrize("bad", ["0/3", "4/3", "x", "1/0"])
def test_bad_shard_is_a_usage_error(bad, tmp_path):
    code, output = batch(EXAMPLES, "-o", tmp_path, "--shard", bad)
    assert code == 2 and "--shard" in output


def test_report_has_one_json_line_per_profile(folder, tmp_path):
    (folder / "broken.yaml").write_text("schema_version: 1\n")
    report = tmp_path / "report.jsonl"
    code, output = batch(folder, "-o", tmp_path / "out", "--format", "html", "--jobs", "1", "--report", report)
    assert code == 1 and "3 built, 0 unchanged, 1 failed" in output
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert len(lines) == 4
    assert {line["status"] for line in lines} == {"built", "failed"}
    built = next(line for line in lines if line["status"] == "built")
    assert set(built) == {"source", "patient_id", "status", "outputs", "error", "seconds", "worker_pid",
                          "worker_rss_kb"}
    assert built["outputs"][0].endswith(".html") and built["seconds"] > 0 and built["worker_rss_kb"] > 0
    failed = next(line for line in lines if line["status"] == "failed")
    assert "broken.yaml:1:1" in failed["error"]


def test_unchanged_profiles_are_reported_in_order_with_their_paths(folder, tmp_path):
    """An unchanged profile's result is made from the build record's strings (its Paths only when read):
    the --report line, the order and the paths are those of a built one."""
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    args = (folder, "-o", out, "--format", "html", "--date", DAY, "--jobs", "1", "--report", report)
    batch(*args)
    built = [json.loads(line) for line in report.read_text().splitlines()]
    assert "0 built, 3 unchanged" in batch(*args)[1]
    again = [json.loads(line) for line in report.read_text().splitlines()]
    assert [line["status"] for line in again] == ["unchanged"] * 3
    assert [(line["source"], line["outputs"], line["patient_id"]) for line in again] == [
        (line["source"], line["outputs"], line["patient_id"]) for line in built]
    options = BuildOptions(out_dir=out, format="html", prepared_on=date.fromisoformat(DAY))
    items = run_batch([folder], options, jobs=1).items
    assert [item.status for item in items] == ["unchanged"] * 3
    assert [item.source for item in items] == sorted(folder.glob("*.yaml"))
    assert all(isinstance(p, Path) and p.parent == out.resolve() for item in items for p in item.outputs)


def test_outputs_are_private_unless_group_access_is_asked_for(folder, tmp_path):
    batch(folder, "-o", tmp_path / "private", "--format", "html", "--jobs", "1")
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "private").glob("*.html")} == {0o600}
    batch(folder, "-o", tmp_path / "group", "--format", "html", "--jobs", "1", "--group-readable")
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "group").glob("*.html")} == {0o640}


def test_unwritable_output_folder_is_one_clear_error(folder, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, output = batch(folder, "-o", blocker / "out", "--format", "html")
    assert code == 1
    assert f"the output folder {blocker / 'out'} cannot be written: Not a directory" in output
    assert "Traceback" not in output


def test_stale_temporary_files_are_cleaned_up(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".ex-09-other-minimal.pdf.pid999999999.abc123.part").write_bytes(b"%PDF-half")  # writer gone
    old = out / ".ex-02.pdf.abc123.part"  # no writer named, untouched for an hour
    old.write_bytes(b"%PDF-half")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    live = out / f".ex-07.pdf.pid{os.getpid()}.abc123.part"  # a writer still running keeps its file
    live.write_bytes(b"%PDF-half")
    batch(folder, "-o", out, "--format", "html", "--jobs", "1")
    assert [p.name for p in out.glob(".*.part")] == [live.name]


def test_a_second_batch_on_the_same_folder_is_refused(folder, tmp_path):
    from sop_packets.output import folder_lock

    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        code, output = batch(folder, "-o", out, "--format", "html")
    assert code == 1 and f"another batch is already writing to {out}" in output


def test_one_file_named_twice_is_built_once(folder, tmp_path):
    same = folder / "ex-09-other-minimal.yaml"
    code, output = batch(folder, same.resolve(), "-o", tmp_path / "out", "--format", "html", "--jobs", "1")
    assert code == 0 and "3 built, 0 unchanged, 0 failed, 3 profiles" in output


def test_a_crashing_worker_is_reported_and_the_rest_are_built(folder, tmp_path, monkeypatch):
    real = batch_module.build_profile

    def crash_on_bcc(profile, source, options):
        if "bcc" in profile.patient.id:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(profile, source, options)

    monkeypatch.setattr(batch_module, "build_profile", crash_on_bcc)  # workers are forked: they see it
    report = run_batch([folder], BuildOptions(out_dir=tmp_path / "out", format="html"), jobs=2)
    assert [i.status for i in report.items] == ["failed", "built", "built"]
    assert "the worker building this packet crashed" in report.items[0].error
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == [
        "ex-07-skin-lymphoma-telemedicine.html", "ex-09-other-minimal.html"]


def test_progress_bar_on_a_terminal_and_plain_lines_otherwise(folder, tmp_path):
    code, plain = batch(folder, "-o", tmp_path / "a", "--format", "html", "--jobs", "1")
    assert code == 0 and "building 3 packets" in plain and "[3/3] built" in plain
    code, bar = batch(folder, "-o", tmp_path / "b", "--format", "html", "--jobs", "1", "--progress")
    assert code == 0 and "packets/s" in bar and "ETA" in bar and "[##############################] 3/3" in bar


KILLED = ("ex-01-melanoma-primary-care", "ex-02-bcc-nose-reconstruction", "ex-04-melanoma-stage-iv-urgent",
          "ex-07-skin-lymphoma-telemedicine", "ex-09-other-minimal", "ex-16-bcc-small-trunk")


def _wait_for_new_pdfs(out: Path, since: int, count: int, process) -> None:
    """Until count PDFs were replaced after since (ns), or the run ended."""
    while process.poll() is None:
        if sum(p.stat().st_mtime_ns > since for p in out.glob("*.pdf")) >= count:
            return
        time.sleep(0.02)


def test_killed_batch_leaves_only_complete_pdfs(tmp_path):
    """SIGKILL a running batch while it writes (after its first, second and third new PDF): every PDF is
    the old or the new complete file. Six profiles: the check is about writing, not about content."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for name in KILLED:
        shutil.copy(EXAMPLES / f"{name}.yaml", profiles)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sop_packets", "batch", str(profiles), "-o", str(out), "--format", "pdf",
               "--jobs", "2", "--no-progress"]
    subprocess.run([*command, "--date", "2026-01-01"], check=True, capture_output=True)
    old = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert len(old) == len(KILLED)
    killed_while_running = 0
    for count in (1, 2, 3):
        started = time.time_ns()
        process = subprocess.Popen([*command, "--date", "2026-11-25", "--force"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_for_new_pdfs(out, started, count, process)
        killed_while_running += process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for pdf in out.glob("*.pdf"):
            data = pdf.read_bytes()
            assert data.endswith(b"%%EOF\n") or data.rstrip().endswith(b"%%EOF"), pdf.name
            assert len(PdfReader(pdf).pages) > 5, pdf.name
        assert {p.name for p in out.glob("*.pdf")} == set(old)
    assert killed_while_running == 3  # each kill came while the batch was writing
    finished = subprocess.run([*command, "--date", "2026-11-25"], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert not list(out.glob(".*.part"))
    assert all(p.read_bytes() != old[p.name] for p in out.glob("*.pdf"))


def test_workers_are_replaced_so_memory_stays_flat(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "RECYCLE_AFTER", 1)
    report = run_batch([folder], BuildOptions(out_dir=tmp_path / "out", format="html"), jobs=2)
    assert [item.status for item in report.items] == ["built"] * 3
    first_pool = {item.worker_pid for item in report.items[:2]}
    assert report.items[2].worker_pid not in first_pool


def test_copied_output_folder_is_rebuilt_into_the_new_folder(folder, tmp_path):
    args = (folder, "--format", "html", "--date", DAY, "--jobs", "1")
    batch(*args, "-o", tmp_path / "one")
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    shutil.rmtree(tmp_path / "one")
    assert "3 built, 0 unchanged" in batch(*args, "-o", tmp_path / "two")[1]


def test_bad_source_date_epoch_is_a_clear_error(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999")
    code, output = batch(folder, "-o", tmp_path / "out", "--format", "html")
    assert code == 1 and "SOURCE_DATE_EPOCH='99999999999999' is not a time in seconds since 1970" in output
    assert "Traceback" not in output
