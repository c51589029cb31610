"""The rule table a clinician can review: every id, its section, when it fires and its sources.

`sop-packets rules` prints it as Markdown; docs/guidance-ids.md is that output (a test keeps them equal).
"""

from __future__ import annotations

from typing import Any

from .guidance import NEXT_STEPS, RULES, SECTION_ORDER

HEADER = """# Guidance ids: sections, items, when each fires, and sources

Made by `sop-packets rules` from the rules in `sop_packets/guidance.py` and the content in
`templates/content/en/`; do not edit by hand (`make test` fails when this page and the rules differ).
The rules decide *which* ids apply; the words a patient reads live in
`templates/content/en/<section>.yaml`, one entry per id, with the keys of its sources
(`templates/content/en/sources.yaml`).

Words used below: *sensitive site* = face, scalp, ear, nose, lip, eyelid, neck, hand, foot, genitals.
*Trunk or limb* = chest, abdomen, back, arm, leg. *Rare type* = merkel_cell_carcinoma, skin_lymphoma,
kaposi_sarcoma, other, uncertain. *Invasive melanoma* = melanoma whose stage is not 0 (unknown counts).
*Melanoma IIB or higher* = stage IIB, IIC, III or IV, or (stage not given, I or II) Breslow > 4 mm, or
> 2 mm with ulceration. *High-risk SCC* / *high-risk BCC* = the NCCN high or very high risk group
(`sop_packets/risk.py`): on the head, neck, hands, feet or genitals at any size; on the trunk or a limb
over 2 cm (BCC: 2 cm or more); edges hard to see; recurrent; a weakened immune system; radiation to
the area before; nerve symptoms; perineural invasion; an aggressive growth pattern; a doctor called it
high risk; for SCC also fast growth. *Very-high-risk SCC* = over 4 cm, poorly differentiated, deeper than
6 mm or past the fat, or perineural invasion. *Weakened immune system* =
patient.weakened_immune_system, or any patient.immune_reasons. *HIV positive* = patient.hiv positive, or
hiv in immune_reasons. *Pathology review indicated* = pathology borderline, insufficient tissue, a
differential, a melanoma not read by a dermatopathologist, or the type uncertain. *Older adult* = 75+, or
65+ with comorbidities. *Child* = under 18. Stages are compared by group (I to IV) unless a substage is named.
"""

URGENCY = """## urgency (one level, first that applies)
| level | when |
| --- | --- |
| urgent | spot changing fast; Merkel cell; melanoma IIB or higher; SCC stage III or IV; very-high-risk SCC |
| routine | melanoma in situ (stage 0); early mycosis fungoides (stage I) |
| prompt | invasive melanoma, skin lymphoma, Kaposi sarcoma, other or uncertain type, high-risk SCC or BCC |
| routine | everything else (low-risk BCC or SCC; second_opinion_optional names itself as the reason) |

The reasons of a high-risk SCC or BCC are the risk facts that put it in its group (for example "the lab
report shows cancer around a nerve", "you have new numbness, tingling, pain or weakness near it").

The level's advice to keep treatment appointments is printed only when a treatment is proposed. A note
answers what the first doctor said (`immediate`, `within_weeks`): `doctor_said` when a treatment is
proposed, `doctor_said_no_plan` when none is.
"""


def rules_markdown(content: dict[str, Any]) -> str:
    """Every section's ids in packet order, with when each fires and its sources, as Markdown."""
    parts = [HEADER]
    for name in (NEXT_STEPS, *SECTION_ORDER):
        if name == "urgency":
            parts.append(URGENCY)
            continue
        rows = ["| id | fires when | sources |", "| --- | --- | --- |"]
        for item_id, rule in RULES[name].items():
            shown = _sources_shown(content, content[name][item_id].get("sources"))
            rows.append(f"| {item_id} | {rule.when} | {shown} |")
        order = " (order = importance; at most three)" if name == NEXT_STEPS else " (order = importance)"
        parts.append(f"## {name}{order}\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def _sources_shown(content: dict[str, Any], listed: Any) -> str:
    """The sources of one item; by fact (`type_scc: ...`) when the cited source depends on the case."""
    if isinstance(listed, dict):
        return "; ".join(f"{fact}: " + (", ".join(_source_name(content, key) for key in keys) or "—")
                         for fact, keys in listed.items()) or "—"
    return "; ".join(_source_name(content, key) for key in listed or ()) or "—"


def _source_name(content: dict[str, Any], key: str) -> str:
    source = content["sources"][key]
    return f"{source['organization']}: {source['title']}"
