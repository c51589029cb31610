"""Build many profiles: collect, skip the unchanged, refuse duplicate ids, parse and render in workers."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .build import BuildOptions, branding, build_profile, time_limit
from .clock import preparation_date
from .consistency import profile_warnings
from .content import language_warning, load_content
from .errors import BuildError, InvalidInput, Problem, SopError
from .incremental import (
    Entry,
    Manifest,
    build_stamp,
    content_folder,
    output_stat,
    profile_digest,
    source_stat,
    source_tag,
)
from .output import (
    ensure_output_folder,
    folder_lock,
    is_regular_file,
    private_temp_folder,
    remove_stale_parts,
)
from .profile import load_profile, parse_profile_bytes, read_bytes
from .review import state as review_state
from .schema import Profile

PROFILE_SUFFIXES = (".yaml", ".yml")
RECYCLE_AFTER = 100  # packets per worker before it is replaced: native caches creep ~25 KiB a packet
READ_CHUNK = 64  # profiles a worker checks per task in the first pass


class NoProfiles(SopError):
    """A batch found nothing to build: a nightly job pointed at the wrong folder must not look fine."""

    exit_code = 2


@dataclass
class ItemResult:
    """The outcome for one profile file; one line of the --report file."""

    source: Path
    patient_id: str | None = None
    status: str = "failed"  # built | unchanged | failed | not_reviewed (--require-review: not built)
    outputs: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    worker_pid: int | None = None
    worker_rss_kb: int | None = None
    report_error: str | None = None  # the error without the values it quotes, for the report file
    warnings: list[str] = field(default_factory=list)  # free text that contradicts a field (not reported)
    fhir_id: str = ""  # patient.fhir_id of a built profile: two profiles of one FHIR patient get a warning

    def source_text(self) -> str:
        return str(self.source)

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data.pop("warnings")
        data.pop("fhir_id")
        data["source"] = str(self.source)
        data["outputs"] = [str(p) for p in self.outputs]
        data["error"] = data.pop("report_error") if self.report_error is not None else self.error
        data.pop("report_error", None)
        return data


class UnchangedResult(ItemResult):
    """An unchanged profile's result, made from the strings of the build record: its Path objects are
    made only when something reads them (100,000 unchanged profiles made 200,000 Paths, 1.3 CPU s)."""

    def __init__(self, source: str, patient_id: str, outputs: tuple[str, ...], fhir_id: str):
        self._source, self._outputs = source, outputs
        self.patient_id, self.fhir_id = patient_id, fhir_id
        self.status = "unchanged"
        self.warnings = []

    @property  # type: ignore[override]
    def source(self) -> Path:
        if not isinstance(self._source, Path):
            self._source = Path(self._source)
        return self._source

    @source.setter
    def source(self, value: Path) -> None:
        self._source = value

    def source_text(self) -> str:
        return str(self._source)

    @property  # type: ignore[override]
    def outputs(self) -> list[Path]:
        if not isinstance(self._outputs, list):
            self._outputs = [Path(p) for p in self._outputs]
        return self._outputs

    @outputs.setter
    def outputs(self, value: list[Path]) -> None:
        self._outputs = value


def _failure(path: Path, exc: SopError, patient_id: str | None = None) -> ItemResult:
    if isinstance(exc, InvalidInput):
        return ItemResult(path, patient_id, error=exc.format_message(),
                          report_error="\n".join(p.redacted() for p in exc.problems))
    return ItemResult(path, patient_id, error=f"{path}: {exc.format_message()}")


@dataclass
class BatchReport:
    """The outcome of a whole batch."""

    items: list[ItemResult]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    orphans: int = 0

    def count(self, status: str) -> int:
        return sum(item.status == status for item in self.items)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    @property
    def built(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "built"]

    def summary(self) -> str:
        text = (f"{self.count('built')} built, {self.count('unchanged')} unchanged, "
                f"{self.count('failed')} failed, {len(self.items)} profiles in {self.seconds:.1f} s")
        if self.count("not_reviewed"):
            text += f"; {self.count('not_reviewed')} not built: not checked by a clinician (--require-review)"
        if self.removed:
            text += f"; removed {len(self.removed)} files of deleted profiles"
        if self.orphans:
            text += (f"; {self.orphans} packets belong to profiles that no longer exist "
                     "(--prune removes them)")
        return text


@dataclass(frozen=True)
class Shard:
    """Part K of N: a deterministic slice of the inputs, so many machines can share one run."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            k, n = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"'{text}' is not a shard like 1/4") from None
        if not 1 <= k <= n:
            raise ValueError(f"shard {text}: K must be between 1 and N")
        return cls(k, n)

    def holds(self, name: str) -> bool:
        return zlib.crc32(name.encode("utf-8")) % self.count == self.index - 1


def _looks_like_profile(name: str) -> bool:
    """A name such as c.yaml.txt or c.yml.bak: probably a profile saved under the wrong name."""
    lower = name.lower()
    return any(f"{suffix}." in lower or lower.endswith(f"{suffix} ") for suffix in PROFILE_SUFFIXES)


ARCHIVE = "archive"  # where `serve` moves a profile it archives (serve/workspace.py): never built


def collect_profiles(paths: Iterable[Path | str], shard: Shard | None = None,
                     warn: Callable[[str], None] | None = None,
                     skip: dict[Path, str] | None = None) -> tuple[list[Path], list[ItemResult]]:
    """Profile files named directly or found (recursively) in folders, in a stable order.

    With a shard, only the files whose name falls in that shard (so every machine agrees). Files in
    a folder that look like profiles saved under another name (c.yaml.txt) are named to warn. A folder's
    own archive/ (profiles the coordinator archived) and the folders of skip (folder -> what it is, such
    as the clinic's content folder) are not read, and each one met is named to warn.
    """
    files, _real, missing = _collect(paths, shard, warn, skip)
    return [Path(file) for file in files], missing


def _collect(paths: Iterable[Path | str], shard: Shard | None, warn: Callable[[str], None] | None,
             skip: dict[Path, str] | None) -> tuple[list[str], dict[str, str], list[ItemResult]]:
    """collect_profiles with plain strings, and each file's real path (the batch's key for it).

    Strings, not Path objects: at 100,000 profiles, making and hashing Paths was a quarter of an
    unchanged run."""
    found: list[str] = []
    missing: list[ItemResult] = []
    plain: set[str] = set()  # files the walk saw as plain files (not links)
    skipped = _folder_ids(skip or {})
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path, skipped, warn, plain):
                name = os.path.basename(file)
                if name.lower().endswith(PROFILE_SUFFIXES):
                    found.append(file)
                elif warn and _looks_like_profile(name):
                    warn(f"warning: skipped {file}: a profile's name must end in .yaml or .yml; "
                         "rename it if it is a profile")
        elif path.exists() or path.is_symlink():
            found.append(str(path))
        else:
            problem = Problem(str(path), 1, 1, "", "no such file or folder")
            missing.append(ItemResult(path, error=str(problem)))
    real = real_paths(found, plain)
    unique = {real[file]: index for index, file in reversed(list(enumerate(found)))}  # named twice: once
    files = [file for index, file in enumerate(found) if unique[real[file]] == index]
    if shard is not None:
        files = [file for file in files if shard.holds(os.path.basename(file))]
    return files, real, missing


def _folder_ids(folders: dict[Path, str]) -> dict[tuple[int, int], str]:
    ids = {}
    for folder, what in folders.items():
        with contextlib.suppress(OSError):
            info = os.stat(folder)
            ids[(info.st_dev, info.st_ino)] = what
    return ids


def _walk(folder: Path, skip: dict[tuple[int, int], str] | None = None,
          warn: Callable[[str], None] | None = None, plain: set[str] | None = None) -> list[str]:
    """Every file under folder (links to files included), hidden names skipped, in path order.

    One scandir per folder: the kind of each entry comes with the listing, so 100,000 profiles cost no
    stat each (rglob plus is_file plus relative_to cost about 0.3 ms a file). The top-level archive/
    and the folders of skip ((device, inode) -> what it is) are left out and named to warn. Files that
    are not links are added to plain.
    """
    say = warn or (lambda message: None)
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(str(folder), ())]
    while pending:
        current, parts = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():  # follows links to folders, as rglob does
                    if entry.is_symlink():
                        continue
                    if not parts and entry.name == ARCHIVE:
                        say(f"warning: skipped {entry.path}: archived profiles are not built")
                        continue
                    if skip and (what := skip.get((entry.stat().st_dev, entry.inode()))):
                        say(f"warning: skipped {entry.path}: it is {what}, not profiles")
                        continue
                    pending.append((entry.path, (*parts, entry.name)))
                elif entry.is_file():
                    found.append(((*parts, entry.name), entry.path))
                    if plain is not None and not entry.is_symlink():
                        plain.add(entry.path)
            except OSError:
                continue
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def real_paths(files: Iterable[str], plain: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Each file's real path, resolving each folder once (resolving every file costs a stat per part).

    plain: files known not to be links (from the folder walk), so they need no lstat."""
    folders: dict[str, str] = {}
    real = {}
    for file in files:
        if file not in plain and os.path.islink(file):
            real[file] = os.path.realpath(file)
            continue
        head, name = os.path.split(file)
        parent = folders.get(head)
        if parent is None:
            parent = folders[head] = os.path.realpath(head or ".")
        real[file] = os.path.join(parent, name)
    return real


def load_all(files: list[Path], prepared_on=None) -> tuple[list[tuple[Path, Profile]], list[ItemResult]]:
    """Validate every file; two profiles with one patient.id are both refused (what `validate` runs)."""
    loaded: list[tuple[Path, Profile]] = []
    failures: list[ItemResult] = []
    for path in files:
        try:
            loaded.append((path, load_profile(path, prepared_on)))
        except SopError as exc:
            failures.append(_failure(path, exc))
        except Exception as exc:
            failures.append(ItemResult(path, error=_unexpected(path, exc, "check")))
    ids = {path: profile.patient.id for path, profile in loaded}
    duplicates = _duplicate_ids(ids)
    failures += [ItemResult(path, ids[path], error=duplicates[path]) for path in duplicates]
    return [(path, profile) for path, profile in loaded if path not in duplicates], failures


def _duplicate_ids(ids: dict) -> dict:
    """For each file (a Path or a string) whose patient.id another file also uses, the error that says so."""
    by_id: dict[str, list] = {}
    for path, patient_id in ids.items():
        by_id.setdefault(patient_id, []).append(path)
    errors = {}
    for patient_id, paths in by_id.items():
        for path in paths if len(paths) > 1 else ():
            others = ", ".join(str(p) for p in paths if p != path)
            message = (f"patient.id '{patient_id}' is also used by {others}; each patient needs "
                       "their own id, or one packet would overwrite the other")
            errors[path] = str(Problem(str(path), 1, 1, "patient.id", message))
    return errors


def _unexpected(path: Path, exc: BaseException, doing: str = "build") -> str:
    """One line for a failure nobody planned for; --debug prints the traceback as well."""
    if os.environ.get("SOP_PACKETS_DEBUG"):
        traceback.print_exception(exc)
    name = type(exc).__name__
    return (f"{path}: could not {doing} this profile (an unexpected {name}); the rest of the batch "
            "went on. Run with --debug for details, and please report it")


# ---------------------------------------------------------------- workers

_IN_FLIGHT_DIR: Path | None = None
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the batch process dies, so no orphan keeps working."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _worker_init(options: BuildOptions, in_flight_dir: str | None, parent: int) -> None:
    global _IN_FLIGHT_DIR
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the batch; the batch stops the workers
    _IN_FLIGHT_DIR = Path(in_flight_dir) if in_flight_dir else None
    _warm_worker(options)


def _warm_worker(options: BuildOptions) -> None:
    """Load everything a packet needs once per worker: content, templates, CSS, fonts, clinic."""
    from .build import branding
    from .render import warm_up

    branding(options.clinic)
    warm_up(pdf="pdf" in options.suffixes)


def _rss_kb() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Task:
    """One profile to build, as the first pass found it."""

    path: Path
    patient_id: str
    digest: str


def _read_one(path: Path, stamp: str, prepared_on) -> tuple[Path, str | None, str | None, ItemResult | None]:
    """First pass (in a worker): the profile's id and digest, or its failure."""
    try:
        raw = read_bytes(path)
        profile = parse_profile_bytes(raw, path, prepared_on)
        return path, profile.patient.id, profile_digest(stamp, raw), None
    except SopError as exc:
        return path, None, None, _failure(path, exc)
    except Exception as exc:
        return path, None, None, ItemResult(path, error=_unexpected(path, exc, "read"))


def _read_many(paths: list[Path], stamp: str, prepared_on) -> list:
    return [_read_one(path, stamp, prepared_on) for path in paths]


def _build_item(task: Task, options: BuildOptions) -> ItemResult:
    """Second pass (in a worker): read, check and build one profile; any failure is its own."""
    started = time.perf_counter()
    path = task.path
    item = ItemResult(path, task.patient_id, worker_pid=os.getpid())
    marker = _IN_FLIGHT_DIR / str(os.getpid()) if _IN_FLIGHT_DIR else None
    try:
        if marker:
            marker.write_text(str(path))
        raw = read_bytes(path)
        profile = parse_profile_bytes(raw, path, options.prepared_on)
        if profile.patient.id != task.patient_id or profile_digest(options.stamp, raw) != task.digest:
            raise BuildError("this file changed while the batch was running; run the batch again")
        with time_limit(options.time_limit):
            built = build_profile(profile, path, options)
        item.outputs = built.outputs
        item.fhir_id = profile.patient.fhir_id or ""
        item.status = "built"
        item.warnings = [str(problem) for problem in
                         profile_warnings(path, profile, preparation_date(options.prepared_on))]
        if warning := language_warning(options.language or profile.patient.language):
            item.warnings.append(f"{path}: warning: {warning}")
        item.warnings += [f"warning: removed {stale}: it described the packet before this one (build with "
                          "--fhir to write a new one)" for stale in built.removed]
    except SopError as exc:
        failed = _failure(path, exc, task.patient_id)
        item.error, item.report_error = failed.error, failed.report_error
    except Exception as exc:
        item.error = _unexpected(path, exc)
    if marker:
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)
    item.seconds = time.perf_counter() - started
    item.worker_rss_kb = _rss_kb()
    return item


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _crashed(path: Path) -> ItemResult:
    return ItemResult(path, error=f"{path}: the worker building this packet crashed (it was killed or "
                                  "ran out of memory); the rest of the batch went on")


def _pool(jobs: int, options: BuildOptions, in_flight: Path | None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_init,
                               initargs=(options, str(in_flight) if in_flight else None, os.getpid()))


def _read_in_pool(paths: list[Path], stamp: str, options: BuildOptions, jobs: int) -> list:
    """First pass: profiles are parsed in worker processes, a few dozen per task."""
    if not paths:
        return []
    chunks = [paths[i:i + READ_CHUNK] for i in range(0, len(paths), READ_CHUNK)]
    light = dataclasses.replace(options, format="html")  # the first pass needs no PDF set-up
    results = []
    with _pool(min(jobs, len(chunks)), light, None) as pool:
        futures = {pool.submit(_read_many, chunk, stamp, options.prepared_on): chunk for chunk in chunks}
        for future in as_completed(futures):
            try:
                results += future.result()
            except BrokenProcessPool:
                results += [(path, None, None, _crashed(path)) for path in futures[future]]
    return results


def _build_in_pool(work: list[Task], options: BuildOptions, jobs: int,
                   emit: Callable[[ItemResult], None]) -> None:
    """Render in warm worker processes, replaced every RECYCLE_AFTER packets so memory stays flat.

    The parent warms up once before forking, so every new worker starts warm. If a worker dies,
    the packets it was building are retried alone, so the one that crashes is named, and every
    other packet is still built. One job is a pool of one worker, replaced the same way.
    """
    _warm_worker(options)
    chunk = RECYCLE_AFTER * jobs
    for start in range(0, len(work), chunk):
        _build_chunk(work[start:start + chunk], options, jobs, emit)


def _build_chunk(work: list[Task], options: BuildOptions, jobs: int,
                 emit: Callable[[ItemResult], None]) -> None:
    pending = work
    suspects: list[Task] = []
    while pending:
        in_flight = Path(tempfile.mkdtemp(prefix="inflight-"))
        try:
            pending, crashed_in = _run_pool(pending, options, min(jobs, len(pending)), emit, in_flight)
        finally:
            shutil.rmtree(in_flight, ignore_errors=True)
        suspects += [task for task in pending if task.path in crashed_in]
        pending = [task for task in pending if task.path not in crashed_in]
    for task in suspects:
        in_flight = Path(tempfile.mkdtemp(prefix="inflight-"))
        try:
            left, _ = _run_pool([task], options, 1, emit, in_flight)
        finally:
            shutil.rmtree(in_flight, ignore_errors=True)
        for unfinished in left:
            emit(_crashed(unfinished.path))


def _run_pool(work: list[Task], options, jobs, emit, in_flight: Path) -> tuple[list[Task], set[Path]]:
    """One pool over the work: returns what was not finished and the files in flight at a crash."""
    unfinished = []
    with _pool(jobs, options, in_flight) as pool:
        futures = {pool.submit(_build_item, task, options): task for task in work}
        for future in as_completed(futures):
            try:
                emit(future.result())
            except BrokenProcessPool:
                unfinished.append(futures[future])
    crashed_in = {Path(marker.read_text()) for marker in in_flight.iterdir()} if unfinished else set()
    if unfinished and not crashed_in:  # the crash left no trace: treat everything unfinished alike
        crashed_in = {task.path for task in unfinished}
    return unfinished, crashed_in


# ---------------------------------------------------------------- the batch

_LAST_STAMP = [""]


def _forget_if_changed(stamp: str) -> None:
    """A caller that runs batches in one process (a test, a library user) gets packets from the clinic's
    words and content as they are now: the content read earlier is dropped when the stamp changed."""
    if _LAST_STAMP[0] and _LAST_STAMP[0] != stamp:
        load_content.cache_clear()
    _LAST_STAMP[0] = stamp


@contextlib.contextmanager
def _fewer_collections():
    """The batch keeps one small record per profile (100,000 of them): with the default threshold the
    collector rescans them all thousands of times (about 10% of an unchanged run)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 100_000), max(before[1], 50), max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


@_fewer_collections()
def run_batch(
    paths: Iterable[Path | str],
    options: BuildOptions,
    jobs: int | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
    *,
    force: bool = False,
    shard: Shard | None = None,
    on_start: Callable[[int], None] | None = None,
    prune: bool = False,
    on_warning: Callable[[str], None] | None = None,
    require_review: bool = False,
) -> BatchReport:
    """Build every profile found under paths, skipping unchanged ones; keeps going past bad ones.

    on_start is told how many packets will be rendered; on_result hears about each profile;
    on_warning hears warnings (a damaged build record, a skipped file, removed packets).
    With prune, the packets of profiles that no longer exist are removed. With require_review, only
    profiles a clinician checked are built; the others are reported as not_reviewed (not failures).
    """
    started = time.perf_counter()
    options = dataclasses.replace(options, prepared_on=preparation_date(options.prepared_on))
    paths = list(paths)
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        if on_warning:
            on_warning(message)

    branding.cache_clear()  # the clinic file as it is now (a long-lived caller may have edited it)
    content = content_folder(options)
    skip = {content: "the clinic's content folder (its own words)"} if content else {}
    files, keys, missing = _collect(paths, None, warn, skip)
    if not files and not missing:
        names = ", ".join(str(p) for p in paths)
        raise NoProfiles(f"no profiles found in {names} (a profile is a .yaml or .yml file); "
                         "check the folder name")
    if shard:
        files = [file for file in files if shard.holds(os.path.basename(file))]
    if require_review:
        files, held = _checked_only(files, options.prepared_on)
        missing = [*missing, *held]
    ensure_output_folder(options.out_dir, options.group_readable)
    with private_temp_folder(), folder_lock(options.out_dir, warn):
        report = _run_locked(files, keys, missing, options, jobs, on_result, force, on_start, prune, warn)
    report.seconds = time.perf_counter() - started
    report.warnings = warnings
    return report


def _run_locked(files: list[str], keys: dict[str, str], missing: list[ItemResult], options: BuildOptions,
                jobs, on_result, force: bool, on_start, prune: bool, warn) -> BatchReport:
    """The batch in its locked output folder. files are plain strings and keys their real paths (the
    build record's keys); a Path is made only for a profile that is reported or built."""
    remove_stale_parts(options.out_dir)
    results: list[ItemResult] = []
    manifest = Manifest(options.out_dir, warn)
    stamp = build_stamp(options)
    options = dataclasses.replace(options, stamp=stamp)
    _forget_if_changed(stamp)
    jobs = max(1, jobs or default_jobs())

    def emit(item: ItemResult) -> None:
        results.append(item)
        if on_result:
            on_result(item)

    for item in missing:
        emit(item)

    unchanged: dict[str, Entry] = {}
    to_read: list[Path] = []
    manifest.seen.update(keys[file] for file in files)
    sources = {}
    for file in files:
        entry = None
        info = sources[file] = source_stat(file)  # before any read: a later change shows in the next stat
        if not force:
            entry = manifest.unchanged_by_stat(keys[file], info, stamp)
            if entry is None:
                path = Path(file)
                with contextlib.suppress(SopError):
                    entry = manifest.unchanged(path, profile_digest(stamp, read_bytes(path)), keys[file])
                if entry and (tag := source_tag(info, stamp)):  # touched, not changed: stat it next time
                    manifest.record(path, dataclasses.replace(entry, source=tag))
        if entry:
            unchanged[file] = entry
        else:
            to_read.append(Path(file))

    read = _read_in_pool(to_read, stamp, options, jobs)  # duplicate ids are checked once, with the unchanged
    ids = {file: entry.patient_id for file, entry in unchanged.items()}
    ids |= {str(path): patient_id for path, patient_id, _digest, failure in read if failure is None}
    duplicates = _duplicate_ids(ids)
    for path, _patient_id, _digest, failure in read:
        if failure is not None:
            manifest.record(path, None)
            emit(failure)
    for file, entry in unchanged.items():
        if file in duplicates:
            manifest.record(Path(file), None)
            emit(ItemResult(Path(file), entry.patient_id, error=duplicates[file]))
        else:
            emit(UnchangedResult(file, entry.patient_id, entry.outputs, entry.fhir_id))
    work = []
    for path, patient_id, digest, failure in read:
        if failure is not None:
            continue
        if str(path) in duplicates:
            manifest.record(path, None)
            emit(ItemResult(path, patient_id, error=duplicates[str(path)]))
        else:
            work.append(Task(path, patient_id, digest))
    order = {file: index for index, file in enumerate(files)}
    work.sort(key=lambda task: order[str(task.path)])
    if on_start:
        on_start(len(work))

    def record(item: ItemResult) -> None:
        emit(item)
        entry = None
        task_digest = digests.get(item.source)
        stats = [output_stat(p) for p in item.outputs]
        if item.status == "built" and task_digest and all(stats):
            entry = Entry(task_digest, item.patient_id or "", tuple(str(p) for p in item.outputs),
                          tuple(stats), item.fhir_id,  # type: ignore[arg-type]
                          source_tag(sources.get(str(item.source)), stamp))
        manifest.record(item.source, entry)

    digests = {task.path: task.digest for task in work}
    report = BatchReport(results, 0.0)
    try:
        if work:
            _build_in_pool(work, options, jobs, record)
    finally:
        report.removed, report.orphans = _orphans(manifest, options.out_dir, prune, warn)
        if options.fhir:
            _warn_shared_fhir_ids(results, warn)
        manifest.compact()
        manifest.close()
    results.sort(key=lambda item: order.get(item.source_text(), -1))
    return report


def _checked_only(files: list[str], prepared_on) -> tuple[list[str], list[ItemResult]]:
    """The files whose packet a clinician checked (as it is now), and a not_reviewed result for each
    other one. A file that does not load stays in, so it fails with its own message."""
    kept, held = [], []
    for file in files:
        path = Path(file)
        try:
            profile = parse_profile_bytes(read_bytes(path), path, prepared_on)
        except SopError:
            kept.append(file)
            continue
        found = review_state(profile)
        if found.checked:
            kept.append(file)
        else:
            held.append(ItemResult(path, profile.patient.id, "not_reviewed", error=f"{path}: {found.label}"))
    return kept, held


def _warn_shared_fhir_ids(items: list[ItemResult], warn) -> None:
    """Two profiles naming one FHIR Patient would both file a packet in that one chart: say which."""
    by_fhir: dict[str, list[ItemResult]] = {}
    for item in items:
        if item.fhir_id and item.status in ("built", "unchanged"):
            by_fhir.setdefault(item.fhir_id, []).append(item)
    for fhir_patient, group in sorted(by_fhir.items()):
        if len(group) > 1:
            names = ", ".join(str(item.source) for item in group)
            warn(f"warning: {names} all have patient.fhir_id '{fhir_patient}': their DocumentReferences "
                 "would be filed in one patient's chart; correct the fhir_id of the wrong profile before "
                 "posting them")


def _orphans(manifest: Manifest, out_dir: Path, prune: bool, warn) -> tuple[list[Path], int]:
    """Packets of profiles that no longer exist: removed (and named) with prune, else counted."""
    gone = manifest.missing_sources()
    if not gone:
        return [], 0
    folder = out_dir.resolve()
    claimed = {p for key, entry in manifest.entries.items() if key not in gone for p in entry.outputs}
    removed: list[Path] = []
    orphans = 0
    for key, entry in gone.items():
        paths = [Path(p) for p in entry.outputs
                 if p not in claimed and Path(p).parent == folder and (is_regular_file(Path(p))
                                                                       or Path(p).is_symlink())]
        if not paths:
            continue
        if not prune:
            orphans += 1
            continue
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
                warn(f"removed {path} (its profile {key} no longer exists)")
        manifest.record(Path(key), None)
    return removed, orphans
