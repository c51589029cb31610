"""The example profiles: invented people who together cover the cases clinics meet."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from sop_packets.cli import cli
from sop_packets.profile import load_profile
from sop_packets.schema import CancerType

EXAMPLES = sorted((Path(__file__).parent.parent / "profiles").glob("*.yaml"))
PROFILES = {path.name: load_profile(path) for path in EXAMPLES}
AS_OF = __import__("datetime").date(2026, 11, 25)


def test_there_are_at_least_eight_examples_named_by_id():
    assert len(PROFILES) >= 8
    for name, profile in PROFILES.items():
        assert name == f"{profile.patient.id}.yaml"


def test_examples_cover_every_cancer_type():
    assert {p.diagnosis.cancer_type for p in PROFILES.values()} == set(CancerType)


@pytest.mark.parametrize(
    ("case", "check"),
    [
        ("a child", lambda p: p.patient.age_on(AS_OF) < 18),
        ("a pregnant patient", lambda p: p.patient.pregnant),
        ("an older adult with comorbidities",
         lambda p: p.patient.age_on(AS_OF) >= 75 and p.patient.comorbidities),
        ("someone seeking care abroad", lambda p: p.patient.seeking_care_abroad),
        ("an insurer that requires a second opinion", lambda p: p.insurance.requires_second_opinion),
    ],
)
def test_examples_cover_the_special_cases(case, check):
    assert any(check(p) for p in PROFILES.values()), f"no example profile is {case}"


def test_every_example_builds_to_html_and_pdf(tmp_path):
    args = ["batch", str(EXAMPLES[0].parent), "-o", str(tmp_path), "--date", "2026-11-25"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"{len(EXAMPLES)} built, 0 unchanged, 0 failed" in result.output
    for profile in PROFILES.values():
        assert (tmp_path / f"{profile.patient.id}.html").stat().st_size > 1000
        pdf = tmp_path / f"{profile.patient.id}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-")
        for number, page in enumerate(PdfReader(pdf).pages, start=1):
            words = page.extract_text(extraction_mode="layout").split()
            furniture = {"Confidential", "Page", "of", "·", *profile.patient.name.split()}
            body = [w for w in words if w not in furniture and not w.isdigit()]
            assert len(body) >= 4, f"{pdf.name} page {number} is nearly empty: {' '.join(words)}"


def make_packets_command(*variables: str) -> str:
    import os
    import subprocess

    # not the variables of a `make test OUTPUT=...` that runs this test, nor the caller's PACKET_DATE
    env = {key: value for key, value in os.environ.items()
           if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PACKET_DATE", "PROFILES", "OUTPUT")}
    done = subprocess.run(["make", "-n", "packets", *variables], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, check=True, env=env)
    return next(line for line in done.stdout.splitlines() if "sop-packets batch" in line)


def test_make_packets_builds_the_examples_as_of_their_day():
    """The examples' treatment dates lie after 2026-11-25 and pass as time goes on: built as of today,
    ex-01 would lose the surgery date its packet is written around (and warn)."""
    assert make_packets_command().endswith(f"batch profiles -o output --date {AS_OF.isoformat()}")
    assert not [name for name, p in PROFILES.items() if p.treatment_plan.date_passed(AS_OF)]
    assert make_packets_command("PROFILES=./profiles/").endswith(f"--date {AS_OF.isoformat()}")
    assert make_packets_command("PROFILES=clinic/profiles").endswith("batch clinic/profiles -o output")
    assert make_packets_command("PACKET_DATE=2027-01-04").endswith("--date 2027-01-04")
