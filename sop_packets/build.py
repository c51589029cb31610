"""Build one packet: profile → guidance → HTML → PDF → files written atomically."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .clinic import Branding, load_clinic
from .clock import preparation_date
from .content import load_content
from .guidance import build_guidance
from .output import output_path, write_atomic
from .profile import load_profile
from .render import Packet, render_html, render_pdf
from .schema import Profile

FORMATS = {"html": ("html",), "pdf": ("pdf",), "both": ("html", "pdf")}


@dataclass(frozen=True)
class BuildOptions:
    """How packets are built; the same options give the same bytes."""

    out_dir: Path = Path("output")
    format: str = "both"
    prepared_on: date | None = None
    large_print: bool = False
    clinic: Path | None = None
    group_readable: bool = False
    fhir: str | None = None  # also write <id>.documentreference.json: attach the packet "inline" or by "url"

    @property
    def suffixes(self) -> tuple[str, ...]:
        return FORMATS[self.format]

    @property
    def file_mode(self) -> int:
        """Packets hold health information: owner-only unless the clinic needs group access."""
        return 0o640 if self.group_readable else 0o600


@dataclass
class BuildResult:
    """What building one profile produced."""

    source: Path
    patient_id: str
    outputs: list[Path] = field(default_factory=list)


@functools.cache
def branding(clinic: Path | None) -> Branding:
    """The clinic's branding, loaded once per process (the example clinic when none is given)."""
    return load_clinic(clinic)


def make_packet(profile: Profile, options: BuildOptions) -> Packet:
    """Everything one packet is made from, with the guidance worked out."""
    prepared_on = preparation_date(options.prepared_on)
    guidance = build_guidance(profile, load_content(), prepared_on)
    large = options.large_print or profile.preferences.large_print
    return Packet(profile, guidance, prepared_on, branding(options.clinic), large_print=large)


def build_profile(profile: Profile, source: Path, options: BuildOptions) -> BuildResult:
    """Render a validated profile and write its files into the output folder."""
    packet = make_packet(profile, options)
    html = render_html(packet)
    result = BuildResult(source, profile.patient.id)
    targets = {s: output_path(options.out_dir, profile.patient.id, f".{s}") for s in options.suffixes}
    if "pdf" in targets:
        pdf = render_pdf(html, identity=f"{profile.patient.id}:{packet.prepared_on}")
        write_atomic(targets["pdf"], pdf, options.file_mode)
        result.outputs.append(targets["pdf"])
    if "html" in targets:
        write_atomic(targets["html"], html.encode("utf-8"), options.file_mode)
        result.outputs.insert(0, targets["html"])
    if options.fhir:
        result.outputs.append(_write_document_reference(profile, packet, result.outputs[-1], options, html))
    return result


def _write_document_reference(profile: Profile, packet: Packet, document: Path, options: BuildOptions,
                              html: str) -> Path:
    """<id>.documentreference.json beside the packet, for the PDF (or the HTML when no PDF is made)."""
    from .fhir_document import document_reference, html_language, to_json

    resource = document_reference(profile, document.read_bytes(), document.name, packet.prepared_on,
                                  packet.branding.clinic.name, options.fhir or "inline", html_language(html))
    target = output_path(options.out_dir, profile.patient.id, ".documentreference.json")
    write_atomic(target, to_json(resource), options.file_mode)
    return target


def build_file(path: Path | str, options: BuildOptions) -> BuildResult:
    """Load, validate and build one profile file."""
    path = Path(path)
    return build_profile(load_profile(path), path, options)
