"""Spreadsheet (CSV) export → one draft profile per row.

Columns are named by field path (`patient.name`, `diagnosis.cancer_type`; lists separated by `;`), or by
the clinic's own names through a mapping file. Every error reads `FILE.csv:ROW:COLUMN (column name): message`
with the words of profile errors; the header is row 1, as a spreadsheet shows it.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import typing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InvalidInput, Problem, SopError
from ..profile import _Located, parse_yaml, read_text, validate
from ..schema import Profile
from . import Draft

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
MAX_FIELD_CHARS = 100_000
LIST_SEPARATOR = ";"

EXAMPLE = {
    "patient.id": "clinic-00123", "patient.name": "Dana Whitfield", "patient.date_of_birth": "1979-06-14",
    "patient.language": "en", "patient.country": "US", "patient.comorbidities": "high blood pressure; asthma",
    "diagnosis.cancer_type": "melanoma", "diagnosis.confirmed_by_biopsy": "true", "diagnosis.stage": "II",
    "diagnosis.body_site": "back", "diagnosis.diagnosed_by": "primary_care",
    "diagnosis.diagnosis_date": "2026-11-10", "treatment_plan.proposed": "wide_local_excision",
    "treatment_plan.urgency_stated": "immediate", "concerns.low_confidence": "true",
    "insurance.plan_name": "Lakeshore Choice PPO", "insurance.coverage_type": "private",
    "original_physician.name": "Dr. Owen Fairbrook", "original_physician.phone": "(614) 555-0101",
}


def _unwrap(annotation: Any) -> Any:
    for arg in typing.get_args(annotation) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


@functools.cache
def columns(model: type[BaseModel] = Profile, prefix: str = "") -> dict[str, bool]:
    """Every field path a column may name, in schema order; the value says whether it is a list."""
    found: dict[str, bool] = {}
    for name, info in model.model_fields.items():
        if not prefix and name == "schema_version":
            continue
        annotation = _unwrap(info.annotation)
        path = f"{prefix}{name}"
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= columns(annotation, f"{path}.")  # cached: callers must not change the result
        else:
            found[path] = typing.get_origin(info.annotation) is list
    return found


def template() -> str:
    """A header row with every column and one example row, as CSV text."""
    names = list(columns())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerow([EXAMPLE.get(name, "") for name in names])
    return buffer.getvalue()


class CsvHeaderError(SopError):
    """The header row is wrong, so no row can be read; exit status 2 like an invalid profile."""

    exit_code = 2


@dataclass
class Mapping:
    """The clinic's column names → field paths, and optional value translations per column."""

    columns: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file (YAML: `columns:` and optional `values:`), with located errors."""
    name = str(path)
    located = parse_yaml(read_text(path, "mapping"), name)
    data = located.data
    known = columns()
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise InvalidInput([Problem(name, 1, 1, "columns", "a mapping file needs 'columns:' with one "
                                    "'clinic column name: field.path' per line")])
    for key in data:
        if key not in ("columns", "values"):
            problems.append(Problem(name, *located.where((key,), key=True), key,
                                    f"unknown field '{key}'; allowed here: columns, values"))
    mapping = Mapping()
    for column, target in data["columns"].items():
        if target is not None and target not in known:
            guess = difflib.get_close_matches(str(target), known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            problems.append(Problem(name, *located.where(("columns", column)), f"columns.{column}",
                                    f"'{target}' is not a profile field{hint}"))
            continue
        mapping.columns[str(column).strip()] = target
    for column, table in (data.get("values") or {}).items():
        if not isinstance(table, dict):
            problems.append(Problem(name, *located.where(("values", column)), f"values.{column}",
                                    "must be a group of 'spreadsheet value: profile value' lines"))
            continue
        mapping.values[str(column).strip()] = {str(k).strip(): str(v) for k, v in table.items()}
    if problems:
        raise InvalidInput(problems)
    return mapping


@dataclass
class CsvResult:
    drafts: list[Draft] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: int = 0
    failed_rows: int = 0


def _read_rows(path: Path) -> list[list[str]]:
    name = str(path)

    def fail(message: str, line: int = 1) -> InvalidInput:
        return InvalidInput([Problem(name, line, 1, "", message)])

    try:
        if path.is_dir():
            raise fail("this is a folder, not a CSV file")
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise fail(f"the file is too large ({size:,} bytes); a CSV must be under "
                       f"{MAX_CSV_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"this file cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in raw:
        raise fail("this is a binary file (an .xlsx?), not CSV; save it as 'CSV UTF-8'")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail("the file is not UTF-8 text; save it as 'CSV UTF-8'", line) from None
    if not text.strip():
        raise fail("the file is empty; it needs a header row and one row per patient")
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=False, strict=False)
    rows: list[list[str]] = []
    old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise fail(f"more than {MAX_ROWS:,} rows; split the file")
    except csv.Error as exc:
        raise fail(f"the CSV cannot be read: {exc}", len(rows) + 1) from None
    finally:
        csv.field_size_limit(old_limit)
    return rows


def import_csv(path: Path | str, mapping: Mapping | None = None) -> CsvResult:
    """Read a CSV export into drafts; a bad header stops everything, a bad row only itself."""
    path = Path(path)
    name = str(path)
    rows = _read_rows(path)
    header = [cell.strip() for cell in rows[0]]
    known = columns()
    targets: list[str | None] = []
    problems = []
    seen: dict[str, int] = {}
    for number, column in enumerate(header, 1):
        target: str | None
        if mapping is not None and column in mapping.columns:
            target = mapping.columns[column]
        elif column in known or column == "schema_version":
            target = column
        elif not column:
            target = None
        else:
            guess = difflib.get_close_matches(column, [*known, *(mapping.columns if mapping else [])], n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else (
                "; name it by field path (see `sop-packets import csv --template`) or map it with --map")
            problems.append(f"{name}:1:{number} ({column}): unknown column '{column}'{hint}")
            target = None
        if target is not None and target in seen:
            problems.append(f"{name}:1:{number} ({column}): this column and column {seen[target]} both fill "
                            f"{target}; keep one")
        if target is not None:
            seen[target] = number
        targets.append(target)
    if problems:
        raise CsvHeaderError("\n".join(problems))
    result = CsvResult()
    by_id: dict[str, list[int]] = {}
    parsed: list[tuple[int, Profile, dict[str, int]]] = []
    for row_number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        outcome = _row(name, row_number, row, header, targets, mapping, seen)
        if isinstance(outcome, list):
            result.errors.extend(outcome)
            result.failed_rows += 1
            continue
        profile, used = outcome
        parsed.append((row_number, profile, used))
        by_id.setdefault(profile.patient.id, []).append(row_number)
    for row_number, profile, used in parsed:
        rows_with_id = by_id[profile.patient.id]
        if len(rows_with_id) > 1:
            column = used.get("patient.id", 1)
            others = ", ".join(str(r) for r in rows_with_id if r != row_number)
            result.errors.append(f"{name}:{row_number}:{column} ({header[column - 1]}): patient.id "
                                 f"'{profile.patient.id}' is also used in row {others}; each patient needs "
                                 "their own id, or one packet would overwrite the other")
            result.failed_rows += 1
            continue
        result.drafts.append(_draft(path, row_number, profile, used, header))
    return result


def _row(name: str, row_number: int, row: list[str], header: list[str], targets: list[str | None],
         mapping: Mapping | None, located: dict[str, int]) -> tuple[Profile, dict[str, int]] | list[str]:
    known = columns()
    data: dict[str, Any] = {"schema_version": 1}
    used: dict[str, int] = {}
    errors: list[str] = []
    if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
        errors.append(f"{name}:{row_number}:{len(header) + 1} (no column): this row has more cells than "
                      f"the header has columns ({len(row)} > {len(header)}); check for a separator inside "
                      "a value")
    for number, (target, cell) in enumerate(zip(targets, row, strict=False), 1):
        value = cell.strip()
        if target is None or not value:
            continue
        table = mapping.values.get(header[number - 1], {}) if mapping is not None else {}
        used[target] = number
        if target == "schema_version":
            data["schema_version"] = int(value) if value.isdigit() else value
            continue
        parts = target.split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if known[target]:
            items = [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
            node[parts[-1]] = [table.get(item, item) for item in items]
        else:
            node[parts[-1]] = table.get(value, value)
    try:
        profile = validate(Profile, _Located(data, {}, {}, text_cells=True), name)
    except InvalidInput as exc:
        for problem in exc.problems:
            field_path = problem.field.split("[")[0]
            column = located.get(field_path)
            if column is not None:
                errors.append(f"{name}:{row_number}:{column} ({header[column - 1]}): {problem.message}")
            else:
                missing = f"; add a {field_path} column" if "required" in problem.message else ""
                errors.append(f"{name}:{row_number}:1 ({problem.field or 'row'}): {problem.message}{missing}")
        return errors
    return errors if errors else (profile, used)


def _value(profile: Profile, path: str) -> Any:
    node: Any = profile
    for part in path.split("."):
        node = getattr(node, part)
    if isinstance(node, Enum):
        return node.value
    if isinstance(node, list):
        return [item.value if isinstance(item, Enum) else item for item in node]
    return node


def _draft(path: Path, row_number: int, profile: Profile, used: dict[str, int], header: list[str]) -> Draft:
    draft = Draft(profile.patient.id)
    draft.header = [f"Imported from {path.name} row {row_number} by sop-packets import csv.",
                    "Each comment names the spreadsheet column the value came from."]
    for target, column in sorted(used.items(), key=lambda pair: list(columns()).index(pair[0])
                                 if pair[0] in columns() else -1):
        if target == "schema_version":
            continue
        value = _value(profile, target)
        comment = f"{path.name} row {row_number}, column {column} ({header[column - 1]})"
        if isinstance(value, list):
            for item in value:
                draft.add(target, item, comment)
        else:
            draft.set(target, value, comment)
    return draft
