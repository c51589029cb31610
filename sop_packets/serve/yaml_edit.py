"""Changing a profile's YAML text without losing anything: ruamel.yaml round-trip (comments, order,
quoting of untouched values stay), the import's `FILL IN` notes found and cleared field by field,
and a readable difference between two versions."""

from __future__ import annotations

import copy
import difflib
import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

FILL_IN = "FILL IN"
_KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:(?:\s|$)")
_COMMENTED_KEYS = re.compile(r"^#(\s*)([A-Za-z_][\w.]*(?:,\s*[A-Za-z_][\w.]*)*)\s*:(?:\s|$)")
_FILL_COMMENT = re.compile(r"\s+#\s*FILL IN.*$")


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line into two
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(text: str) -> Any:
    """The document for round-trip editing (the caller has already checked it parses)."""
    return _yaml().load(text)


def dump(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        seq = CommentedSeq([_plain(v) for v in value])
        if not value:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        return CommentedMap((k, _plain(v)) for k, v in value.items())
    return value


def set_path(document: Any, path: tuple[str, ...], value: Any) -> None:
    """Set one field, creating its sections; an existing key keeps its place and comment."""
    node = document
    for index, key in enumerate(path[:-1]):
        child = node.get(key)
        if not isinstance(child, dict):
            nested = _plain(value)
            for inner in reversed(path[index + 1:]):
                nested = CommentedMap([(inner, nested)])
            if key in node:
                node[key] = nested
            else:
                _append(node, key, nested)
            return
        node = child
    key = path[-1]
    if key not in node:
        _append(node, key, _plain(value))
        return
    if isinstance(value, list) and isinstance(node.get(key), list) and not any(
            isinstance(v, dict) for v in value):
        current = node[key]
        if len(value) < len(current):
            _drop_items(node, key, len(value))
        old_length = len(current)
        for index, item in enumerate(value):
            if index < len(current):
                if current[index] != item:
                    current[index] = item
            else:
                current.append(item)
        if old_length and len(current) > old_length:
            _move_tail(current, old_length - 1, len(current) - 1)
        if not value:
            current.fa.set_flow_style()
        return
    node[key] = _plain(value)


def _append(mapping: CommentedMap, key: str, value: Any) -> None:
    """Add a key at the end of a mapping, right after the last written field: the comment lines
    that followed that field (placeholders, the next section's notes) move down below the new key."""
    before = _last_leaf(mapping)
    mapping[key] = value
    if before is None:
        return
    token = before[0].ca.items.get(before[1], [None] * 4)[before[2]]
    if token is None or "\n" not in token.value:
        return
    head, _, tail = token.value.partition("\n")
    if not tail:
        return
    token.value = head + "\n"
    if not isinstance(value, dict | list) or value:
        after = _last_leaf(mapping)
        if after is not None:
            slots = after[0].ca.items.setdefault(after[1], [None] * 4)
            moved = copy.copy(token)
            existing = slots[after[2]]
            moved.value = (existing.value if existing is not None else "\n") + tail
            slots[after[2]] = moved
            return
    token.value = head + "\n" + tail  # nothing to carry it: leave it where it was


def _move_tail(items: CommentedSeq, source: int, target: int) -> None:
    """The comment lines after item source (not its own comment) go after item target instead."""
    token = items.ca.items.get(source, [None])[0]
    if token is None or "\n" not in token.value:
        return
    head, _, tail = token.value.partition("\n")
    if not tail:
        return
    token.value = head + "\n"
    moved = copy.copy(token)
    moved.value = "\n" + tail
    items.ca.items.setdefault(target, [None] * 4)[0] = moved


def _drop_items(mapping: CommentedMap, key: str, keep: int) -> None:
    """Shorten a list to its first keep items. A removed item's own comment goes with it; the comment
    lines that followed the list (placeholders, the next section's notes) stay after it."""
    items = mapping[key]
    token = items.ca.items.get(len(items) - 1, [None])[0]
    tail = token.value.partition("\n")[2] if token is not None else ""
    for index in range(keep, len(items)):
        items.ca.items.pop(index, None)
    del items[keep:]
    if not tail:
        return
    if keep:
        slots = items.ca.items.setdefault(keep - 1, [None] * 4)
        if slots[0] is None:
            moved = copy.copy(token)
            moved.value = "\n" + tail
            slots[0] = moved
        else:
            slots[0].value = slots[0].value.rstrip("\n") + "\n" + tail
        return
    moved = copy.copy(token)
    moved.value = "\n" + tail
    mapping.ca.items.setdefault(key, [None] * 4)[2] = moved


def _last_leaf(node: Any) -> tuple[Any, Any, int] | None:
    """(container, key, comment slot) of the last scalar written in a mapping or list."""
    if isinstance(node, dict) and node:
        key = list(node.keys())[-1]
        value = node[key]
        if isinstance(value, dict | list) and value:
            return _last_leaf(value)
        return node, key, 2
    if isinstance(node, list) and node:
        value = node[-1]
        if isinstance(value, dict | list) and value:
            return _last_leaf(value)
        return node, len(node) - 1, 0
    return None


def get_path(data: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(present, value) of a field in plain nested data."""
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


# ---------------------------------------------------------------- FILL IN notes


@dataclass(frozen=True)
class FillIn:
    """One `FILL IN` note the import left: the field it is about, its line and its words."""

    path: tuple[str, ...]
    line: int
    note: str
    commented: bool  # a commented-out placeholder line (the field is not in the file yet)


def fill_ins(text: str) -> list[FillIn]:
    """Every FILL IN note in a profile's text, with the field each one is about."""
    found: list[FillIn] = []
    stack: list[tuple[int, str]] = []
    section = ""  # the last top-level name, written or commented out (`# treatment_plan:`)
    comment_stack: list[tuple[int, str]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            indent = len(line) - len(stripped)
            match = _COMMENTED_KEYS.match(stripped)
            if match and indent == 0 and not match.group(1).strip() and line.rstrip().endswith(":") \
                    and "," not in match.group(2) and "." not in match.group(2):
                section = match.group(2)  # `# treatment_plan:`: a section left for the coordinator
                stack = []
                comment_stack = []
                continue
            if FILL_IN not in line or not match:
                if match:
                    comment_stack = _push(comment_stack, indent + len(match.group(1)), match.group(2))
                continue
            depth = indent + len(match.group(1))
            comment_stack = _push(comment_stack, depth, match.group(2))
            base = tuple(k for d, k in stack if d < indent) if indent else ((section,) if section else ())
            note = _continued(line.split(FILL_IN, 1)[1].lstrip(" :").strip(), lines[number:])
            children = _commented_children(line, lines[number:])
            for key in match.group(2).split(","):
                path = (*base, *key.strip().split("."))
                for child, child_note in children or [((), "")]:
                    found.append(FillIn((*path, *child), number,
                                        f"{note.rstrip(': ')}: {child_note}" if child_note else note, True))
            continue
        match = _KEY_LINE.match(line)
        if not match:
            continue
        indent, key = len(match.group(1)), match.group(2)
        stack = _push(stack, indent, key)
        if indent == 0:
            section = key
        if FILL_IN in line.split("#", 1)[-1] and "#" in line:
            note = line.split(FILL_IN, 1)[1].lstrip(" :").strip()
            found.append(FillIn(tuple(k for _, k in stack), number, note, False))
    return found


def _commented_children(line: str, following: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """The fields under a commented FILL IN mapping (`# melanoma:  # FILL IN` then `#   breslow_mm:`),
    each with its own comment, so the list links to the fields themselves; [] when it has a value."""
    body = line.split("#", 2)[1] if line.lstrip().startswith("#") else ""
    if not re.match(r"^\s*[A-Za-z_][\w.]*\s*:\s*$", body):
        return []
    depth = _comment_depth(line)
    children: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[int, str]] = []
    for nxt in following:
        stripped = nxt.lstrip()
        if not stripped.startswith("#") or FILL_IN in nxt or _comment_depth(nxt) <= depth:
            break
        match = _COMMENTED_KEYS.match(stripped)
        if not match or "," in match.group(2):
            break
        stack = _push(stack, _comment_depth(nxt), match.group(2))
        comment = stripped[match.end():].partition("#")[2]
        if children and children[-1][0] == tuple(k for _, k in stack[:-1]):
            children.pop()  # the previous line was this one's parent, not a field
        children.append((tuple(k for _, k in stack), comment.strip()))
    return children


def _continued(note: str, following: list[str]) -> str:
    """A note that runs on in the next lines' comments (`#   poor_communication, cost,`) in full."""
    for line in following:
        if not note.endswith((",", "(")):
            break
        more = re.match(r"^\s*#.*?\s#(\s{2,}\S.*)$", line)
        if not more or FILL_IN in line:
            break
        note = f"{note} {more.group(1).strip()}"
    return note


def _push(stack: list[tuple[int, str]], indent: int, key: str) -> list[tuple[int, str]]:
    return [*(item for item in stack if item[0] < indent), (indent, key)]


def clear_fill_ins(text: str, done: set[tuple[str, ...]]) -> str:
    """The text without the FILL IN notes of the fields in done.

    A written field keeps its value and loses only its FILL IN comment. A commented placeholder
    goes with the commented lines under it; a run of commented lines (such as a whole commented
    `# treatment_plan:` section) goes entirely once every FILL IN in it is done.
    """
    notes = fill_ins(text)
    is_done: dict[int, bool] = {}
    for n in notes:
        # every field a placeholder line names must be done before it goes
        is_done[n.line] = is_done.get(n.line, True) and any(n.path[: len(d)] == d for d in done)
    lines = text.split("\n")
    drop: set[int] = set()
    for block in _comment_blocks(lines):
        inside = [n for n in notes if n.commented and n.line - 1 in block]
        if inside and all(is_done[n.line] for n in inside):
            drop.update(block)
            continue
        for note in inside:
            if not is_done[note.line]:
                continue
            index = note.line - 1
            drop.add(index)
            depth = _comment_depth(lines[index])
            following = index + 1
            while following in block and _comment_depth(lines[following]) > depth \
                    and FILL_IN not in lines[following]:
                drop.add(following)
                following += 1
    for note in notes:
        if not note.commented and is_done[note.line]:
            lines[note.line - 1] = _FILL_COMMENT.sub("", lines[note.line - 1])
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def _comment_blocks(lines: list[str]) -> list[set[int]]:
    """Runs of consecutive comment lines that hold at least one commented field."""
    blocks: list[set[int]] = []
    current: list[int] = []
    for index, line in enumerate([*lines, ""]):
        if line.lstrip().startswith("#"):
            current.append(index)
            continue
        if current and any(_COMMENTED_KEYS.match(lines[i].lstrip()) for i in current):
            blocks.append(set(current))
        current = []
    return blocks


def _comment_depth(line: str) -> int:
    body = line.lstrip()[1:]
    return len(line) - len(line.lstrip()) + len(body) - len(body.lstrip())


# ---------------------------------------------------------------- differences


def difference(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of two versions of a file (empty when they are the same)."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=old_name, tofile=new_name))

