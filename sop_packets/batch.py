"""Build many profiles: collect, skip the unchanged, refuse duplicate ids, render in warm workers."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .build import BuildOptions, build_profile
from .clock import preparation_date
from .errors import InvalidInput, Problem, SopError
from .incremental import Entry, Manifest, build_stamp, profile_digest
from .output import ensure_output_folder, folder_lock, remove_stale_parts
from .profile import MAX_FILE_BYTES, load_profile
from .schema import Profile

PROFILE_SUFFIXES = (".yaml", ".yml")
MANIFEST_SAVE_SECONDS = 5.0
RECYCLE_AFTER = 100  # packets per worker before it is replaced: native caches creep ~25 KiB a packet


@dataclass
class ItemResult:
    """The outcome for one profile file; one line of the --report file."""

    source: Path
    patient_id: str | None = None
    status: str = "failed"  # built | unchanged | failed
    outputs: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    worker_pid: int | None = None
    worker_rss_kb: int | None = None

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["source"] = str(self.source)
        data["outputs"] = [str(p) for p in self.outputs]
        return data


@dataclass
class BatchReport:
    """The outcome of a whole batch."""

    items: list[ItemResult]
    seconds: float

    def count(self, status: str) -> int:
        return sum(item.status == status for item in self.items)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    @property
    def built(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "built"]

    def summary(self) -> str:
        return (f"{self.count('built')} built, {self.count('unchanged')} unchanged, "
                f"{self.count('failed')} failed, {len(self.items)} profiles in {self.seconds:.1f} s")


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


def collect_profiles(paths: Iterable[Path | str], shard: Shard | None = None
                     ) -> tuple[list[Path], list[ItemResult]]:
    """Profile files named directly or found (recursively) in folders, in a stable order.

    With a shard, only the files whose name falls in that shard (so every machine agrees).
    """
    found: list[Path] = []
    missing: list[ItemResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path)
                if (file.suffix.lower() in PROFILE_SUFFIXES and file.is_file()
                        and not any(part.startswith(".") for part in relative.parts)):
                    found.append(file)
        elif path.exists():
            found.append(path)
        else:
            problem = Problem(str(path), 1, 1, "", "no such file or folder")
            missing.append(ItemResult(path, error=str(problem)))
    unique = {file.resolve(): file for file in reversed(found)}  # one file named twice counts once
    files = [file for file in found if unique.get(file.resolve()) is file]
    return [file for file in files if shard is None or shard.holds(file.name)], missing


def _load_each(files: list[Path]) -> tuple[list[tuple[Path, Profile]], list[ItemResult]]:
    """Validate every file on its own: the valid profiles, and a failure for each invalid file."""
    loaded: list[tuple[Path, Profile]] = []
    failures: list[ItemResult] = []
    for path in files:
        try:
            loaded.append((path, load_profile(path)))
        except InvalidInput as exc:
            failures.append(ItemResult(path, error=exc.format_message()))
    return loaded, failures


def load_all(files: list[Path]) -> tuple[list[tuple[Path, Profile]], list[ItemResult]]:
    """Validate every file; two profiles with one patient.id are both refused."""
    loaded, failures = _load_each(files)
    ids = {path: profile.patient.id for path, profile in loaded}
    duplicates = _duplicate_ids(ids)
    failures += [ItemResult(path, ids[path], error=duplicates[path]) for path in duplicates]
    return [(path, profile) for path, profile in loaded if path not in duplicates], failures


def _duplicate_ids(ids: dict[Path, str]) -> dict[Path, str]:
    """For each file whose patient.id another file also uses, the error that says so."""
    by_id: dict[str, list[Path]] = {}
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


# ---------------------------------------------------------------- workers

_IN_FLIGHT_DIR: Path | None = None


def _warm_worker(options: BuildOptions, in_flight_dir: str | None = None) -> None:
    """Load everything a packet needs once per worker: content, templates, CSS, fonts, clinic."""
    global _IN_FLIGHT_DIR
    _IN_FLIGHT_DIR = Path(in_flight_dir) if in_flight_dir else None
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


def _build_item(path: Path, profile: Profile, options: BuildOptions) -> ItemResult:
    started = time.perf_counter()
    item = ItemResult(path, profile.patient.id, worker_pid=os.getpid())
    marker = _IN_FLIGHT_DIR / str(os.getpid()) if _IN_FLIGHT_DIR else None
    try:
        if marker:
            marker.write_text(str(path))
        item.outputs = build_profile(profile, path, options).outputs
        item.status = "built"
    except SopError as exc:
        item.error = f"{path}: {exc.format_message()}"
    except Exception as exc:  # a bug or a library failure must not stop the batch
        item.error = f"{path}: could not build this packet ({type(exc).__name__}: {exc})"
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


def _build_in_pool(work: list[tuple[Path, Profile]], options: BuildOptions, jobs: int,
                   emit: Callable[[ItemResult], None]) -> None:
    """Render in warm worker processes, replaced every RECYCLE_AFTER packets so memory stays flat.

    The parent warms up once before forking, so every new worker starts warm. If a worker dies,
    the packets it was building are retried alone, so the one that crashes is named, and every
    other packet is still built.
    """
    _warm_worker(options)
    chunk = RECYCLE_AFTER * jobs
    for start in range(0, len(work), chunk):
        _build_chunk(work[start:start + chunk], options, jobs, emit)


def _build_chunk(work: list[tuple[Path, Profile]], options: BuildOptions, jobs: int,
                 emit: Callable[[ItemResult], None]) -> None:
    pending = work
    suspects: list[tuple[Path, Profile]] = []
    while pending:
        in_flight = Path(tempfile.mkdtemp(prefix="sop-packets-inflight-"))
        try:
            pending, crashed_in = _run_pool(pending, options, min(jobs, len(pending)), emit, in_flight)
        finally:
            shutil.rmtree(in_flight, ignore_errors=True)
        suspects += [pair for pair in pending if pair[0] in crashed_in]
        pending = [pair for pair in pending if pair[0] not in crashed_in]
    for pair in suspects:
        in_flight = Path(tempfile.mkdtemp(prefix="sop-packets-inflight-"))
        try:
            left, _ = _run_pool([pair], options, 1, emit, in_flight)
        finally:
            shutil.rmtree(in_flight, ignore_errors=True)
        for path, _profile in left:
            emit(_crashed(path))


def _run_pool(work, options, jobs, emit, in_flight: Path) -> tuple[list[tuple[Path, Profile]], set[Path]]:
    """One pool over the work: returns what was not finished and the files in flight at a crash."""
    unfinished = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_warm_worker,
                             initargs=(options, str(in_flight))) as pool:
        futures = {pool.submit(_build_item, path, profile, options): (path, profile)
                   for path, profile in work}
        for future in as_completed(futures):
            try:
                emit(future.result())
            except BrokenProcessPool:
                unfinished.append(futures[future])
    crashed_in = {Path(marker.read_text()) for marker in in_flight.iterdir()} if unfinished else set()
    if unfinished and not crashed_in:  # the crash left no trace: treat everything unfinished alike
        crashed_in = {path for path, _ in unfinished}
    return unfinished, crashed_in


# ---------------------------------------------------------------- the batch


def run_batch(
    paths: Iterable[Path | str],
    options: BuildOptions,
    jobs: int | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
    *,
    force: bool = False,
    shard: Shard | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchReport:
    """Build every profile found under paths, skipping unchanged ones; keeps going past bad ones.

    on_start is told how many packets will be rendered; on_result hears about each profile.
    """
    started = time.perf_counter()
    options = dataclasses.replace(options, prepared_on=preparation_date(options.prepared_on))
    ensure_output_folder(options.out_dir, options.group_readable)
    with folder_lock(options.out_dir):
        return _run_locked(paths, options, jobs, on_result, force, shard, on_start, started)


def _run_locked(paths, options: BuildOptions, jobs, on_result, force: bool, shard, on_start,
                started: float) -> BatchReport:
    remove_stale_parts(options.out_dir)
    files, results = collect_profiles(paths, shard)
    manifest = Manifest(options.out_dir)
    stamp = build_stamp(options)

    def emit(item: ItemResult) -> None:
        results.append(item)
        if on_result:
            on_result(item)

    for item in list(results):
        if on_result:
            on_result(item)

    digests: dict[Path, str] = {}
    unchanged: dict[Path, Entry] = {}
    to_load: list[Path] = []
    for path in files:
        try:
            if path.stat().st_size <= MAX_FILE_BYTES:
                digests[path] = profile_digest(stamp, path.read_bytes())
        except OSError:
            pass  # load_profile reports it properly
        entry = manifest.unchanged(path, digests[path]) if path in digests and not force else None
        if entry:
            unchanged[path] = entry
        else:
            to_load.append(path)

    loaded, failures = _load_each(to_load)  # duplicate ids are checked once, with the unchanged ones
    ids = {path: entry.patient_id for path, entry in unchanged.items()}
    ids |= {path: profile.patient.id for path, profile in loaded}
    duplicates = _duplicate_ids(ids)
    for item in failures:
        manifest.record(item.source, None)
        emit(item)
    for path, entry in unchanged.items():
        if path in duplicates:
            manifest.record(path, None)
            emit(ItemResult(path, entry.patient_id, error=duplicates[path]))
        else:
            emit(ItemResult(path, entry.patient_id, "unchanged", [Path(p) for p in entry.outputs]))
    work = []
    for path, profile in loaded:
        if path in duplicates:
            emit(ItemResult(path, profile.patient.id, error=duplicates[path]))
        else:
            work.append((path, profile))
    if on_start:
        on_start(len(work))

    last_save = time.monotonic()

    def record(item: ItemResult) -> None:
        nonlocal last_save
        emit(item)
        entry = None
        if item.status == "built" and item.source in digests:
            entry = Entry(digests[item.source], item.patient_id or "", tuple(str(p) for p in item.outputs))
        manifest.record(item.source, entry)
        if time.monotonic() - last_save > MANIFEST_SAVE_SECONDS:
            manifest.save()
            last_save = time.monotonic()

    jobs = max(1, jobs or default_jobs())
    try:
        if work and (jobs == 1 or len(work) == 1):
            _warm_worker(options)
            for path, profile in work:
                record(_build_item(path, profile, options))
        elif work:
            _build_in_pool(work, options, jobs, record)
    finally:
        manifest.save()
    order = {path: index for index, path in enumerate(files)}
    results.sort(key=lambda item: order.get(item.source, -1))
    return BatchReport(results, time.perf_counter() - started)
