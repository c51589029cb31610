"""A readable account of a packet's guidance, for a nurse navigator checking it before it goes out."""

from __future__ import annotations

import textwrap

from .content import language_name, load_content
from .guidance import SECTION_ORDER
from .render import Packet


def explain_text(packet: Packet) -> str:
    """Every section, each item's id and title, and the facts ("because") behind it.

    Titles and reasons are in the packet's language; the labels around them stay English for staff.
    """
    guidance, patient = packet.guidance, packet.profile.patient
    headings = load_content(packet.language)["sections"]
    lines = [
        f"Guidance for {patient.name} ({patient.id}), age {guidance.age}, "
        f"prepared {packet.prepared_on.isoformat()}",
        f"Packet language: {language_name(packet.language)} ({packet.language}); "
        f"patient's language: {language_name(packet.language_tag)} ({packet.language_tag})",
        "",
        "Summary:",
        *(f"  {line}" for line in guidance.summary.diagnosis),
        "",
    ]
    if guidance.reader is not None and guidance.reader.note:
        lines += [f"Reader ({guidance.voice}): {guidance.reader.note}", ""]
    alerts = guidance.items("alerts")
    if alerts:  # the boxed "call your care team at once" items on page one
        lines.append("Page one box [alerts]")
        for item in alerts:
            lines.append(f"  - {item.id}: {item.title}")
            lines += _because(item.because, indent="      ")
        lines.append("")
    for name in SECTION_ORDER:
        if name == "urgency":
            urgency = guidance.urgency
            lines += [f"{headings['urgency']['title']} [urgency]",
                      f"  level: {urgency.level} - {urgency.title}",
                      *_because(urgency.because), ""]
            continue
        section = guidance.sections.get(name)
        if section is None:
            lines += [f"{headings[name]['title']} [{name}]: does not apply, left out", ""]
            continue
        lines.append(f"{section.title} [{name}]")
        for item in section.items:
            lines.append(f"  - {item.id}: {item.title or _first_line(item.text)}")
            lines += _because(item.because, indent="      ")
        lines.append("")
    return "\n".join(lines) + "\n"


def _first_line(text: str) -> str:
    return textwrap.shorten(text, width=80, placeholder="…")


def _because(because: tuple[str, ...], indent: str = "  ") -> list[str]:
    return [f"{indent}because {reason}" for reason in because]
