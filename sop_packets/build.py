"""Build one packet: profile → guidance → HTML → PDF → files written atomically."""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .clinic import Branding, load_clinic
from .clock import preparation_date
from .content import language_name, load_content, long_date, packet_language, use_content_overrides, writing
from .errors import BuildError
from .guidance import build_guidance
from .output import ensure_output_folder, folder_lock, output_path, private_temp_folder, write_atomic
from .profile import load_profile
from .render import Packet, render_html, render_pdf
from .schema import Profile

FORMATS = {"html": ("html",), "pdf": ("pdf",), "both": ("html", "pdf")}
RENDER_SECONDS = 300.0  # a packet takes about a second; one that takes minutes is stuck


@dataclass(frozen=True)
class BuildOptions:
    """How packets are built; the same options give the same bytes."""

    out_dir: Path = Path("output")
    format: str = "both"
    prepared_on: date | None = None
    large_print: bool = False
    clinic: Path | None = None
    group_readable: bool = False
    language: str | None = None  # overrides patient.language (BCP 47, such as es or es-US)
    time_limit: float = RENDER_SECONDS
    stamp: str = ""  # the batch's fingerprint of everything but the profile (set by the batch)
    fhir: str | None = None  # also write <id>.documentreference.json: attach the packet "inline" or by "url"
    content: Path | None = None  # the clinic's own words (--content), over clinic.yaml's content: folder

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
    removed: list[Path] = field(default_factory=list)  # a DocumentReference that described an older packet


class _TooSlow(BaseException):
    """Raised inside a render that ran past its time limit (BaseException: no library swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop a packet that takes longer than seconds with a clear BuildError (main thread only)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TooSlow:
        raise BuildError(f"this packet took longer than {seconds:.0f} s to make and was stopped; "
                         "check the profile for very long or deeply nested text") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@functools.cache
def branding(clinic: Path | None) -> Branding:
    """The clinic's branding, loaded once per process (the example clinic when none is given)."""
    return load_clinic(clinic)


def without_past_date(profile: Profile, prepared_on: date) -> Profile:
    """The profile as the packet uses it: a treatment date already past on the packet's date is no date
    ("before December 3" in a packet dated December 7 would send the reader after a day gone). The
    build warns about it (consistency.date_problems)."""
    plan = profile.treatment_plan
    if not plan.date_passed(prepared_on):
        return profile
    return profile.model_copy(update={"treatment_plan": plan.model_copy(update={"planned_date": None})})


def make_packet(profile: Profile, options: BuildOptions) -> Packet:
    """Everything one packet is made from, with the guidance worked out in the packet's language.

    The patient's language is --language, else patient.language, else the clinic's language. The
    packet is in that language when templates/content has a folder for it, otherwise in the clinic's
    language (with an interpreter notice in the patient's own language on page one).
    """
    prepared_on = preparation_date(options.prepared_on)
    as_written, profile = profile, without_past_date(profile, prepared_on)
    brand = branding(options.clinic)
    use_content_overrides(options.content or brand.content_dir)
    clinic_language = brand.clinic.language
    tag = options.language or profile.patient.language or clinic_language
    language = packet_language(tag, default=clinic_language)

    def guidance_in(content_language: str):
        return build_guidance(profile, load_content(content_language), prepared_on, tag,
                              language_name(tag, content_language), writing(content_language),
                              dates=lambda day: long_date(day, content_language))

    guidance = guidance_in(language)
    clinic_guidance = guidance_in(clinic_language) if clinic_language != language else None
    large = options.large_print or profile.preferences.large_print
    return Packet(profile, guidance, prepared_on, brand, large_print=large, language=language,
                  language_tag=tag, clinic_language=clinic_language, clinic_guidance=clinic_guidance,
                  as_written=as_written if as_written is not profile else None)


def build_profile(profile: Profile, source: Path, options: BuildOptions) -> BuildResult:
    """Render a validated profile and write its files into the output folder."""
    packet = make_packet(profile, options)
    targets = {s: output_path(options.out_dir, profile.patient.id, f".{s}") for s in options.suffixes}
    html = render_html(packet, embed_fonts="html" in targets)  # a PDF takes its fonts from fontconfig
    result = BuildResult(source, profile.patient.id)
    if "pdf" in targets:
        pdf = render_pdf(html)
        write_atomic(targets["pdf"], pdf, options.file_mode)
        result.outputs.append(targets["pdf"])
    if "html" in targets:
        write_atomic(targets["html"], html.encode("utf-8"), options.file_mode)
        result.outputs.insert(0, targets["html"])
    if options.fhir:
        result.outputs.append(_write_document_reference(profile, packet, result.outputs[-1], options, html))
    else:  # one left by an earlier --fhir run holds the old packet's hash: never leave it beside the new one
        stale = output_path(options.out_dir, profile.patient.id, ".documentreference.json")
        if stale.is_file() or stale.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
                result.removed.append(stale)
    return result


def _write_document_reference(profile: Profile, packet: Packet, document: Path, options: BuildOptions,
                              html: str) -> Path:
    """<id>.documentreference.json beside the packet, for the PDF (or the HTML when no PDF is made)."""
    from .fhir_document import document_reference, to_json

    # the language the packet is written in (its <html lang>), whatever tag the profile gave
    resource = document_reference(profile, document.read_bytes(), document.name, packet.prepared_on,
                                  packet.branding.clinic.name, options.fhir or "inline", packet.language)
    target = output_path(options.out_dir, profile.patient.id, ".documentreference.json")
    write_atomic(target, to_json(resource), options.file_mode)
    return target


def build_file(path: Path | str, options: BuildOptions) -> BuildResult:
    """Load, validate and build one profile file, as a batch of one would.

    The output folder is made owner-only, the batch lock is held (so a running batch is never
    written under), and temporary files stay in the run's private folder. The batch's build record
    notices the new files (it keeps each output's identity), so the next batch rebuilds that packet.
    """
    path = Path(path)
    options = BuildOptions(**{**options.__dict__, "prepared_on": preparation_date(options.prepared_on)})
    profile = load_profile(path, options.prepared_on)
    ensure_output_folder(options.out_dir, options.group_readable)
    with private_temp_folder(), folder_lock(options.out_dir), time_limit(options.time_limit):
        return build_profile(profile, path, options)
