"""The errors a user can cause, as one small hierarchy the CLI prints without a traceback."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    line: int
    column: int
    field: str
    message: str
    secret: str = field(default="", compare=False)  # the quoted value, left out of reports
    kind: str = field(default="", compare=False)  # "range" for a number outside its field's limits

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", _one_line(self.file, 1000))
        object.__setattr__(self, "field", _one_line(self.field, 120))
        object.__setattr__(self, "message", _one_line(self.message, 400))
        object.__setattr__(self, "secret", _one_line(self.secret, 400))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def redacted(self) -> str:
        """The line without the value it quotes (for report files, which travel further than a screen)."""
        if not self.secret or self.secret not in self.message:
            return str(self)
        hidden = Problem(self.file, self.line, self.column, self.field,
                         self.message.replace(self.secret, "(value not shown)"))
        return str(hidden)


def printable(text: object, limit: int = 400) -> str:
    """User text made safe to print on a terminal, in one line: the one sanitiser for every message that
    echoes what a file holds (a cell, a header, a file name, a FHIR display)."""
    return _one_line(str(text), limit)


def _one_line(text: str, limit: int) -> str:
    """Line breaks in quoted input must not start what looks like a new error line; long text is cut;
    control and format characters (terminal escape codes, direction overrides) are shown as codes."""
    flat = " ".join(text.splitlines())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    if flat.isascii() and flat.isprintable():
        return flat
    return "".join(_visible(char) for char in flat)


def _visible(char: str) -> str:
    if char.isascii() and (char.isprintable() or char == "\t"):
        return char
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    return char


class SopError(click.ClickException):
    """Base of every expected failure: one clean message and an exit code."""

    exit_code = 1

    def show(self, file=None) -> None:
        lines = self.format_message().split("\n")  # each line made safe for the terminal
        click.echo("\n".join(printable(line, 4000) for line in lines), err=True, file=file)


class InvalidInput(SopError):
    """An input file (profile or clinic) is unreadable or breaks the schema; exit status 2."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.message.startswith("... and "), p))  # count last
        super().__init__("\n".join(str(p) for p in self.problems))


class BuildError(SopError):
    """A packet could not be made or written."""


class MissingSystemLibrary(SopError):
    """A system library WeasyPrint needs is not installed."""

    exit_code = 3
