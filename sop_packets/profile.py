"""Load a YAML file safely and validate it, reporting every problem with its file, line and field."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InvalidInput, Problem
from .schema import Profile

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 20
MAX_PROBLEMS = 50

Model = TypeVar("Model", bound=BaseModel)
Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false are booleans, so `country: NO` stays text."""


# C0 controls except tab/newline/carriage return, DEL, C1 controls: YAML refuses them anyway.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_REPLACED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# Decimal integers only: a phone number or id such as 0123 stays text instead of turning octal.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


@dataclass
class _Located:
    """Plain data built from YAML nodes, with where each value and key starts."""

    data: Any
    values: dict[Path_, tuple[int, int]]
    keys: dict[Path_, tuple[int, int]]

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The line and column of a field, or of its closest parent that exists in the file."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)


def read_text(path: Path, kind: str = "profile") -> str:
    """Read a small UTF-8 text file, or raise InvalidInput saying what is wrong with it."""

    def fail(message: str) -> InvalidInput:
        return InvalidInput([Problem(str(path), 1, 1, "", message)])

    try:
        if path.is_dir():
            raise fail(f"this is a folder, not a {kind} file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(f"the file is too large ({size:,} bytes); a {kind} must be under 1 MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("no such file") from None
    except PermissionError:
        raise fail("this file cannot be read (permission denied)") from None
    except OSError as exc:
        raise fail(f"this file cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in raw:
        raise fail(f"this is a binary file, not a YAML {kind}")
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
        raise fail(f"the file is empty; a {kind} needs at least schema_version and its sections")
    return text


def parse_yaml(text: str, source: str) -> _Located:
    """Parse YAML with the safe loader and keep the position of every key and value."""
    if bad := _CONTROL.search(text):
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InvalidInput([Problem(source, line, column, "", f"the file has an invisible control character "
                                    f"(U+{ord(bad.group()):04X}) here; delete it or retype the line")])
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "the YAML cannot be read"
        raise InvalidInput(
            [Problem(source, line, column, "", f"YAML syntax error: {what}")]
        ) from None
    except yaml.YAMLError as exc:
        raise InvalidInput([Problem(source, 1, 1, "", f"YAML error: {exc}")]) from None
    except RecursionError:
        raise InvalidInput([Problem(source, 1, 1, "", "the file is nested too deeply to read; "
                                    "a profile needs only a few levels of indentation")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise InvalidInput([Problem(source, 1, 1, "", "the file is empty")])
    located = _Located(None, {}, {})
    problems: list[Problem] = []
    budget = [MAX_NODES]
    located.data = _build(root, (), located, problems, budget, source, loader)
    if problems:
        raise InvalidInput(problems)
    return located


_PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node, path: Path_, located: _Located, problems, budget, source, loader) -> Any:
    """Turn a YAML node into plain data, refusing duplicate keys, tags and alias bombs."""
    budget[0] -= 1
    line, column = _position(node)
    field = _dotted(path)
    if budget[0] < 0 or len(path) > MAX_DEPTH:
        if budget[0] == -1 or len(path) == MAX_DEPTH + 1:
            problems.append(
                Problem(source, line, column, field, "the file is too deeply nested or repeats "
                        "anchors too many times; write the values out plainly")
            )
        return None
    located.values.setdefault(path, (line, column))
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTION_TAGS:
        problems.append(Problem(source, line, column, field,
                                f"this value cannot be used (the YAML tag {node.tag} is not "
                                "allowed); write plain text"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(source, *_position(key_node), field,
                                        "a field name must be plain text"))
                continue
            key = key_node.value
            if key == "<<":
                problems.append(Problem(source, *_position(key_node), field,
                                        "YAML merge keys (<<) are not supported; write the fields out"))
                continue
            if key in result:
                problems.append(Problem(source, *_position(key_node), _dotted((*path, key)),
                                        "this field appears twice; keep only one"))
                if len(problems) > MAX_PROBLEMS:
                    return result
                continue
            located.keys.setdefault((*path, key), _position(key_node))
            result[key] = _build(value_node, (*path, key), located, problems, budget, source, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), located, problems, budget, source, loader)
            for index, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.append(Problem(source, line, column, field,
                                f"this value cannot be used ({exc.problem}); write plain text"))
        return None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError):
        what = "a real date (YYYY-MM-DD)" if node.tag.endswith(":timestamp") else "what its type says"
        problems.append(Problem(source, line, column, field,
                                f"{_show(node.value)} cannot be read as {what}; check this value"))
        return None


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(model: type[Model], located: _Located, source: str) -> Model:
    """Validate parsed data against a model; every problem becomes one located message."""
    if not isinstance(located.data, dict):
        kind = type(located.data).__name__ if located.data is not None else "nothing"
        raise InvalidInput([Problem(source, 1, 1, "", f"the file must be a set of fields such as "
                                    f"'schema_version: 1' and 'patient:', but it holds {kind}")])
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems = [_problem(model, err, located, source) for err in exc.errors()[:MAX_PROBLEMS]]
        if exc.error_count() > MAX_PROBLEMS:
            problems.append(Problem(source, problems[-1].line, problems[-1].column, "",
                                    f"... and {exc.error_count() - MAX_PROBLEMS} more problems"))
        raise InvalidInput(list(dict.fromkeys(problems))) from None


def _problem(model: type[BaseModel], err: dict, located: _Located, source: str) -> Problem:
    path: Path_ = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    line, column = located.where(path, key=kind in ("extra_forbidden", "missing"))
    field = _dotted(path)
    if kind == "extra_forbidden":
        known = list(_fields_at(model, path[:-1]))
        guess = difflib.get_close_matches(str(path[-1])[:100], known, n=1, cutoff=0.6)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; allowed here: {', '.join(known)}"
        return Problem(source, line, column, field, f"unknown field {_show(path[-1])}{hint}")
    if kind == "missing":
        return Problem(source, line, column, field, "this field is required but missing")
    if kind == "enum" or kind == "literal_error":
        allowed = re.findall(r"'([^']*)'|(\d+)", err.get("ctx", {}).get("expected", ""))
        allowed = [a or b for a, b in allowed]
        guess = difflib.get_close_matches(str(value)[:100], allowed, n=1, cutoff=0.6)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        return Problem(source, line, column, field,
                       f"{_show(value)} is not allowed; use one of: {', '.join(allowed)}.{hint}")
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
        return Problem(source, line, column, field, f"{messages[kind]}, not {_show(value)}")
    if kind == "string_pattern_mismatch" and path[-1:] == ("id",):
        return Problem(source, line, column, field,
                       f"{_show(value)} cannot be used as a file name; use 1 to 64 letters, "
                       "digits, dots, dashes or underscores")
    if kind == "string_pattern_mismatch" and path[-1:] == ("language",):
        return Problem(source, line, column, field,
                       f"{_show(value)} is not a language code such as en, es or pt-BR")
    if kind == "string_too_short":
        return Problem(source, line, column, field, "must not be empty")
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return Problem(source, line, column, field, f"is too long (at most {limit} characters)")
    if kind == "too_long":
        limit = err.get("ctx", {}).get("max_length")
        return Problem(source, line, column, field, f"has too many items (at most {limit})")
    if kind in ("greater_than_equal", "less_than_equal"):
        return Problem(source, line, column, field, f"must be between 0 and 120, not {_show(value)}")
    if kind == "value_error":
        return Problem(source, line, column, field, str(err.get("ctx", {}).get("error", err["msg"])))
    return Problem(source, line, column, field, err["msg"])


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    text = str(value)
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


def load_file(model: type[Model], path: Path | str, kind: str) -> Model:
    """Read, parse and validate one YAML file into a model."""
    path = Path(path)
    text = read_text(path, kind)
    located = parse_yaml(text, str(path))
    model_value = validate(model, located, str(path))
    check_glyphs(located, str(path), text)
    return model_value


def check_glyphs(located: _Located, source: str, text: str) -> None:
    """Refuse text that no font of the packet can print (it would be an empty box), located."""
    from .fonts import glyph_problems

    problems = glyph_problems(located.data, located.where, source, text)
    if problems:
        raise InvalidInput(problems[:MAX_PROBLEMS])


def load_profile(path: Path | str) -> Profile:
    """Load one patient profile, or raise InvalidInput listing every problem in it."""
    return load_file(Profile, path, "profile")
