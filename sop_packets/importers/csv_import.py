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
import re
import typing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InvalidInput, Problem, SopError, printable
from ..profile import _Located, parse_yaml, read_bytes, read_text, validate
from ..schema import Profile
from . import Draft

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
MAX_FIELD_CHARS = 20_000  # the longest field holds 4,000 characters; a list of 50 short ones 10,000
MAX_COLUMNS = 500  # a profile has under 100 fields
MAX_HEADER_CHARS = 32 * 1024
MAX_MAP_ENTRIES = 10_000
MAX_LISTED = 50  # header problems listed before "... and N more"
LIST_SEPARATOR = ";"
DELIMITERS = ",;\t"

EXAMPLE = {
    "patient.id": "clinic-00123", "patient.name": "Dana Whitfield", "patient.date_of_birth": "1979-06-14",
    "patient.phone": "(614) 555-0147",
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
    """Read a mapping file (YAML: `columns:` and optional `values:`), with located errors.

    Whatever shape the file has, the result is a list of located problems, never a traceback.
    """
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
            problems.append(Problem(name, *located.where((key,), key=True), printable(key, 80),
                                    f"unknown field '{printable(key, 80)}'; allowed here: columns, values"))
    entries = len(data["columns"]) + sum(len(t) for t in (data.get("values") or {}).values()
                                         if isinstance(t, dict)) if isinstance(data.get("values") or {},
                                                                               dict) else 0
    if entries > MAX_MAP_ENTRIES:
        raise InvalidInput([Problem(name, 1, 1, "", f"the mapping file has more than {MAX_MAP_ENTRIES:,} "
                                    "entries; a clinic needs one line per spreadsheet column")])
    mapping = Mapping()
    for column, target in data["columns"].items():
        where, label = located.where(("columns", column)), f"columns.{printable(column, 80)}"
        if target is not None and not isinstance(target, str):
            problems.append(Problem(name, *where, label, "must be a field path such as patient.name (or "
                                    "empty, to leave the column out)"))
            continue
        if target is not None and target not in known:
            guess = difflib.get_close_matches(target[:100], known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            problems.append(Problem(name, *where, label, f"'{printable(target, 80)}' is not a profile "
                                    f"field{hint}"))
            continue
        mapping.columns[str(column).strip()] = target
    values = data.get("values") or {}
    if not isinstance(values, dict):
        problems.append(Problem(name, *located.where(("values",)), "values", "must be a group of "
                                "'column name:' lines, each with 'spreadsheet value: profile value' lines"))
        values = {}
    for column, table in values.items():
        where, label = located.where(("values", column)), f"values.{printable(column, 80)}"
        if not isinstance(table, dict) or any(isinstance(v, dict | list) for v in table.values()):
            problems.append(Problem(name, *where, label,
                                    "must be a group of 'spreadsheet value: profile value' lines"))
            continue
        mapping.values[str(column).strip()] = {str(k).strip(): "" if v is None else str(v)
                                               for k, v in table.items()}
    if problems:
        raise InvalidInput(problems)
    return mapping


LEFT_OUT = "; left out of the profile (fill it in by hand)"


@dataclass
class CsvResult:
    drafts: list[Draft] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # a value left out, the patient still written
    rows: int = 0
    failed_rows: int = 0

    @property
    def left_out(self) -> int:
        """Values left out of a written profile for a person to fill in (the import exits 1)."""
        return sum(warning.endswith(LEFT_OUT) for warning in self.warnings)


def _read_rows(path: Path) -> list[list[str]]:
    """Every row of the file; bounded work whatever it holds (size, cell, column and row limits)."""
    name = str(path)

    def fail(message: str, line: int = 1) -> InvalidInput:
        return InvalidInput([Problem(name, line, 1, "", message)])

    raw = read_bytes(path, "CSV file", MAX_CSV_BYTES)  # a pipe, device or folder is refused unread
    if b"\x00" in raw:
        raise fail("this is a binary file (an .xlsx?), not CSV; save it as 'CSV UTF-8'")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail("the file is not UTF-8 text; save it as 'CSV UTF-8'", line) from None
    if not text.strip():
        raise fail("the file is empty; it needs a header row and one row per patient")
    end = text.find("\n", 0, MAX_HEADER_CHARS + 1)
    if end < 0 and len(text) > MAX_HEADER_CHARS:
        raise fail(f"the header row is longer than {MAX_HEADER_CHARS // 1024} KiB; a profile has under "
                   "100 columns with short names")
    delimiter = _delimiter(text[: end if end >= 0 else len(text)])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=False, strict=False)
    rows: list[list[str]] = []
    old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise fail(f"row {len(rows) + 1} has {len(row):,} cells; a CSV may have at most "
                           f"{MAX_COLUMNS} columns (a profile has under 100 fields)", len(rows) + 1)
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise fail(f"more than {MAX_ROWS:,} rows; split the file")
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise fail(f"a cell in row {len(rows) + 1} holds more than {MAX_FIELD_CHARS:,} characters; no "
                       "profile field is that long (check for a quote that is never closed)",
                       len(rows) + 1) from None
        raise fail(f"the CSV cannot be read: {exc}", len(rows) + 1) from None
    finally:
        csv.field_size_limit(old_limit)
    if sum(len(cell) for cell in rows[0]) > MAX_HEADER_CHARS:
        raise fail(f"the header row is longer than {MAX_HEADER_CHARS // 1024} KiB; a profile has under "
                   "100 columns with short names")
    return rows


def _delimiter(first_line: str) -> str:
    """Comma, semicolon or tab: whichever splits the header row into the most cells (linear; the
    standard library's Sniffer is quadratic on a long line). Ties go to the comma."""
    best, most = ",", 0
    for delimiter in DELIMITERS:
        try:
            cells = len(next(csv.reader([first_line], delimiter=delimiter, quotechar='"'), []))
        except csv.Error:
            continue
        if cells > most:
            best, most = delimiter, cells
    return best


def _shown(text: str) -> str:
    return printable(text, 80)


def import_csv(path: Path | str, mapping: Mapping | None = None) -> CsvResult:
    """Read a CSV export into drafts; a bad header stops everything, a bad row only itself."""
    path = Path(path)
    name = printable(path, 1000)
    rows = _read_rows(path)
    header = [cell.strip() for cell in rows[0]]
    known = columns()
    targets: list[str | None] = []
    problems = []
    more = 0
    seen: dict[str, int] = {}
    for number, column in enumerate(header, 1):
        target: str | None
        if mapping is not None and column in mapping.columns:
            target = mapping.columns[column]
        elif column in known or column == "schema_version":
            target = column
        elif not column:
            target = None
        elif len(problems) >= MAX_LISTED:
            more += 1
            target = None
        else:
            guess = difflib.get_close_matches(column[:100], [*known, *(mapping.columns if mapping else [])],
                                              n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else (
                "; name it by field path (see `sop-packets import csv --template`) or map it with --map")
            problems.append(f"{name}:1:{number} ({_shown(column)}): unknown column '{_shown(column)}'{hint}")
            target = None
        if target is not None and target in seen:
            problems.append(f"{name}:1:{number} ({_shown(column)}): this column and column {seen[target]} "
                            f"both fill {target}; keep one")
        if target is not None:
            seen[target] = number
        targets.append(target)
    if more:
        problems.append(f"{name}:1:{len(header)}: ... and {more} more unknown columns")
    if problems:
        raise CsvHeaderError("\n".join(problems))
    result = CsvResult()
    by_id: dict[str, list[int]] = {}
    parsed: list[tuple[int, Profile, dict[str, int]]] = []
    for row_number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        outcome = _row(name, row_number, row, header, targets, mapping, seen, result.warnings)
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
            result.errors.append(f"{name}:{row_number}:{column} ({_shown(header[column - 1])}): patient.id "
                                 f"'{profile.patient.id}' is also used in row {others}; each patient needs "
                                 "their own id, or one packet would overwrite the other")
            result.failed_rows += 1
            continue
        result.drafts.append(_draft(path, row_number, profile, used, header))
    return result


def _row(name: str, row_number: int, row: list[str], header: list[str], targets: list[str | None],
         mapping: Mapping | None, located: dict[str, int],
         warnings: list[str]) -> tuple[Profile, dict[str, int]] | list[str]:
    """One row as a profile, or its errors. A number outside its field's limits is left out with a
    warning (the rest of the patient is still written), never a reason to drop the patient."""
    known = columns()
    data: dict[str, Any] = {"schema_version": 1}
    used: dict[str, int] = {}
    errors: list[str] = []

    def at(column: int) -> str:
        return f"{name}:{row_number}:{column} ({_shown(header[column - 1])})"

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
        if target == "schema_version":  # only plain digits become a number ('²' and 5,000 digits do not)
            data["schema_version"] = int(value) if re.fullmatch(r"[0-9]{1,4}", value) else value
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
        out_of_range = [p for p in exc.problems if p.kind == "range"]
        left_out = []
        if out_of_range and len(out_of_range) == len(exc.problems):
            for problem in out_of_range:
                column = located.get(problem.field)
                where = at(column) if column else f"{name}:{row_number}:1 ({problem.field})"
                left_out.append(f"{where}: {problem.message}{LEFT_OUT}")
                _drop(data, problem.field)
                used.pop(problem.field, None)
            try:
                profile = validate(Profile, _Located(data, {}, {}, text_cells=True), name)
                warnings.extend(left_out)
            except InvalidInput:  # the value was needed (an age, say): the first errors say why
                left_out = []
        if not left_out:
            for problem in exc.problems:
                field_path = problem.field.split("[")[0]
                column = located.get(field_path)
                if column is not None:
                    errors.append(f"{at(column)}: {problem.message}")
                else:
                    missing = f"; add a {field_path} column" if "required" in problem.message else ""
                    errors.append(f"{name}:{row_number}:1 ({problem.field or 'row'}): "
                                  f"{problem.message}{missing}")
            return errors
    return errors if errors else (profile, used)


def _drop(data: dict, dotted: str) -> None:
    """Remove one field (such as diagnosis.size_mm) from a row's data."""
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(parts[-1], None)


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
    draft = Draft(profile.patient.id, source_key=profile.patient.id)
    draft.header = [f"Imported from {path.name} row {row_number} by sop-packets import csv.",
                    "Each comment names the spreadsheet column the value came from."]
    for target, column in sorted(used.items(), key=lambda pair: list(columns()).index(pair[0])
                                 if pair[0] in columns() else -1):
        if target == "schema_version":
            continue
        value = _value(profile, target)
        comment = f"{path.name} row {row_number}, column {column} ({header[column - 1]})"  # render cleans it
        if isinstance(value, list):
            for item in value:
                draft.add(target, item, comment)
        else:
            draft.set(target, value, comment)
    return draft
