"""Build many profiles: collect files, refuse duplicate ids, render in worker processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .build import BuildOptions, build_profile
from .errors import InvalidInput, Problem, SopError
from .profile import load_profile
from .schema import Profile

PROFILE_SUFFIXES = (".yaml", ".yml")


@dataclass
class ItemResult:
    """The outcome for one profile file."""

    source: Path
    patient_id: str | None = None
    status: str = "failed"  # built | failed
    outputs: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


@dataclass
class BatchReport:
    """The outcome of a whole batch."""

    items: list[ItemResult]
    seconds: float

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    @property
    def built(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "built"]

    def summary(self) -> str:
        return (f"{len(self.built)} built, {len(self.failed)} failed, "
                f"{len(self.items)} profiles in {self.seconds:.1f} s")


def collect_profiles(paths: Iterable[Path | str]) -> tuple[list[Path], list[ItemResult]]:
    """Profile files named directly or found (recursively) in folders, in a stable order."""
    found: list[Path] = []
    missing: list[ItemResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.suffix.lower() in PROFILE_SUFFIXES and p.is_file()
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.exists():
            found.append(path)
        else:
            problem = Problem(str(path), 1, 1, "", "no such file or folder")
            missing.append(ItemResult(path, error=str(problem)))
    return list(dict.fromkeys(found)), missing


def load_all(files: list[Path]) -> tuple[list[tuple[Path, Profile]], list[ItemResult]]:
    """Validate every file; two profiles with one patient.id are both refused."""
    loaded: list[tuple[Path, Profile]] = []
    failures: list[ItemResult] = []
    for path in files:
        try:
            loaded.append((path, load_profile(path)))
        except InvalidInput as exc:
            failures.append(ItemResult(path, error=exc.format_message()))
    by_id: dict[str, list[Path]] = {}
    for path, profile in loaded:
        by_id.setdefault(profile.patient.id, []).append(path)
    duplicated = {pid: paths for pid, paths in by_id.items() if len(paths) > 1}
    if duplicated:
        keep = []
        for path, profile in loaded:
            others = [str(p) for p in duplicated.get(profile.patient.id, []) if p != path]
            if others:
                message = (f"patient.id '{profile.patient.id}' is also used by {', '.join(others)}; "
                           "each patient needs their own id, or one packet would overwrite the other")
                failures.append(ItemResult(path, profile.patient.id,
                                           error=str(Problem(str(path), 1, 1, "patient.id", message))))
            else:
                keep.append((path, profile))
        loaded = keep
    return loaded, failures


def _build_item(path: Path, profile: Profile, options: BuildOptions) -> ItemResult:
    started = time.perf_counter()
    item = ItemResult(path, profile.patient.id)
    try:
        item.outputs = build_profile(profile, path, options).outputs
        item.status = "built"
    except SopError as exc:
        item.error = f"{path}: {exc.format_message()}"
    except Exception as exc:  # a bug or a library failure must not stop the batch
        item.error = f"{path}: could not build this packet ({type(exc).__name__}: {exc})"
    item.seconds = time.perf_counter() - started
    return item


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_batch(
    paths: Iterable[Path | str],
    options: BuildOptions,
    jobs: int | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
) -> BatchReport:
    """Build every profile found under paths; keeps going past bad ones."""
    started = time.perf_counter()
    files, results = collect_profiles(paths)
    loaded, failures = load_all(files)
    results.extend(failures)
    for item in results:
        if on_result:
            on_result(item)
    jobs = max(1, jobs or default_jobs())
    if jobs == 1 or len(loaded) <= 1:
        for path, profile in loaded:
            item = _build_item(path, profile, options)
            results.append(item)
            if on_result:
                on_result(item)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(loaded))) as pool:
            futures = {pool.submit(_build_item, path, profile, options): path
                       for path, profile in loaded}
            for future in as_completed(futures):
                try:
                    item = future.result()
                except Exception as exc:  # the worker process itself died
                    item = ItemResult(futures[future],
                                      error=f"{futures[future]}: the worker building this packet "
                                            f"crashed ({type(exc).__name__})")
                results.append(item)
                if on_result:
                    on_result(item)
    order = {path: index for index, path in enumerate(files)}
    results.sort(key=lambda item: order.get(item.source, -1))
    return BatchReport(results, time.perf_counter() - started)
