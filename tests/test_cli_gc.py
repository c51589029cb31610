"""A command that runs once and leaves collects garbage less often (cli.ONE_SHOT_GC); `serve` keeps Python's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sop_packets import cli

ROOT = Path(__file__).parent.parent
REPORT = ("import atexit, gc, sys; atexit.register(lambda: print('threshold', gc.get_threshold())); "
          "sys.argv = ['sop-packets', *sys.argv[1:]]; from sop_packets.cli import main; main()")


@pytest.mark.parametrize("args, expected", [(["--help"], cli.ONE_SHOT_GC), (["build", "--help"], cli.ONE_SHOT_GC),
                                            (["--debug", "validate", "--help"], cli.ONE_SHOT_GC),
                                            (["serve", "--help"], (700, 10, 10)),
                                            (["--debug", "serve", "--help"], (700, 10, 10))])
def test_the_collector_thresholds_of_a_command(args, expected):
    done = subprocess.run([sys.executable, "-c", REPORT, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"threshold {expected}")


def test_the_command_is_the_first_word_that_is_not_an_option():
    assert cli._subcommand(["--debug", "serve", "profiles"]) == "serve"
    assert cli._subcommand(["build", "p.yaml", "-o", "out"]) == "build"
    assert cli._subcommand(["--help"]) is None
