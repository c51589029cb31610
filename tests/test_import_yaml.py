"""The YAML that importers write reads back as exactly the values they meant, whatever the EHR sent."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sop_packets.cli import cli
from sop_packets.importers import Draft, render, scalar
from sop_packets.profile import parse_yaml

TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=80)


@given(TEXT)
def test_any_text_reads_back_unchanged(text):
    assert parse_yaml(f"v: {scalar(text)}  # c\n", "t").data["v"] == text


@given(st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.dates()))
def test_other_values_read_back_unchanged(value):
    assert parse_yaml(f"v: {scalar(value)}\n", "t").data["v"] == value


@given(TEXT, TEXT)
def test_comments_cannot_break_the_file(value, comment):
    draft = Draft("p")
    draft.set("patient.id", "p", comment + "\n# injected: true\nschema_version: 2")
    draft.set("patient.name", value or "x", comment)
    draft.set("diagnosis.diagnosis_date", date(2026, 1, 2), "\u202e" + comment)
    data = parse_yaml(render(draft), "t").data
    assert data["schema_version"] == 1 and data["patient"] == {"id": "p", "name": value or "x"}


def test_import_commands_have_help_with_examples():
    for command in ("fhir", "csv"):
        result = CliRunner().invoke(cli, ["import", command, "--help"])
        assert result.exit_code == 0 and f"sop-packets import {command}" in result.output
