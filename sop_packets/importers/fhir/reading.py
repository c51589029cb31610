"""Reading FHIR input: files, Bundles, NDJSON a line at a time, and resolving references."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ...errors import InvalidInput, Problem
from .codetable import (
    observation_codes,
    raw_codes,
)
from .common import (
    USED_TYPES,
    Item,
)

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_NDJSON_BYTES = 64 * 1024**3
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RESOURCES = 1_000_000
MAX_FILES = 10_000
MAX_BUNDLE_DEPTH = 3
MAX_PROBLEMS = 50



def _json_files(paths: Iterable[Path]) -> Iterator[Path]:
    count = 0
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in (".json", ".ndjson")
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found = [path]
        for file in found:
            count += 1
            if count > MAX_FILES:
                raise InvalidInput([Problem(str(path), 1, 1, "", f"more than {MAX_FILES:,} files; "
                                            "import the export in parts")])
            yield file


def read_resources(paths: Iterable[Path | str]) -> list[Item]:
    """Every resource in the files or folders, or InvalidInput naming each file, line and entry at fault.

    A JSON file is read whole (up to MAX_FILE_BYTES); NDJSON is read a line at a time, so a Bulk Data
    export of any size keeps only the resources the import uses in memory.
    """
    items: list[Item] = []
    problems: list[Problem] = []
    total = 0
    for file in _json_files(Path(p) for p in paths):
        name = str(file)
        try:
            if file.is_dir():
                raise IsADirectoryError
            size = file.stat().st_size
            ndjson = file.suffix.lower() == ".ndjson"
            if not ndjson:
                total += size
            if (size > (MAX_NDJSON_BYTES if ndjson else MAX_FILE_BYTES)) or total > MAX_TOTAL_BYTES:
                problems.append(Problem(name, 1, 1, "", f"too large ({size:,} bytes); JSON files up to "
                                        f"{MAX_FILE_BYTES // 2**20} MiB ({MAX_TOTAL_BYTES // 2**30} GiB in "
                                        f"all) and NDJSON files up to {MAX_NDJSON_BYTES // 2**30} GiB are "
                                        "read: export fewer patients per file"))
                continue
            if ndjson:
                _read_ndjson(file, name, items, problems)
            else:
                _read_json(file.read_bytes(), name, items, problems)
        except FileNotFoundError:
            problems.append(Problem(name, 1, 1, "", "no such file or folder"))
        except OSError as exc:
            problems.append(Problem(name, 1, 1, "", f"cannot be read ({exc.strerror or exc})"))
        if len(items) > MAX_RESOURCES:
            raise InvalidInput([Problem(name, 1, 1, "", f"more than {MAX_RESOURCES:,} resources; "
                                        "import the export in parts")])
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        raise InvalidInput(problems[:MAX_PROBLEMS])
    return items


def _read_json(raw: bytes, name: str, items: list[Item], problems: list[Problem]) -> None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, 1, "", "not UTF-8 text; FHIR JSON is always UTF-8"))
        return
    _read_document(text, name, 1, items, problems)


def _read_ndjson(file: Path, name: str, items: list[Item], problems: list[Problem]) -> None:
    with file.open("rb") as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                problems.append(Problem(name, number, 1, "", f"a line longer than {MAX_LINE_BYTES // 2**20} "
                                        "MiB; NDJSON holds one resource per line"))
                return
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(name, number, 1, "", "not UTF-8 text; FHIR JSON is always UTF-8"))
                return
            if line.strip():
                _read_document(line, name, number, items, problems)
            if len(problems) > MAX_PROBLEMS or len(items) > MAX_RESOURCES:
                return


def _read_document(text: str, name: str, first_line: int, items: list[Item], problems: list[Problem]) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, first_line + exc.lineno - 1, exc.colno, "",
                                f"not JSON ({exc.msg}); a FHIR file holds one JSON resource or Bundle"))
        return
    except RecursionError:
        problems.append(Problem(name, first_line, 1, "", "the JSON is nested too deeply to be FHIR"))
        return
    if not isinstance(data, dict):
        problems.append(Problem(name, first_line, 1, "", f"holds a JSON {type(data).__name__}, not a FHIR "
                                "resource (an object with resourceType)"))
        return
    _collect(data, name, first_line, "", None, items, problems, 0)


def _collect(data: dict, name: str, line: int, where: str, full_url: str | None, items: list[Item],
             problems: list[Problem], depth: int) -> None:
    kind = data.get("resourceType")
    if not isinstance(kind, str) or not kind:
        problems.append(Problem(name, line, 1, where.rstrip("."), "has no resourceType; not a FHIR resource"))
        return
    if kind == "Bundle":
        if depth >= MAX_BUNDLE_DEPTH:
            problems.append(Problem(name, line, 1, where, "Bundles nested too deeply"))
            return
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            problems.append(Problem(name, line, 1, f"{where}entry", "Bundle.entry must be a list"))
            return
        for index, entry in enumerate(entries):
            at = f"{where}entry[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                if isinstance(entry, dict) and "resource" not in entry:
                    continue  # e.g. a transaction-response entry without a resource
                problems.append(Problem(name, line, 1, at, "a Bundle entry's resource must be a JSON object"))
                continue
            url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            _collect(entry["resource"], name, line, f"{at}.resource.", url, items, problems, depth + 1)
        return
    if kind not in USED_TYPES:
        from fhir.resources.R4B import get_fhir_model_class

        try:
            get_fhir_model_class(kind)
        except (ValueError, KeyError, AttributeError, ImportError):
            problems.append(Problem(name, line, 1, where.rstrip("."),
                                    f"'{str(kind)[:60]}' is not a FHIR R4 resource type"))
        return
    if kind == "Observation" and not raw_codes(data.get("code")) & observation_codes():
        return  # most of an export: vital signs, labs; only pregnancy status and stage are read
    item = Item(name, line, where.rstrip("."), data, full_url=full_url)
    try:
        item.model = model(kind).model_validate(data)
    except ValidationError as exc:
        for err in exc.errors()[:5]:
            path = ".".join(str(p) for p in err["loc"] if p != "__root__")
            problems.append(Problem(name, line, 1, f"{item.where or kind} ({item.key}).{path}".lstrip("."),
                                    f"not valid FHIR R4: {err['msg']}"))
        return
    except (ValueError, TypeError, RecursionError) as exc:
        problems.append(Problem(name, line, 1, f"{item.where} ({item.key})".strip(),
                                f"not valid FHIR R4: {exc}"))
        return
    items.append(item)



def model(kind: str):
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(kind)


# ---------------------------------------------------------------- the index


class Index:
    """Resources by 'Type/id' and by fullUrl, so references resolve whichever way they are written."""

    def __init__(self, items: list[Item]):
        self.by_key: dict[str, Item] = {}
        self.by_url: dict[str, Item] = {}
        self.sources: dict[str, str] = {}  # 'Type/id' -> the file it is in
        for item in items:
            if item.data.get("id"):
                self.by_key.setdefault(item.key, item)
                self.sources.setdefault(item.key, item.source)
            if item.full_url:
                self.by_url.setdefault(item.full_url, item)

    def resolve(self, reference: Any) -> Item | None:
        ref = getattr(reference, "reference", None) if reference is not None else None
        if not ref:
            return None
        if ref in self.by_url:
            return self.by_url[ref]
        parts = ref.split("/_history/")[0].rstrip("/").split("/")
        return self.by_key.get("/".join(parts[-2:])) if len(parts) >= 2 else None


