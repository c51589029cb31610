"""Batch progress for people watching: a bar with rate and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time

import click


class Progress:
    """Receives batch events; failures are always printed, progress only as the output allows."""

    def __init__(self, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if enabled is None else enabled
        self.total = 0
        self.done = 0
        self.started = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if total and not self.tty:
            click.echo(f"building {total} packets", file=self.stream)

    def warning(self, message: str) -> None:
        self._clear()
        click.echo(message, file=self.stream)

    def result(self, item) -> None:
        if item.status == "failed":
            self._clear()
            click.echo(f"FAILED {item.error}", file=self.stream)
        if item.status == "not_reviewed":
            self._clear()
            click.echo(f"NOT BUILT {item.error}", file=self.stream)
            return
        if item.status == "unchanged" or (item.status == "failed" and not item.worker_pid):
            return  # not one of the packets being rendered
        self.done += 1
        if self.tty:
            self._draw()
        elif item.status == "built":
            click.echo(f"[{self.done}/{self.total}] built {item.source} ({item.seconds:.2f} s)",
                       file=self.stream)

    def _rate(self) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return self.done / elapsed

    def _draw(self) -> None:
        total = max(self.total, self.done, 1)
        width = 30
        filled = int(width * self.done / total)
        rate = self._rate()
        eta = (total - self.done) / rate if rate else 0
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{total}  {rate:.1f} packets/s  ETA {eta:4.0f} s ")
        self.stream.flush()

    def _clear(self) -> None:
        if self.tty and self.done:
            self.stream.write("\r" + " " * 78 + "\r")

    def finish(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()
