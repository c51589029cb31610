"""Faults and scale for batch and build (issue 10): killed runs, links, locks, privacy, the manifest."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from sop_packets import batch as batch_module
from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions
from sop_packets.cli import cli
from sop_packets.incremental import MANIFEST_NAME, Entry, Manifest
from sop_packets.output import LOCK_NAME, folder_lock

EXAMPLES = Path(__file__).parent.parent / "profiles"
DAY = "2026-11-25"


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def html_args(folder, out):
    return ("batch", folder, "-o", out, "--format", "html", "--date", DAY, "--jobs", "1")


# ---------------------------------------------------------------- 1: killed batches, workers, the lock


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _state(pid: int) -> str:
    """A process's state letter (Z for a zombie), or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:  # it has just ended
        return ""


def _gone(pids: set[int], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = {pid for pid in pids if _state(pid) not in ("", "Z")}
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_only_the_batch_process_stops_its_workers_and_frees_the_folder(tmp_path, how):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for path in sorted(EXAMPLES.glob("*.yaml"))[:6]:
        shutil.copy(path, profiles)
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out"
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "sop_packets", "batch", str(profiles), "-o", str(out), "--format", "pdf",
               "--jobs", "2", "--no-progress", "--date", DAY]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = {pid for pid in _children(process.pid) if "sop_packets" in _command_line(pid)}
        time.sleep(0.05)
    assert workers, "the batch started no workers"
    time.sleep(0.5)  # let them start on packets
    os.kill(process.pid, how)  # the main process only, not its group
    process.wait()
    try:
        assert _gone(workers), "workers outlived their batch"
    finally:
        for pid in workers:  # never leave orphans behind, even when the test fails
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert [p.name for p in temp.iterdir() if p.name.startswith("weasyprint-")] == []  # inside the run folder
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert "another batch is already writing" not in finished.stderr
    assert "0 failed, 6 profiles" in finished.stdout
    assert list(temp.iterdir()) == []  # the killed run's private folder was swept, this run's removed


def test_a_live_lock_in_another_process_is_never_taken_and_a_dead_one_is_recovered(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from sop_packets.output import folder_lock\n"
        f"with folder_lock(Path({str(out)!r})):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, output = run(*html_args(folder, out))
        assert code == 1 and f"another batch is already writing to {out}" in output
        code, output = run("build", folder / "ex-09-other-minimal.yaml", "-o", out, "--format", "html")
        assert code == 1 and "another batch is already writing" in output  # build honours the lock
    finally:
        holder.kill()
        holder.wait()
    code, output = run(*html_args(folder, out))
    assert code == 0 and f"a run (process {holder.pid}) that stopped without finishing had locked" in output
    assert not (out / LOCK_NAME).exists()  # the lock lives only while a writer runs


def test_lock_is_not_held_by_forked_children(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        pid = os.fork()
        if pid == 0:  # a child that outlives the parent's lock must not keep it
            time.sleep(3)
            os._exit(0)
    try:
        probe = subprocess.run([sys.executable, "-c", (
            "from pathlib import Path; from sop_packets.output import folder_lock\n"
            f"with folder_lock(Path({str(out)!r})): print('got it')")], capture_output=True, text=True)
        assert probe.stdout.strip() == "got it", probe.stderr
    finally:
        os.waitpid(pid, 0)


# ---------------------------------------------------------------- 2: links in the output folder


def test_a_link_between_two_patients_files_is_replaced_never_written_through(folder, tmp_path):
    out = tmp_path / "out"
    assert run(*html_args(folder, out))[0] == 0
    victim = out / "ex-09-other-minimal.html"
    before = victim.read_bytes()
    link = out / "ex-02-bcc-nose-reconstruction.html"
    link.unlink()
    link.symlink_to(victim.name)  # A.html -> B.html
    code, output = run(*html_args(folder, out))
    assert code == 0 and "1 built, 2 unchanged" in output  # the link is not a packet: rebuilt
    assert victim.read_bytes() == before
    assert not link.is_symlink() and "Beatrix Hollowell" not in link.read_text()
    outside = tmp_path / "outside.html"
    outside.write_text("keep me")
    (out / "ex-07-skin-lymphoma-telemedicine.html").unlink()
    (out / "ex-07-skin-lymphoma-telemedicine.html").symlink_to(outside)
    code, _ = run("build", folder / "ex-07-skin-lymphoma-telemedicine.yaml", "-o", out, "--format", "html")
    assert code == 0 and outside.read_text() == "keep me"
    assert not (out / "ex-07-skin-lymphoma-telemedicine.html").is_symlink()


def test_manifest_and_lock_that_are_links_are_not_followed(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("precious")
    (out / MANIFEST_NAME).symlink_to(elsewhere)
    code, output = run(*html_args(folder, out))
    assert code == 0 and "3 built" in output and elsewhere.read_text() == "precious"
    assert "warning: the build record" in output and not (out / MANIFEST_NAME).is_symlink()


# ---------------------------------------------------------------- 3: one profile's failure is its own


def test_an_unexpected_exception_is_one_clean_line_and_the_batch_goes_on(folder, tmp_path, monkeypatch):
    real = batch_module.build_profile

    def explode(profile, source, options):
        if "bcc" in profile.patient.id:
            raise RecursionError("maximum recursion depth exceeded in layout")
        return real(profile, source, options)

    monkeypatch.setattr(batch_module, "build_profile", explode)
    for jobs in ("1", "2"):
        code, output = run("batch", folder, "-o", tmp_path / f"out{jobs}", "--format", "html", "--jobs", jobs)
        assert code == 1 and "2 built, 0 unchanged, 1 failed" in output
        line = next(ln for ln in output.splitlines() if ln.startswith("FAILED"))
        assert line == (f"FAILED {folder / 'ex-02-bcc-nose-reconstruction.yaml'}: could not build this profile "
                        "(an unexpected RecursionError); the rest of the batch went on. Run with --debug for "
                        "details, and please report it")


def test_build_turns_an_unexpected_exception_into_one_line(minimal, tmp_path, monkeypatch):
    from sop_packets import build as build_module

    monkeypatch.setattr(build_module, "render_html", lambda packet, **_: 1 / 0)
    code, output = run("build", minimal(), "-o", tmp_path / "out", "--format", "html")
    assert code == 1 and output.strip().endswith(
        "could not build this packet (an unexpected ZeroDivisionError); run again with --debug for details, "
        "and please report it")
    result = CliRunner().invoke(cli, ["--debug", "build", str(minimal()), "-o", str(tmp_path / "o2")])
    assert isinstance(result.exception, ZeroDivisionError)  # --debug lets it through


def test_a_packet_that_takes_too_long_is_stopped(folder, tmp_path, monkeypatch):
    def stuck(profile, source, options):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(batch_module, "build_profile", stuck)
    options = BuildOptions(out_dir=tmp_path / "out", format="html", time_limit=0.5)
    report = run_batch([folder / "ex-09-other-minimal.yaml"], options, jobs=1)
    (item,) = report.items
    assert item.status == "failed" and "took longer than 0 s to make and was stopped" in item.error


@pytest.mark.parametrize("damage", ["deep", "huge", "fifo", "garbage", "old"])
def test_a_bad_manifest_means_a_rebuild_with_a_warning(folder, tmp_path, monkeypatch, damage):
    out = tmp_path / "out"
    assert run(*html_args(folder, out))[0] == 0
    manifest = out / MANIFEST_NAME
    manifest.unlink()
    if damage == "deep":
        manifest.write_text('{"sop_packets_manifest": 2}\n' + "[" * 200_000 + "\n{}\n")
    elif damage == "huge":
        monkeypatch.setattr("sop_packets.incremental.MAX_MANIFEST_BYTES", 1000)
        manifest.write_text('{"sop_packets_manifest": 2}\n' + " " * 2000 + "\n")
    elif damage == "fifo":
        os.mkfifo(manifest)
    elif damage == "garbage":
        manifest.write_bytes(b'{"sop_packets_manifest": 2}\n\xff\xfe{"k": 1}\n{}\n')
    else:
        manifest.write_text(json.dumps({"entries": {}}, indent=1))
    code, output = run(*html_args(folder, out))
    assert code == 0 and "3 built, 0 unchanged" in output
    assert f"warning: the build record {manifest}" in output and "every packet will be rebuilt" in output
    monkeypatch.undo()
    assert "0 built, 3 unchanged" in run(*html_args(folder, out))[1]  # and it is whole again


# ---------------------------------------------------------------- 9: build and the batch's record


def test_a_packet_written_by_build_is_rebuilt_by_the_next_batch(folder, tmp_path):
    out = tmp_path / "out"
    run(*html_args(folder, out))
    code, _ = run("build", folder / "ex-09-other-minimal.yaml", "-o", out, "--format", "html", "--large-print",
                  "--date", DAY)
    assert code == 0 and '<body class="large-print' in (out / "ex-09-other-minimal.html").read_text()
    code, output = run(*html_args(folder, out))
    assert "1 built, 2 unchanged" in output
    assert '<body class="large-print' not in (out / "ex-09-other-minimal.html").read_text()


# ---------------------------------------------------------------- 10: privacy


def test_build_makes_a_private_folder_and_a_private_lock(minimal, tmp_path):
    out = tmp_path / "new" / "out"
    assert run("build", minimal(), "-o", out, "--format", "html")[0] == 0
    assert out.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in out.iterdir()) == ["p-1.html"]  # no lock file left


def test_report_does_not_echo_invalid_values(folder, tmp_path):
    (folder / "bad.yaml").write_text("schema_version: 1\npatient:\n  id: bad\n  name: A\n"
                                     "  date_of_birth: 1979-13-45\n  country: ZZ\n"
                                     "diagnosis: {cancer_type: melanoma, diagnosed_by: other}\n")
    report = tmp_path / "report.jsonl"
    code, output = run(*html_args(folder, tmp_path / "out"), "--report", report)
    assert code == 1 and "'1979-13-45' cannot be read" in output  # the person at the screen sees it
    (failed,) = [json.loads(line) for line in report.read_text().splitlines()
                 if json.loads(line)["status"] == "failed"]
    assert "1979-13-45" not in failed["error"] and "ZZ" not in failed["error"]
    assert "patient.date_of_birth: (value not shown) cannot be read as a real date" in failed["error"]


def test_no_patient_name_in_any_title_or_metadata(minimal, tmp_path):
    path = minimal(patient_name="Rosalind Zebedee-Quill")
    assert run("build", path, "-o", tmp_path, "--date", DAY)[0] == 0
    html = (tmp_path / "p-1.html").read_text()
    head = html.split("</head>")[0]
    assert "Zebedee" not in head and "<title>Second-opinion guide · Riverbend Skin Health Center</title>" in head
    reader = PdfReader(tmp_path / "p-1.pdf")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    info = {key: str(value) for key, value in reader.metadata.items()}
    assert "Zebedee" not in xmp and not any("Zebedee" in value for value in info.values())
    outlines = json.dumps([str(item) for item in reader.outline], default=str)
    assert "Zebedee" not in outlines


# ---------------------------------------------------------------- the batch's inputs


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    code, output = run("batch", tmp_path / "empty", "-o", tmp_path / "out")
    assert code == 2 and f"no profiles found in {tmp_path / 'empty'}" in output
    code, output = run("validate", tmp_path / "empty")
    assert code == 2 and "no profiles found" in output


def test_a_profile_saved_under_another_name_is_named(folder, tmp_path):
    (folder / "c.yaml.txt").write_text("schema_version: 1\n")
    code, output = run(*html_args(folder, tmp_path / "out"))
    assert code == 0 and (f"warning: skipped {folder / 'c.yaml.txt'}: a profile's name must end in .yaml or "
                          ".yml; rename it if it is a profile") in output
    assert "warning: skipped" in run("validate", folder)[1]


@pytest.mark.parametrize("bad", ["2026-13-01", "27/11/2026", "tomorrow", "2026-2-3"])
def test_bad_date_option_says_what_to_write(folder, tmp_path, bad):
    code, output = run("batch", folder, "-o", tmp_path / "out", "--date", bad)
    assert code == 2 and f"'{bad}' is not a date; use YYYY-MM-DD, e.g. 2026-11-27" in output
    assert "%Y" not in output


# ---------------------------------------------------------------- scale: journal, prune, workers


def test_manifest_is_appended_not_rewritten_and_compacted_at_the_end(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = Manifest(out)
    for index in range(3):
        manifest.record(tmp_path / f"p{index}.yaml", Entry("d", f"p{index}", (str(out / f"p{index}.html"),), ()))
    first = (out / MANIFEST_NAME).read_bytes()
    inode = (out / MANIFEST_NAME).stat().st_ino
    manifest.record(tmp_path / "p9.yaml", Entry("d", "p9", (), ()))
    after = (out / MANIFEST_NAME).read_bytes()
    assert after.startswith(first) and after.count(b"\n") == first.count(b"\n") + 1  # one line appended
    assert (out / MANIFEST_NAME).stat().st_ino == inode
    manifest.record(tmp_path / "p1.yaml", None)
    manifest.compact()  # every profile here is gone and has no packets: pruned from the record
    manifest.close()
    assert (out / MANIFEST_NAME).read_text().splitlines() == ['{"sop_packets_manifest": 2}']


def test_deleted_profiles_are_pruned_and_their_packets_removed_with_prune(folder, tmp_path):
    out = tmp_path / "out"
    run(*html_args(folder, out))
    (folder / "ex-07-skin-lymphoma-telemedicine.yaml").unlink()
    code, output = run(*html_args(folder, out))
    assert "0 built, 2 unchanged" in output and "1 packets belong to profiles that no longer exist" in output
    assert (out / "ex-07-skin-lymphoma-telemedicine.html").exists()
    code, output = run(*html_args(folder, out), "--prune")
    removed = (out / "ex-07-skin-lymphoma-telemedicine.html").resolve()
    assert code == 0 and f"removed {removed} (its profile " in output
    assert not removed.exists() and "ex-07" not in (out / MANIFEST_NAME).read_text()
    assert sorted(p.name for p in out.glob("*.html")) == ["ex-02-bcc-nose-reconstruction.html",
                                                          "ex-09-other-minimal.html"]


def test_profiles_are_parsed_in_workers_not_in_the_batch_process(folder, tmp_path, monkeypatch):
    parent = os.getpid()
    real = batch_module.parse_profile_bytes

    def only_in_workers(*args, **kwargs):
        assert os.getpid() != parent, "parsed in the batch process"
        return real(*args, **kwargs)

    monkeypatch.setattr(batch_module, "parse_profile_bytes", only_in_workers)
    monkeypatch.setattr(batch_module, "load_profile", lambda *a, **k: pytest.fail("loaded in the parent"))
    report = run_batch([folder], BuildOptions(out_dir=tmp_path / "out", format="html"), jobs=1)
    assert [item.status for item in report.items] == ["built"] * 3


def test_one_job_is_a_worker_process_replaced_like_the_others(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "RECYCLE_AFTER", 1)
    report = run_batch([folder], BuildOptions(out_dir=tmp_path / "out", format="html"), jobs=1)
    pids = [item.worker_pid for item in report.items]
    assert [item.status for item in report.items] == ["built"] * 3
    assert len(set(pids)) == 3 and os.getpid() not in pids


def test_a_run_with_nothing_to_do_does_not_rewrite_the_record(folder, tmp_path):
    out = tmp_path / "out"
    run(*html_args(folder, out))
    before = (out / MANIFEST_NAME).stat()
    assert "0 built, 3 unchanged" in run(*html_args(folder, out))[1]
    after = (out / MANIFEST_NAME).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_batch_prints_free_text_warnings_found_in_the_workers(folder, tmp_path, monkeypatch):
    path = folder / "w.yaml"
    path.write_text("schema_version: 1\npatient:\n  id: w-1\n  name: T\n  age: 60\n  comorbidities:\n"
                    "    - liver transplant, on tacrolimus\n"
                    "diagnosis: {cancer_type: squamous_cell_carcinoma, diagnosed_by: dermatologist}\n")
    monkeypatch.setattr(batch_module, "load_profile", lambda *a, **k: pytest.fail("loaded in the parent"))
    code, output = run(*html_args(folder, tmp_path / "out"))
    assert code == 0 and f"{path}:7:7: patient.comorbidities[0]: warning: 'liver transplant" in output
