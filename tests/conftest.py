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


PRINT_CONFIGS = ("standard-letter", "large-letter", "standard-a4", "large-a4")
INTERNATIONAL = Path(__file__).parent / "fixtures" / "international"


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> dict[str, tuple[Path, Path | None]]:
    """Every example profile and international fixture as PDF, in its own language, in standard and large
    print on Letter and A4: config -> (output folder, the clinic file used). Built once per session."""
    import re
    from datetime import date

    from sop_packets.batch import run_batch
    from sop_packets.build import BuildOptions
    from sop_packets.content import template_dir

    base = tmp_path_factory.mktemp("printed")
    clinic = base / "a4-clinic"
    shutil.copytree(template_dir() / "clinic", clinic)
    conf = clinic / "clinic.yaml"
    conf.write_text(re.sub(r"(?m)^paper_size: \w+", "paper_size: a4", conf.read_text()))
    sources = sorted(EXAMPLE_PROFILES.glob("*.yaml")) + sorted(INTERNATIONAL.glob("*.yaml"))
    found = {}
    for config in PRINT_CONFIGS:
        out = base / config
        clinic_file = conf if config.endswith("a4") else None
        options = BuildOptions(out_dir=out, format="pdf", prepared_on=date(2026, 11, 25),
                               large_print=config.startswith("large"), clinic=clinic_file)
        report = run_batch(sources, options, jobs=2)
        assert not report.failed, report.summary()
        found[config] = (out, clinic_file)
    return found
