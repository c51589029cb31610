"""Load a YAML file safely and validate it, reporting every problem with its file, line and field."""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InvalidInput, Problem
from .fonts import glyph_problems
from .hints import near_word, range_words, unit_hint
from .schema import Profile

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 20
MAX_PROBLEMS = 50

Model = TypeVar("Model", bound=BaseModel)
Path_ = tuple[str | int, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's C parser when PyYAML has it
    """SafeLoader that reads plain values the YAML 1.2 way (parsed by libyaml's C parser: linear and
    about 30 times faster than the pure-Python one, with the same node positions).

    Only true/false are booleans (so `country: NO` stays text); numbers are plain decimals (no
    octal 0123, no sexagesimal 1:20, no 1_000); dates are YYYY-MM-DD. Whatever a value resolves
    to, a field that holds text keeps exactly what was typed (see _keep_typed_text).
    """


# C0 controls except tab/newline/carriage return, DEL, C1 controls: YAML refuses them anyway.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^[-+]?(?:0|[1-9][0-9]{0,17})$", "-+0123456789"),
    ("float", r"^[-+]?(?:[0-9]{1,18}\.[0-9]{0,18}|\.[0-9]{1,18})(?:[eE][-+]?[0-9]{1,3})?$", "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("timestamp", r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$", "0123456789"),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
_PLAIN_SCALAR_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "int", "float", "null", "timestamp")}
MAX_SYNTAX_ERRORS = 10
MAX_REREAD_CHARS = 2 * 1024 * 1024  # text parsed again after syntax errors, in all


class ProblemList(list):
    """Problems, keeping the first MAX_PROBLEMS and counting the rest (a file with 90,000 bad lines
    gives 50 lines and a count, in linear time)."""

    dropped = 0

    @property
    def full(self) -> bool:
        return len(self) >= MAX_PROBLEMS

    def append(self, problem: Problem) -> None:
        if len(self) < MAX_PROBLEMS:
            super().append(problem)
        else:
            self.dropped += 1

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems):
        self.extend(problems)
        return self

    def final(self, source: str) -> list[Problem]:
        """The kept problems, without repeats, and a last line that counts the ones left out."""
        kept = list(dict.fromkeys(self))
        if self.dropped:
            last = max(kept)
            kept.append(Problem(source, last.line, last.column, "",
                                f"... and {self.dropped} more problems (fix these first)"))
        return kept


@dataclass
class _Located:
    """Plain data built from YAML nodes, with where each value and key starts.

    raw holds what was typed for every plain value that YAML read as something other than text;
    problems are those found while reading (syntax, duplicates, tags), and bad_paths their fields.
    """

    data: Any
    values: dict[Path_, tuple[int, int]]
    keys: dict[Path_, tuple[int, int]]
    raw: dict[Path_, str] = field(default_factory=dict)
    problems: ProblemList = field(default_factory=ProblemList)
    bad_paths: set[Path_] = field(default_factory=set)
    blanked_lines: list[str] = field(default_factory=list)
    flow_bare: set[Path_] = field(default_factory=set)  # `RN` in {name: Ellis, RN}: a comma split a value
    text_cells: bool = False  # every value is text from a spreadsheet cell: read numbers and yes/no from it
    source_text: str = ""  # the file's text, to point at a character no font has

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The line and column of a field, or of its closest parent that exists in the file."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)


def read_bytes(path: Path, kind: str = "profile", limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a small regular file, or InvalidInput saying what is wrong with it.

    Pipes, devices and sockets are refused before reading (their size says nothing), and no more
    than the limit is ever read.
    """

    def fail(message: str) -> InvalidInput:
        return InvalidInput([Problem(str(path), 1, 1, "", message)])

    named = kind if kind.endswith(" file") else f"{kind} file"  # "a CSV file", "a profile file"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise fail("no such file") from None
    except PermissionError:
        raise fail("this file cannot be read (permission denied)") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise fail("this is a link that points to itself or to nothing") from None
        raise fail(f"this file cannot be read ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise fail(f"this is a folder, not a {named}")
        raise fail(f"this is not a regular file (it is a pipe, device or socket); name a {named}")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise fail(f"this file cannot be read ({exc.strerror or exc})") from None
    if len(raw) > limit:
        size = f"{limit / 2**20:g} MiB"
        raise fail(f"the file is too large (more than {size}); a {kind} must be under {size}")
    return raw


def decode(raw: bytes, path: Path, kind: str = "profile") -> str:
    """UTF-8 text of a file's bytes, or a located InvalidInput."""
    if b"\x00" in raw:
        raise InvalidInput([Problem(str(path), 1, 1, "", f"this is a binary file, not a YAML {kind}")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InvalidInput(
            [Problem(str(path), line, column, "", "the file is not UTF-8 text; save it as UTF-8")]
        ) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise InvalidInput([Problem(str(path), 1, 1, "", f"the file is empty; a {kind} needs at least "
                                    "schema_version and its sections")])
    return text


def read_text(path: Path, kind: str = "profile") -> str:
    """Read a small UTF-8 text file, or raise InvalidInput saying what is wrong with it."""
    return decode(read_bytes(path, kind), path, kind)


def parse_yaml(text: str, source: str) -> _Located:
    """Parse YAML with the safe loader and keep the position of every key and value.

    Raises InvalidInput listing every problem found while reading.
    """
    located = parse_located(text, source)
    if located.problems:
        raise InvalidInput(located.problems.final(source))
    return located


def parse_located(text: str, source: str) -> _Located:
    """Parse as far as possible, keeping every reading problem in located.problems.

    After a syntax error the line is set aside and the rest read again (up to ten times), so the
    problems further down the file are found in the same run.
    """
    located = _Located(None, {}, {}, source_text=text)
    lines = text.split("\n")
    for bad in list(_CONTROL.finditer(text))[:MAX_PROBLEMS]:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        located.problems.append(Problem(source, line, column, "", "the file has an invisible control "
                                        f"character (U+{ord(bad.group()):04X}) here; delete it or "
                                        "retype the line"))
    text = _CONTROL.sub(" ", text)
    root = loader = None
    read = 0
    for _attempt in range(MAX_SYNTAX_ERRORS):
        if read and read + len(text) > MAX_REREAD_CHARS:  # bounded: a 1 MiB file is read at most twice
            located.problems.append(Problem(source, located.problems[-1].line, 1, "", "the rest of the file "
                                            "was not checked; fix the problems above and check it again"))
            break
        read += len(text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            break
        except yaml.MarkedYAMLError as exc:
            line, column, message, blank = _syntax_problem(exc, text.split("\n"))
            located.problems.append(Problem(source, line, column, "", message))
            loader.dispose()
            loader = None
            current = text.split("\n")
            if blank is None or blank > len(current) or not current[blank - 1].strip():
                break
            located.blanked_lines.append(lines[blank - 1] if blank <= len(lines) else "")
            current[blank - 1] = ""
            text = "\n".join(current)
        except yaml.YAMLError as exc:
            located.problems.append(Problem(source, 1, 1, "", f"the YAML cannot be read ({exc})"))
            loader = None
            break
        except RecursionError:
            located.problems.append(Problem(source, 1, 1, "", "the file is nested too deeply to read; "
                                            "a profile needs only a few levels of indentation"))
            loader = None
            break
    if loader is None:
        if not located.problems:
            located.problems.append(Problem(source, 1, 1, "", "the file cannot be read as YAML"))
        return located
    try:
        if root is None:
            located.problems.append(Problem(source, 1, 1, "", "the file is empty"))
            return located
        budget = [MAX_NODES]
        located.data = _build(root, (), located, located.problems, budget, source, loader)
    finally:
        loader.dispose()
    return located


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _syntax_problem(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str, int | None]:
    """A YAML syntax error in words a coordinator can act on: line, column, message, line to skip."""
    problem = exc.problem or ""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    previous = next((ln for ln in reversed(lines[: line - 1])
                     if ln.strip() and not ln.lstrip().startswith("#")), "")
    if "nesting depth" in problem:  # libyaml stops at 1000 levels
        return (line, column, "the file is nested too deeply to read; a profile needs only a few levels "
                "of indentation", None)
    if "'\\t'" in problem or "tab" in problem:
        if "\t" in text[: len(text) - len(text.lstrip())]:
            return line, 1, f"line {line} starts with a tab; indent with spaces instead", line
        return line, column, f"line {line} has a tab where YAML does not allow one; use spaces", line
    if "mapping values are not allowed" in problem:
        before = text[: column - 1]
        if re.search(r":(\s|$)", before):
            return (line, column, "put text that contains ': ' in quotes, for example "
                    "name: \"Dr. Lee: dermatology\"", line)
        if _indent(text) > _indent(previous):
            return line, 1, f"line {line} is indented more than the line above; line it up", line
        return line, column, "put text that contains ': ' in quotes", line
    if "end of stream" in problem and "quoted" in (exc.context or ""):
        start = exc.context_mark
        where = start.line + 1 if start else line
        return (where, (start.column + 1) if start else 1,
                f"the quote that opens on line {where} is never closed; add the closing quote", where)
    if "did not find expected key" in problem or "expected <block end>" in problem:
        if _indent(text) > _indent(previous):
            return line, 1, f"line {line} is indented more than the line above; line it up", line
        return (line, 1, f"line {line} is not lined up with the lines above it; indent it like the "
                "other fields of its section", line)
    if ("flow" in (exc.context or "") and exc.context_mark is not None and text[column - 1:column] == ":"
            and exc.context_mark.line + 1 == line):
        return (line, column, "inside { } or [ ], put text that contains ': ' in quotes, for example "
                "{name: \"Dr. Lee: dermatology\"}", line)
    if "flow" in (exc.context or "") and exc.context_mark is not None:
        start = exc.context_mark
        closing = "]" if "sequence" in exc.context else "}"
        return (start.line + 1, start.column + 1,
                f"the '{'[' if closing == ']' else '{'}' on line {start.line + 1} is never closed; add "
                f"'{closing}', or put text that starts with '{'[' if closing == ']' else '{'}' in quotes",
                start.line + 1)
    if "undefined alias" in problem:
        return line, column, "this *name refers to an anchor (&name) that is not defined", line
    if "single document" in (exc.context or "") + problem:
        return line, 1, "the file holds more than one document (a line with ---); keep one per file", None
    if "cannot start any token" in problem:
        return (line, column, "text cannot start with this character; put the whole value in quotes",
                line)
    if "escape" in problem:
        return (line, column, "a backslash in double quotes starts a code YAML does not know; use "
                "single quotes instead", line)
    return (line, column, f"line {line} cannot be read as YAML ({problem or 'syntax error'}); check its "
            "indentation and quotes", line)


_PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node, path: Path_, located: _Located, problems, budget, source, loader) -> Any:
    """Turn a YAML node into plain data, refusing duplicate keys, tags and alias bombs."""
    budget[0] -= 1
    line, column = _position(node)
    field_name = _dotted(path)
    if budget[0] < 0 or len(path) > MAX_DEPTH:
        if budget[0] == -1:
            problems.append(Problem(source, line, column, field_name, f"the file holds more than "
                                    f"{MAX_NODES:,} values (or repeats anchors too many times); a "
                                    "profile needs far fewer: write the values out plainly"))
        elif len(path) == MAX_DEPTH + 1:
            problems.append(Problem(source, line, column, field_name, "the file is too deeply nested; "
                                    "a profile needs only a few levels of indentation"))
        located.bad_paths.add(path)
        return None
    located.values.setdefault(path, (line, column))
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTION_TAGS:
        problems.append(Problem(source, line, column, field_name,
                                f"this value cannot be used (the YAML tag {_safe(node.tag)} is not "
                                "allowed); write plain text"))
        located.bad_paths.add(path)
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(source, *_position(key_node), field_name,
                                        "a field name must be plain text"))
                continue
            key = key_node.value
            if key == "<<":
                problems.append(Problem(source, *_position(key_node), field_name,
                                        "YAML merge keys (<<) are not supported; write the fields out"))
                located.bad_paths.add(path)
                continue
            if key in result and getattr(problems, "full", False):
                problems.dropped += 1
                located.bad_paths.add((*path, key))
                continue
            if key in result:
                problems.append(Problem(source, *_position(key_node), _dotted((*path, key)),
                                        "this field appears twice; keep only one"))
                located.bad_paths.add((*path, key))
                continue
            located.keys.setdefault((*path, key), _position(key_node))
            if (node.flow_style and isinstance(value_node, yaml.ScalarNode) and value_node.value == ""
                    and not key_node.style and not value_node.style):
                located.flow_bare.add((*path, key))
            result[key] = _build(value_node, (*path, key), located, problems, budget, source, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), located, problems, budget, source, loader)
            for index, item in enumerate(node.value)
        ]
    if node.tag not in _PLAIN_SCALAR_TAGS:
        problems.append(Problem(source, line, column, field_name,
                                f"this value cannot be used (the YAML tag {_safe(node.tag)} is not "
                                "allowed); write plain text"))
        located.bad_paths.add(path)
        return None
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.append(Problem(source, line, column, field_name,
                                f"this value cannot be used ({exc.problem}); write plain text"))
        located.bad_paths.add(path)
        return None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError):
        what = "a real date (YYYY-MM-DD)" if node.tag.endswith(":timestamp") else "what its type says"
        problems.append(Problem(source, line, column, field_name,
                                f"{_show(node.value)} cannot be read as {what}; check this value",
                                secret=_show(node.value)))
        located.bad_paths.add(path)
        return None
    if not isinstance(value, str) and not node.style and value is not None:  # plain: None, or "" from libyaml
        located.raw[path] = node.value
    return value


def _safe(text: str) -> str:
    return text[:80].encode("ascii", "backslashreplace").decode()


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(model: type[Model], located: _Located, source: str, prepared_on: date | None = None) -> Model:
    """Validate parsed data against a model; every problem (reading ones too) is one located message."""
    problems = ProblemList(located.problems)
    problems.dropped = located.problems.dropped
    if not isinstance(located.data, dict):
        if problems:
            raise InvalidInput(problems.final(source))
        kind = type(located.data).__name__ if located.data is not None else "nothing"
        raise InvalidInput([Problem(source, 1, 1, "", f"the file must be a set of fields such as "
                                    f"'schema_version: 1' and 'patient:', but it holds {kind}")])
    _normalise(model, located.data, (), located, source, problems)
    if model is Profile:
        problems += _date_problems(located, source, prepared_on or date.today())
    problems += glyph_problems(located.data, located.where, source, located.source_text)[:MAX_PROBLEMS]
    try:
        result = model.model_validate(located.data)
    except ValidationError as exc:
        errors = [err for err in exc.errors() if not _caused_by_earlier(tuple(err["loc"]), err, located)]
        problems += [_problem(model, err, located, source) for err in errors[:MAX_PROBLEMS]]
        problems.dropped += max(0, len(errors) - MAX_PROBLEMS)
        result = None
    if problems:
        raise InvalidInput(problems.final(source))
    return result  # type: ignore[return-value]


def _caused_by_earlier(path: Path_, err: dict, located: _Located) -> bool:
    """An error about a value already reported (or about a line set aside after a syntax error)."""
    if any(path[:end] in located.bad_paths for end in range(len(path) + 1)):  # a set lookup per level
        return True
    if err["type"] == "value_error" and (*path[:-1], "date_of_birth") in located.bad_paths:
        return "date_of_birth" in str(err.get("msg", ""))  # "give age or date_of_birth": it was given
    if err["type"] == "missing" and path:
        key = re.compile(rf"^\s*(-\s+)?['\"]?{re.escape(str(path[-1]))}['\"]?\s*:")
        return any(key.match(line) for line in located.blanked_lines)
    return False


def _shape(annotation: Any) -> tuple[str, Any]:
    """What a field holds: text, bool, int, float, a list of something, a group (model) or other."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shape(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _shape(args[0]) if len(args) == 1 else ("other", None)
    if origin is list:
        return "list", get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return {str: "text", bool: "bool", int: "int", float: "float"}.get(annotation, "other"), None


def _normalise(model: type[BaseModel], data: dict, path: Path_, located: _Located, source: str,
               problems: list[Problem]) -> None:
    """Make the data mean what was typed: text fields keep the typed characters (555.0100 stays
    555.0100, 1:20 stays 1:20); true/false and yes/no are the only yes-or-no answers; numbers are
    numbers, not quoted text. An empty value (`stage:` with nothing after it) of a field that is not
    required counts as not given, as the profile reference says: the field's default applies."""
    for name, value in list(data.items()):
        info = model.model_fields.get(name) if isinstance(name, str) else None
        if info is not None and value is None and not info.is_required():
            del data[name]
        elif info is not None:
            _fix(info.annotation, value, (*path, name), data, name, located, source, problems)


def _number_from_cell(text: str, kind: type) -> Any:
    """A spreadsheet cell's number, or the text unchanged (then refused as typed)."""
    try:
        return kind(text.strip())
    except ValueError:
        return text


def _fix(annotation, value, path: Path_, parent, key, located: _Located, source: str, problems) -> None:
    kind, inner = _shape(annotation)
    line, column = located.where(path)

    def refuse(message: str) -> None:
        hint = unit_hint(path, value) if kind in ("int", "float") else ""
        problems.append(Problem(source, line, column, _dotted(path), f"{message}, not {_show(value)}{hint}",
                                secret=_show(value)))
        located.bad_paths.add(path)

    if located.text_cells and isinstance(value, str) and kind in ("int", "float"):
        parent[key] = value = _number_from_cell(value, int if kind == "int" else float)
    if kind == "model" and isinstance(value, dict):
        _normalise(inner, value, path, located, source, problems)
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            _fix(inner, item, (*path, index), value, index, located, source, problems)
    elif kind == "text" and not isinstance(value, str) and path in located.raw:
        parent[key] = located.raw[path]
    elif kind == "bool" and isinstance(value, str) and value.lower() in ("yes", "no"):
        parent[key] = value.lower() == "yes"
    elif kind == "bool" and located.text_cells and isinstance(value, str) and value.strip().lower() in (
            "true", "false", "yes", "no"):
        parent[key] = value.strip().lower() in ("true", "yes")
    elif kind == "bool" and value is not None and not isinstance(value, bool):
        refuse("must be true or false (yes or no also work)")
    elif kind == "int" and value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float)
            or (isinstance(value, float) and not value.is_integer())):
        refuse("must be a whole number")
    elif kind == "float" and value is not None and (isinstance(value, bool)
                                                    or not isinstance(value, int | float)):
        refuse("must be a number")


OLDEST_AGE = 120


def _date_problems(located: _Located, source: str, prepared_on: date) -> list[Problem]:
    """A birth date must give a possible age on the packet's date: not after it, not 120+ years before."""
    patient = located.data.get("patient")
    born = patient.get("date_of_birth") if isinstance(patient, dict) else None
    if not isinstance(born, date):
        return []
    path = ("patient", "date_of_birth")
    line, column = located.where(path)
    shown = f"'{born.isoformat()}'"
    message = None
    if born > prepared_on:
        message = (f"{shown} is after the date of this packet ({prepared_on.isoformat()}); "
                   "check the year")
    elif prepared_on.year - born.year > OLDEST_AGE:
        message = (f"{shown} would make the patient {prepared_on.year - born.year} years old; "
                   "check the year")
    if message is None:
        return []
    located.bad_paths.add(path)
    return [Problem(source, line, column, "patient.date_of_birth", message, secret=shown)]


def _problem(model: type[BaseModel], err: dict, located: _Located, source: str) -> Problem:
    path: Path_ = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    line, column = located.where(path, key=kind in ("extra_forbidden", "missing"))
    field = _dotted(path)
    if kind == "extra_forbidden":
        known = list(_fields_at(model, path[:-1]))
        if path in located.flow_bare:
            return Problem(source, line, column, field, f"unknown field {_show(path[-1])}: inside {{ }} a "
                           "comma starts a new field; put text that contains ', ' in quotes, for example "
                           "{name: \"Jordan Ellis, RN\"}")
        guess = difflib.get_close_matches(str(path[-1])[:100], known, n=1, cutoff=0.6)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; allowed here: {', '.join(known)}"
        return Problem(source, line, column, field, f"unknown field {_show(path[-1])}{hint}")
    if kind == "missing":
        return Problem(source, line, column, field, "this field is required but missing")
    if kind == "enum" or kind == "literal_error":
        allowed = re.findall(r"'([^']*)'|(\d+)", err.get("ctx", {}).get("expected", ""))
        allowed = [a or b for a, b in allowed]
        guess = near_word(value, allowed)
        hint = f" Did you mean '{guess}'?" if guess else ""
        return Problem(source, line, column, field,
                       f"{_show(value)} is not allowed; use one of: {', '.join(allowed)}.{hint}",
                       secret=_show(value))
    messages = {
        "bool_parsing": "must be true or false",
        "bool_type": "must be true or false",
        "int_parsing": "must be a whole number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD",
        "date_parsing": "must be a date written as YYYY-MM-DD",
        "date_type": "must be a date written as YYYY-MM-DD",
        "date_from_datetime_inexact": "must be a date written as YYYY-MM-DD",
        "string_type": "must be text",
        "list_type": "must be a list (one '- item' per line)",
        "model_type": "must be a group of fields (indented lines under this name)",
        "model_attributes_type": "must be a group of fields (indented lines under this name)",
        "dict_type": "must be a group of fields (indented lines under this name)",
    }
    if kind in messages:
        return Problem(source, line, column, field, f"{messages[kind]}, not {_show(value)}",
                       secret=_show(value))
    if kind == "string_pattern_mismatch" and path[-1:] == ("id",):
        return Problem(source, line, column, field,
                       f"{_show(value)} cannot be used as a file name; use 1 to 64 letters, "
                       "digits, dots, dashes or underscores, starting with a letter or digit",
                       secret=_show(value))
    if kind == "string_pattern_mismatch" and path[-1:] == ("language",):
        return Problem(source, line, column, field,
                       f"{_show(value)} is not a language code such as en, es or pt-BR",
                       secret=_show(value))
    if kind == "string_too_short":
        return Problem(source, line, column, field, "must not be empty")
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return Problem(source, line, column, field, f"is too long (at most {limit} characters)")
    if kind == "too_long":
        limit = err.get("ctx", {}).get("max_length")
        return Problem(source, line, column, field, f"has too many items (at most {limit})")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return Problem(source, line, column, field, f"{range_words(model, path)}, not {_show(value)}",
                       secret=_show(value), kind="range")
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        shown = re.match(r"^('[^']*')", message)
        return Problem(source, line, column, field, message, secret=shown.group(1) if shown else "")
    return Problem(source, line, column, field, err["msg"])


def _show(value: Any) -> str:
    """A value quoted for a message: cut short, and a huge number described instead of printed."""
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)  # a spreadsheet's 5000 is shown as 5000, not 5000.0
    try:
        text = str(value)
    except (ValueError, RecursionError):
        return "this value"
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _fields_at(model: type[BaseModel], path: Path_) -> Iterator[str]:
    """The field names allowed at a path inside the model."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return
        current = field.annotation
        for arg in getattr(current, "__args__", ()) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    if isinstance(current, type) and issubclass(current, BaseModel) and not issubclass(current, Enum):
        yield from current.model_fields


def load_file(model: type[Model], path: Path | str, kind: str, prepared_on: date | None = None) -> Model:
    """Read, parse and validate one YAML file into a model."""
    path = Path(path)
    text = read_text(path, kind)
    return validate(model, parse_located(text, str(path)), str(path), prepared_on)


def parse_profile_bytes(raw: bytes, path: Path, prepared_on: date | None = None) -> Profile:
    """Validate a profile from bytes already read (so a batch digests exactly what it built)."""
    text = decode(raw, path, "profile")
    return validate(Profile, parse_located(text, str(path)), str(path), prepared_on)


def load_profile(path: Path | str, prepared_on: date | None = None) -> Profile:
    """Load one patient profile, or raise InvalidInput listing every problem in it.

    prepared_on is the packet's date: a birth date after it is refused (default: today).
    """
    return load_file(Profile, path, "profile", prepared_on)
