"""The rule table a clinician can review: every id, its section, when it fires and its sources.

`sop-packets rules` prints it as Markdown; docs/guidance-ids.md is that output (a test keeps them equal).
"""

from __future__ import annotations

from typing import Any

from .guidance import ALERTS, NEXT_STEPS, RULES, SECTION_ORDER

HEADER = """# Guidance ids: sections, items, when each fires, and sources

Made by `sop-packets rules` from the rules in `sop_packets/guidance.py` and the content in
`templates/content/en/`; do not edit by hand (`make test` fails when this page and the rules differ).
The rules decide *which* ids apply; the words a patient reads live in
`templates/content/en/<section>.yaml`, one entry per id, with the keys of its sources
(`templates/content/en/sources.yaml`).

Words used below: *sensitive site* = face, scalp, ear, nose, lip, eyelid, neck, hand, genitals.
*Trunk or limb* = chest, abdomen, back, arm, leg. *Rare type* = merkel_cell_carcinoma, skin_lymphoma,
kaposi_sarcoma, other, uncertain. *Invasive melanoma* = melanoma whose stage is not 0 (unknown counts).
*Melanoma IIB or higher* = stage IIB, IIC, III or IV, or (stage not given, I or II) Breslow > 4 mm, or
> 2 mm with ulceration. *High-risk SCC* = squamous cell carcinoma with diagnosis.high_risk, recurrent,
on the ear or lip, or a weakened immune system. *Weakened immune system* =
patient.weakened_immune_system, or any patient.immune_reasons. *HIV positive* = patient.hiv positive, or
hiv in immune_reasons. *Pathology review indicated* = pathology borderline, insufficient tissue, a
differential, a melanoma not read by a dermatopathologist, or the type uncertain. *Older adult* = 75+, or
65+ with comorbidities. *Child* = under 18. Stages are compared by group (I to IV) unless a substage is named.
"""

URGENCY = """## urgency (one level, first that applies)
| level | when |
| --- | --- |
| urgent | spot changing fast; Merkel cell; melanoma IIB or higher; SCC stage III or IV |
| routine | melanoma in situ (stage 0); early mycosis fungoides (stage I) |
| prompt | invasive melanoma, skin lymphoma, Kaposi sarcoma, other or uncertain type, high-risk SCC |
| routine | everything else (BCC, low-risk SCC; second_opinion_optional names itself as the reason) |

classic Kaposi sarcoma (kaposi_type classic, not HIV positive) is routine, after the two routine rows above
and before the prompt row.

When a treatment is proposed the level adds `keep` ("keep all treatment appointments") only when the plan
is time-critical, curative and complete (the keep_treatment test: surgery, radiation or cancer medicine;
not observation, completion node dissection, light treatment, photopheresis or chemotherapy for skin
lymphoma; and a surgical oncologist when a sentinel node biopsy is needed and not yet done); otherwise it
adds `ask_first` (get the opinion before the date; asking is safe; do not cancel on your own). A note
answers what the first doctor said (`immediate`, `within_weeks`): `doctor_said` for a plan to keep,
`doctor_said_weigh` for a plan to weigh, `doctor_said_no_plan` when none is proposed.
"""


def rules_markdown(content: dict[str, Any]) -> str:
    """Every section's ids in packet order, with when each fires and its sources, as Markdown."""
    parts = [HEADER]
    for name in (ALERTS, NEXT_STEPS, *SECTION_ORDER):
        if name == "urgency":
            parts.append(URGENCY)
            continue
        rows = ["| id | fires when | sources |", "| --- | --- | --- |"]
        for item_id, rule in RULES[name].items():
            sources = content[name][item_id].get("sources", ())
            shown = "; ".join(_source_name(content, key) for key in sources) or "—"
            rows.append(f"| {item_id} | {rule.when} | {shown} |")
        order = {NEXT_STEPS: " (order = importance; at most three)",
                 ALERTS: " (boxed on page one: call your care team at once)"}.get(
            name, " (order = importance)")
        parts.append(f"## {name}{order}\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def _source_name(content: dict[str, Any], key: str) -> str:
    source = content["sources"][key]
    return f"{source['organization']}: {source['title']}"
