"""Reading FHIR input: which files (folders, the Bulk Data manifest, gzip), bounded JSON, Bundles.

Every problem is located (FILE:LINE:COL) and skips only what it is about: one bad line, one bad
resource, one unreadable file. Resources the import uses are handed to a sink (the on-disk store) as
soon as they are read, so nothing grows with the size of the export.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import Problem
from .. import Notice
from .codetable import kept_resource, line_may_be_kept
from .common import ABSTRACT_TYPES, resource_type_exists

MAX_FILE_BYTES = 256 * 1024 * 1024  # one JSON file, after gzip
MAX_NDJSON_BYTES = 64 * 1024**3
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # all JSON files together
MAX_RESOURCES = 1_000_000  # kept resources
MAX_FILES = 10_000
MAX_BUNDLE_DEPTH = 3
MAX_PROBLEMS = 50  # printed; the rest are counted
MAX_DIGITS = 40
MAX_STRING = 64 * 1024  # characters in one value of a kept resource
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
RESOURCE_SUFFIXES = (".json", ".ndjson", ".json.gz", ".ndjson.gz")
CLIENT_LOGS = {"log.ndjson", "log.ndjson.gz"}


class Refused(ValueError):
    """A JSON value FHIR input must never hold (a duplicate key, a 5,000-digit number, NaN)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise Refused(
            f"the key '{dup[:60]}' appears twice in one object; each key may appear only once "
            "(which value is meant cannot be known)"
        )
    return obj


def _int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise Refused(f"a number with {len(text):,} digits; FHIR numbers have at most {MAX_DIGITS}")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise Refused(f"a number with {len(text):,} characters; FHIR numbers have at most {MAX_DIGITS}")
    return float(text)


def _constant(name: str) -> Any:
    raise Refused(f"'{name}' is not a number JSON allows")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_int=_int, parse_float=_float, parse_constant=_constant
)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def loads(text: str) -> Any:
    """json.loads with duplicate keys, huge numbers, NaN and lone surrogates refused (raises Refused or
    JSONDecodeError)."""
    value = _DECODER.decode(text)
    if _SURROGATE_ESCAPE.search(text):  # a \ud800 escape: fine only as half of a pair
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise Refused(
                "a broken character (half of a UTF-16 pair, written as \\ud800 to \\udfff, with "
                "no other half); no name or text can hold it: correct the export"
            ) from None
    return value


@dataclass
class Found:
    """One resource the import uses, with where it was found and which export it belongs to."""

    scope: str  # the Bundle file, or the folder of the export's files: references resolve inside it
    base: str | None  # the server base URL of the export, when known (manifest request, entry fullUrl)
    source: str
    line: int
    where: str
    data: dict
    full_url: str | None = None


@dataclass
class ReadReport:
    problems: list[Problem] = field(default_factory=list)  # located errors: something was skipped
    notes: list[Notice] = field(default_factory=list)  # files recognised and skipped on purpose
    files: int = 0
    resources: int = 0  # every resource read, used or not
    kept: int = 0
    error_count: int = 0

    def error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass
class _File:
    path: Path
    scope: str
    base: str | None = None


def read_export(paths: list[Path], sink: Callable[[Found], None]) -> ReadReport:
    """Read every file under the paths, handing each used resource to sink; never raises for bad input."""
    report = ReadReport()
    total = [0]
    for file in _files(paths, report):
        report.files += 1
        if report.files > MAX_FILES:
            report.error(
                Problem(
                    str(file.path),
                    1,
                    1,
                    "",
                    f"more than {MAX_FILES:,} files; the rest were not read: import the export in parts",
                )
            )
            break
        _read_file(file, sink, report, total)
        if report.kept > MAX_RESOURCES:
            report.error(
                Problem(
                    str(file.path),
                    1,
                    1,
                    "",
                    f"more than {MAX_RESOURCES:,} resources; the "
                    "rest were not read: import the export in parts",
                )
            )
            break
    return report


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in RESOURCE_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def _regular(path: Path, report: ReadReport) -> os.stat_result | None:
    """stat() of the path (following links); a pipe, device or socket is refused before it is opened."""
    try:
        info = path.stat()
    except FileNotFoundError:
        report.error(Problem(str(path), 1, 1, "", "no such file or folder"))
        return None
    except OSError as exc:
        report.error(Problem(str(path), 1, 1, "", f"cannot be read ({exc.strerror or exc})"))
        return None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        report.error(
            Problem(str(path), 1, 1, "", "is not a file or folder (a pipe, device or socket); not read")
        )
        return None
    return info


def _files(paths: list[Path], report: ReadReport) -> Iterator[_File]:
    for path in paths:
        info = _regular(path, report)
        if info is None:
            continue
        if stat.S_ISREG(info.st_mode):
            yield _File(path, str(path.parent))
            continue
        found = list(_folder(path, report))
        if not found:
            report.error(
                Problem(
                    str(path),
                    1,
                    1,
                    "",
                    "no FHIR files here (.json, .ndjson, .ndjson.gz); is this the export folder?",
                )
            )
        yield from found


def _folder(root: Path, report: ReadReport) -> Iterator[_File]:
    """The resource files of a folder and its sub-folders (links followed once), per the manifest."""
    seen: set[tuple[int, int]] = set()
    for here, dirs, names in os.walk(
        root,
        followlinks=True,
        onerror=lambda exc: report.error(
            Problem(str(exc.filename or root), 1, 1, "", f"cannot be read ({exc.strerror or exc})")
        ),
    ):
        folder = Path(here)
        try:
            info = folder.stat()
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        names = sorted(n for n in names if not n.startswith("."))
        manifest = _manifest(folder, names, report)
        base = manifest.base if manifest else None
        for name in names:
            path = folder / name
            kind = _kind(path)
            if name.lower() == "manifest.json" and manifest is not None:
                continue
            if name.lower() in CLIENT_LOGS:
                report.notes.append(Notice(str(path), "", "", "the Bulk Data client's log; skipped"))
                continue
            if kind is None:
                report.notes.append(
                    Notice(str(path), "", "", "not a FHIR file (.json, .ndjson, .ndjson.gz); skipped")
                )
                continue
            if manifest and name in manifest.errors:
                report.notes.append(
                    Notice(str(path), "", "", "listed as the export's error file (OperationOutcome); skipped")
                )
                continue
            if manifest and manifest.outputs and name not in manifest.outputs:
                report.notes.append(Notice(str(path), "", "", "not in the manifest's output list; skipped"))
                continue
            info = _regular(path, report)
            if info is None or stat.S_ISDIR(info.st_mode):
                continue
            yield _File(path, str(folder), base)
        if manifest:
            for name in sorted(manifest.outputs - set(names)):
                report.error(
                    Problem(
                        str(folder / "manifest.json"),
                        1,
                        1,
                        "output",
                        f"lists {name}, which is not in the folder; was the download complete?",
                    )
                )


@dataclass
class _Manifest:
    base: str | None
    outputs: set[str]
    errors: set[str]


def _manifest(folder: Path, names: list[str], report: ReadReport) -> _Manifest | None:
    """A Bulk Data export manifest (manifest.json): its output file names and the server's base URL."""
    name = next((n for n in names if n.lower() == "manifest.json"), None)
    if name is None:
        return None
    path = folder / name
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
            raise Refused("not a small regular file")
        data = loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        report.error(
            Problem(
                str(path),
                1,
                1,
                "",
                f"the export manifest cannot be read ({exc}); reading every FHIR file in the folder",
            )
        )
        return _Manifest(None, set(), set())
    if not isinstance(data, dict) or "resourceType" in data:
        return None  # a resource that happens to be called manifest.json
    outputs, errors = _listed(data.get("output")), _listed(data.get("error"))
    present = set(names)
    if outputs and not outputs & present:
        report.notes.append(
            Notice(
                str(path),
                "",
                "output",
                "the files it lists are not here by name; reading every FHIR file in the folder",
            )
        )
        outputs = set()
    report.notes.append(
        Notice(str(path), "", "", f"the export manifest; {len(outputs) or 'all'} listed files read")
    )
    return _Manifest(_base(data.get("request")), outputs, errors)


def _listed(entries: Any) -> set[str]:
    if not isinstance(entries, list):
        return set()
    return {
        str(e["url"]).rsplit("?", 1)[0].rstrip("/").rsplit("/", 1)[-1][:255]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("url"), str) and e["url"].strip()
    }


def _base(request: Any) -> str | None:
    """https://ehr.example/fhir/Group/7/$export?_type=… -> https://ehr.example/fhir"""
    if not isinstance(request, str) or "://" not in request:
        return None
    path = request.split("?", 1)[0].split("/$export", 1)[0].rstrip("/")
    for tail in ("/Patient",):
        path = path.removesuffix(tail)
    parts = path.rsplit("/", 2)
    if len(parts) == 3 and parts[1] == "Group":
        path = parts[0]
    return path


def _read_file(file: _File, sink: Callable[[Found], None], report: ReadReport, total: list[int]) -> None:
    path, name, kind = file.path, str(file.path), _kind(file.path)
    try:
        size = path.stat().st_size
        if kind in (".json", ".json.gz"):
            total[0] += size
        limit = MAX_NDJSON_BYTES if kind in (".ndjson", ".ndjson.gz") else MAX_FILE_BYTES
        if size > limit or total[0] > MAX_TOTAL_BYTES:
            report.error(
                Problem(
                    name,
                    1,
                    1,
                    "",
                    f"too large ({size:,} bytes); JSON files up to "
                    f"{MAX_FILE_BYTES // 2**20} MiB ({MAX_TOTAL_BYTES // 2**30} GiB in all) and "
                    f"NDJSON files up to {MAX_NDJSON_BYTES // 2**30} GiB are read: export fewer "
                    "patients per file; not read",
                )
            )
            return
        opener = gzip.open if kind and kind.endswith(".gz") else open
        with opener(path, "rb") as handle:
            if kind in (".ndjson", ".ndjson.gz") or (kind is None and path.suffix == ".ndjson"):
                _read_ndjson(handle, file, sink, report)
            else:
                raw = handle.read(MAX_FILE_BYTES + 1)
                if len(raw) > MAX_FILE_BYTES:
                    report.error(
                        Problem(
                            name, 1, 1, "", f"more than {MAX_FILE_BYTES // 2**20} MiB once unpacked; not read"
                        )
                    )
                    return
                _read_json(raw, file, sink, report)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        report.error(
            Problem(name, 1, 1, "", f"cannot be read ({_why(exc)}); the other files were still read")
        )


def _why(exc: BaseException) -> str:
    if isinstance(exc, (zlib.error, EOFError, gzip.BadGzipFile)):
        return f"the compressed file is damaged or cut short: {exc}"
    return str(getattr(exc, "strerror", None) or exc)


def _read_json(raw: bytes, file: _File, sink, report: ReadReport) -> None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.error(
            Problem(str(file.path), line, 1, "", "not UTF-8 text; FHIR JSON is always UTF-8; not read")
        )
        return
    if not text.strip():
        report.error(Problem(str(file.path), 1, 1, "", "the file is empty"))
        return
    _read_document(text, file, 1, sink, report)


def _read_ndjson(handle, file: _File, sink, report: ReadReport) -> None:
    name = str(file.path)
    read = 0
    lines = 0
    damaged: list[int] = []
    for number, raw in enumerate(_lines(handle, file, report, damaged), 1):
        read += len(raw)
        if read > MAX_NDJSON_BYTES:
            report.error(
                Problem(
                    name,
                    number,
                    1,
                    "",
                    f"more than {MAX_NDJSON_BYTES // 2**30} GiB once "
                    "unpacked; the rest of the file was not read",
                )
            )
            return
        if len(raw) > MAX_LINE_BYTES:
            report.error(
                Problem(
                    name,
                    number,
                    1,
                    "",
                    f"a line longer than {MAX_LINE_BYTES // 2**20} MiB; "
                    "NDJSON holds one resource per line; the rest of the file was not read",
                )
            )
            return
        if raw.strip():
            lines += 1
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            report.error(
                Problem(name, number, 1, "", "not UTF-8 text; FHIR JSON is always UTF-8; line not read")
            )
            continue
        if line.strip() and not line_may_be_kept(line):
            report.resources += 1  # e.g. an Encounter or a heart rate: not read, not parsed
        elif line.strip():
            _read_document(line, file, number, sink, report)
        if report.kept > MAX_RESOURCES:
            return
    if lines == 0 and not damaged:
        report.error(Problem(name, 1, 1, "", "the file is empty"))


def _lines(handle, file: _File, report: ReadReport, damaged: list[int]) -> Iterator[bytes]:
    """The file's lines; a damaged gzip stream ends them with a located error (the lines before it are
    read) and its line number in `damaged`."""
    number = 0
    while True:
        try:
            raw = handle.readline(MAX_LINE_BYTES + 1)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            report.error(
                Problem(
                    str(file.path),
                    number + 1,
                    1,
                    "",
                    f"{_why(exc)}; the lines before this one were read, the rest of the file was not",
                )
            )
            damaged.append(number + 1)
            return
        if not raw:
            return
        number += 1
        yield raw


def _read_document(text: str, file: _File, first_line: int, sink, report: ReadReport) -> None:
    name = str(file.path)
    try:
        data = loads(text)
    except json.JSONDecodeError as exc:
        report.error(
            Problem(
                name,
                first_line + exc.lineno - 1,
                exc.colno,
                "",
                f"not JSON ({exc.msg}); a FHIR file holds JSON resources or Bundles; not read",
            )
        )
        return
    except Refused as exc:
        report.error(Problem(name, first_line, 1, "", f"{exc}; not read"))
        return
    except RecursionError:
        report.error(Problem(name, first_line, 1, "", "the JSON is nested too deeply to be FHIR; not read"))
        return
    if not isinstance(data, dict):
        report.error(
            Problem(
                name,
                first_line,
                1,
                "",
                f"holds a JSON {type(data).__name__}, not a FHIR "
                "resource (an object with resourceType); not read",
            )
        )
        return
    _collect(data, file, first_line, "", None, sink, report, 0)


def _collect(
    data: dict, file: _File, line: int, where: str, full_url: str | None, sink, report: ReadReport, depth: int
) -> None:
    name = str(file.path)
    kind = data.get("resourceType")
    at = where.rstrip(".")
    if not isinstance(kind, str) or not kind:
        report.error(Problem(name, line, 1, at, "has no resourceType; not a FHIR resource; not read"))
        return
    if kind == "Bundle":
        report.resources += 1
        if depth >= MAX_BUNDLE_DEPTH:
            report.error(Problem(name, line, 1, at, "Bundles nested too deeply; not read"))
            return
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            report.error(Problem(name, line, 1, f"{where}entry", "Bundle.entry must be a list; not read"))
            return
        for index, entry in enumerate(entries):
            here = f"{where}entry[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                if isinstance(entry, dict) and "resource" not in entry:
                    continue  # e.g. a transaction-response entry without a resource
                report.error(Problem(name, line, 1, here, "a Bundle entry's resource must be a JSON object"))
                continue
            url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            _collect(entry["resource"], file, line, f"{here}.resource.", url, sink, report, depth + 1)
        return
    if kind in ABSTRACT_TYPES:
        report.error(
            Problem(
                name,
                line,
                1,
                f"{at} ({kind}/{str(data.get('id'))[:64]})".strip() if "id" in data else at,
                f"resourceType '{kind}' is not a resource this tool can read: it is FHIR's abstract base "
                "type, which no record has (a record is a Patient, a Condition, …); not read",
            )
        )
        return
    if not resource_type_exists(kind):
        report.error(Problem(name, line, 1, at, f"'{kind[:60]}' is not a FHIR R4 resource type; not read"))
        return
    report.resources += 1
    if not kept_resource(kind, data):
        return  # most of an export: encounters, claims, vital signs, labs
    if (too_long := _too_long(data)) is not None:
        report.error(
            Problem(
                name,
                line,
                1,
                f"{at} ({kind}/{str(data.get('id'))[:64]})".strip(),
                f"{too_long}: a value longer than {MAX_STRING:,} characters; resource not read",
            )
        )
        return
    data.pop("text", None)  # the narrative: never read, often the largest part
    report.kept += 1
    scope = name if depth > 0 else file.scope  # inside a Bundle, references resolve inside that Bundle
    sink(Found(scope, _entry_base(full_url, kind, data) or file.base, name, line, at, data, full_url))


def _entry_base(full_url: str | None, kind: str, data: dict) -> str | None:
    """https://ehr.example/fhir from the entry's fullUrl https://ehr.example/fhir/Condition/1."""
    tail = f"/{kind}/{data.get('id')}"
    if full_url and "://" in full_url and full_url.endswith(tail):
        return full_url[: -len(tail)]
    return None


def _too_long(data: Any) -> str | None:
    """The path of the first string longer than MAX_STRING, walking without recursion."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                return path.lstrip(".") or "value"
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k[:40]}", v) for k, v in value.items() if k != "text" or path)
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
    return None
