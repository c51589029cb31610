"""Shared fixtures: small valid profiles written to temporary files."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

MINIMAL = """\
schema_version: 1
patient:
  id: {id}
  name: {name}
  age: 58
diagnosis:
  cancer_type: melanoma
  diagnosed_by: primary_care
"""


@pytest.fixture
def write(tmp_path: Path):
    """Write text to a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def minimal(write):
    """Write a minimal valid profile; keyword arguments fill its id and name."""

    def _minimal(name: str = "p.yaml", id: str = "p-1", patient_name: str = "Test Patient",
                 extra: str = "") -> Path:
        return write(name, MINIMAL.format(id=id, name=patient_name) + extra)

    return _minimal


EXAMPLE_PROFILES = Path(__file__).parent.parent / "profiles"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of three example profiles, for the batch tests."""
    target = tmp_path / "profiles"
    target.mkdir()
    for name in ("ex-02-bcc-nose-reconstruction", "ex-07-skin-lymphoma-telemedicine", "ex-09-other-minimal"):
        shutil.copy(EXAMPLE_PROFILES / f"{name}.yaml", target)
    return target
