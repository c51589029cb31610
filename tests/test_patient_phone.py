"""patient.phone: printed on the records letter's phone line and in the case summary; a blank line to
fill in when it is not given."""

from __future__ import annotations

import re
from datetime import date

from sop_packets.build import BuildOptions, make_packet
from sop_packets.profile import load_profile
from sop_packets.render import render_html

DAY = date(2026, 12, 2)
PROFILE = """\
schema_version: 1
patient:
  id: p-1
  name: Rosa Delgado
  age: {age}
{extra}diagnosis:
  cancer_type: melanoma
  diagnosed_by: dermatologist
"""
PHONE = "(614) 555-0147"


def parts(write, age: int = 58, extra: str = "") -> tuple[str, str]:
    """(the letter's From block, the case summary's table) of the packet's HTML."""
    profile = load_profile(write("p.yaml", PROFILE.format(age=age, extra=extra)))
    html = render_html(make_packet(profile, BuildOptions(prepared_on=DAY)), embed_fonts=False)
    letter = html.split('class="letter-body"', 1)[1].split("<dt>Re:", 1)[0]
    summary = html.split('class="summary-table"', 1)[1].split("</table>", 1)[0]
    return letter.split("<dt>From</dt>", 1)[1], summary


def test_the_letter_and_summary_print_the_patients_phone(write):
    letter, summary = parts(write, extra=f'  phone: "{PHONE}"\n')
    assert re.search(rf'Phone: <span class="nowrap">{re.escape(PHONE)}</span>', letter)
    assert f'<th scope="row">Phone</th><td><span class="nowrap">{PHONE}</span></td>' in summary


def test_without_a_phone_the_letter_keeps_a_line_to_fill_in_and_the_summary_no_row(write):
    letter, summary = parts(write)
    assert re.search(r"Phone: <span class=\"blank\">", letter)
    assert "Phone</th>" not in summary


def test_a_childs_letter_gives_the_familys_phone_under_the_parents_line(write):
    letter, _ = parts(write, age=9, extra=f"  phone: {PHONE}\n")
    assert letter.index("Parent or guardian") < letter.index(f'Phone: <span class="nowrap">{PHONE}</span>')
