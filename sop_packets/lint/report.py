"""Plain-language check of built packets: readability, longest sentences, and undefined medical terms.

`lint_paths` builds each profile's packet in memory (no files are written), takes the text a patient
sees in the packet's language (parts with another `lang`, such as an English letter in a Spanish
packet, are left out), and checks it with that language's rules (lint.rules): its readability measure
and limit, and every medical term in its glossary or explained where first used.

Each block element (p, li, h1-h6, td, ...) is its own sentence unit: a heading or list item without a
final period is a sentence of its own, never glued to the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..content import DEFAULT_LANGUAGE, language_data
from ..glossary import Term, load_glossary
from ..identity import IdentityReport, check_packet
from ..visible import visible_units
from .readability import MAX_GRADE, Readability
from .rules import LanguageRulesError, Rules, rules_for
from .sources import NOT_IN_CONTENT, sources_of
from .terms import UndefinedTerm, undefined_terms
from .text import length

LONGEST = 5
"""How many of the longest sentences a report shows."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of a packet: its length, how often it appears, and the content files it comes from."""

    text: str
    words: int
    times: int = 1
    sources: tuple[str, ...] = ()
    unit: str = "words"  # what `words` counts: words, characters or syllables

    def format(self) -> str:
        times = f", {self.times} times" if self.times > 1 else ""
        where = f"  [{'; '.join(self.sources) or NOT_IN_CONTENT}]"
        return f"{self.words} {self.unit}{times}: {self.text}{where}"


@dataclass(frozen=True)
class PacketLint:
    """The check of one packet, or why it could not be checked (error)."""

    source: str
    patient_id: str = ""
    grade: float | None = None
    sentences: int = 0
    words: int = 0
    longest: tuple[Sentence, ...] = ()
    undefined: tuple[UndefinedTerm, ...] = ()
    error: str = ""
    max_grade: float = MAX_GRADE
    readability: Readability | None = None  # None: English, Flesch-Kincaid grade at most max_grade
    common_share: float | None = None  # Chinese: the share of its characters that are common
    identity: IdentityReport | None = None  # is the packet's text in its language?
    untranslated: tuple[str, ...] = ()  # clinic text the patient reads in another language (issue 20)
    untranslated_profile: tuple[str, ...] = ()  # profile values in the patient's language, in the summary

    @property
    def measure(self) -> Readability:
        return self.readability or Readability(limit=self.max_grade)

    @property
    def too_hard(self) -> bool:
        return self.grade is not None and not self.measure.passes(self.grade, self.common_share)

    @property
    def ok(self) -> bool:
        return (not self.error and self.grade is not None and not self.too_hard and not self.undefined
                and (self.identity is None or self.identity.ok) and not self.untranslated
                and not self.untranslated_profile)

    def format(self, verbose: bool = False) -> str:
        """One line when the packet passes; the longest sentences and every undefined term when not."""
        name = f"{self.source} ({self.patient_id})" if self.patient_id else self.source
        if self.error:
            return f"FAIL {name}: could not check this packet\n" + _indent(self.error)
        verdict = "ok  " if self.ok else "FAIL"
        measure = self.measure
        share = "" if self.common_share is None else f", common characters {self.common_share:.1%}"
        lines = [f"{verdict} {name}: {measure.name} {self.grade:.1f}{share} ({measure.describe_limit()}), "
                 f"{self.sentences} sentences, {self.words} {measure.unit}"]
        if self.too_hard and measure.passes(self.grade):
            lines.append("  uses too many uncommon characters; say it with more common words, "
                         "starting with its longest sentences:")
        elif self.too_hard and not measure.higher_is_easier and self.readability is None:
            lines.append(f"  reads above grade {self.max_grade:.1f}; shorten its longest sentences first:")
        elif self.too_hard and not measure.higher_is_easier:
            lines.append(f"  reads above {measure.name} {measure.limit:g}; "
                         "shorten its longest sentences first:")
        elif self.too_hard:
            lines.append(f"  reads below {measure.name} {measure.limit:g}; "
                         "shorten its longest sentences first:")
        elif verbose:
            lines.append("  longest sentences:")
        if self.too_hard or verbose:
            lines += [_indent(s.format(), 4) for s in self.longest]
        if self.identity is not None and not self.identity.ok:
            lines.append(f"  language: {self.identity.summary()}; translate these first:")
            lines += [_indent(f.format(self.identity.language), 4) for f in self.identity.findings[:LONGEST]]
        if self.undefined:
            lines.append("  medical terms not in the glossary and not explained where first used:")
            lines += [_indent(u.format(), 4) for u in self.undefined]
        if self.untranslated:
            lines.append("  clinic text in another language than the packet's; give it per language in "
                         "clinic.yaml (for example note: {en: ..., es: ...}):")
            lines += [_indent(repr(text), 4) for text in self.untranslated]
        if self.untranslated_profile:
            lines.append("  profile values the new doctor reads in the case summary, not in its language:")
            lines += [_indent(text, 4) for text in self.untranslated_profile]
        return "\n".join(lines)


@dataclass(frozen=True)
class LintReport:
    """The check of every packet; `ok` only when at least one was checked and all passed."""

    packets: tuple[PacketLint, ...] = ()
    max_grade: float = MAX_GRADE

    @property
    def failed(self) -> tuple[PacketLint, ...]:
        return tuple(packet for packet in self.packets if not packet.ok)

    @property
    def ok(self) -> bool:
        return bool(self.packets) and not self.failed

    def format(self, verbose: bool = False) -> str:
        """A readable report: one block per packet, then a summary line."""
        if not self.packets:
            return "FAIL no profile files found"
        blocks = [packet.format(verbose) for packet in self.packets]
        limits = [f"grade limit {self.max_grade:.1f}"]
        limits += sorted({f"{p.measure.name} {p.measure.describe_limit()}"
                          for p in self.packets if p.readability is not None})
        summary = (f"{len(self.packets)} checked, {len(self.packets) - len(self.failed)} passed, "
                   f"{len(self.failed)} failed ({'; '.join(limits)})")
        return "\n".join([*blocks, summary])


def _indent(text: str, spaces: int = 2) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def packet_sentences(html: str, rules: Rules | None = None) -> list[str]:
    """Every sentence a patient reads in an HTML packet, in the packet's language, in order."""
    rules = rules or Rules()
    language = rules.language if rules.language != DEFAULT_LANGUAGE else None
    return [sentence for unit in visible_units(html, language) for sentence in rules.sentences(unit)]


def longest_sentences(sentences: Iterable[str], count: int = LONGEST,
                      content: Mapping[str, Any] | None = None, unit: str = "words") -> tuple[Sentence, ...]:
    """The `count` longest different sentences (in words, characters or syllables), with how often each
    appears and where it comes from."""
    times: dict[str, int] = {}
    for sentence in sentences:
        times[sentence] = times.get(sentence, 0) + 1
    ranked = sorted(times, key=lambda s: -length(s, unit))[:count]
    return tuple(Sentence(s, length(s, unit), times[s], sources_of(s, content), unit) for s in ranked)


def lint_html(html: str, glossary: Iterable[Term] = (), *, source: str = "<html>", patient_id: str = "",
              known: Iterable[str] = (), content: Mapping[str, Any] | None = None,
              max_grade: float = MAX_GRADE, rules: Rules | None = None) -> PacketLint:
    """Check the patient-facing text of one HTML packet with its language's rules (default: English)."""
    rules = rules or Rules()
    sentences = packet_sentences(html, rules)
    english = rules.language == DEFAULT_LANGUAGE
    measure = rules.readability
    return PacketLint(
        source=source,
        patient_id=patient_id,
        grade=measure.score(sentences),
        sentences=len(sentences),
        words=sum(length(s, measure.unit) for s in sentences),
        longest=longest_sentences(sentences, content=content, unit=measure.unit),
        undefined=undefined_terms(sentences, glossary, known, content, rules),
        max_grade=max_grade,
        readability=None if english else measure,
        common_share=measure.common_share(sentences),
        identity=check_packet(visible_units(html, None if english else rules.language), rules.language),
    )


def profile_words(profile: Any) -> tuple[str, ...]:
    """Words from the profile that describe the patient themself: not checked for medical terms."""
    patient, doctor = profile.patient, profile.original_physician
    words = [patient.name, *patient.comorbidities, profile.insurance.plan_name]
    if doctor is not None:
        words += [doctor.name, doctor.specialty, doctor.practice, doctor.address]
    return tuple(word for word in words if word)


def lint_file(path: Path | str, prepared_on: date | None = None,
              content: Mapping[str, Any] | None = None, language: str | None = None) -> PacketLint:
    """Build one profile's packet in memory and check it; a profile that will not load is reported.

    The packet is checked in its own language, with that language's content, glossary and rules;
    `content` replaces the English content for English packets (tests pass edited copies);
    `language` overrides the profile's language, as --language does.
    """
    from ..build import BuildOptions, make_packet
    from ..content import load_content
    from ..errors import InvalidInput, SopError
    from ..profile import load_profile
    from ..render import render_html

    path = Path(path)
    try:
        profile = load_profile(path)
    except InvalidInput as exc:
        return PacketLint(str(path), error=exc.format_message())
    try:
        packet = make_packet(profile, BuildOptions(prepared_on=prepared_on, language=language))
        if content is None or packet.language != DEFAULT_LANGUAGE:
            content = load_content(packet.language)
        rules = rules_for(packet.language)
        data = language_data(packet.language)
        glossary = load_glossary(content, data["glossary"], data["collation"])
        html = render_html(packet)
    except SopError as exc:
        return PacketLint(str(path), profile.patient.id, error=exc.format_message())
    except LanguageRulesError as exc:
        return PacketLint(str(path), profile.patient.id, error=str(exc))
    except Exception as exc:  # a content or template bug must not hide the other packets' results
        return PacketLint(str(path), profile.patient.id,
                          error=f"could not build this packet ({type(exc).__name__}: {exc})")
    from dataclasses import replace

    from ..content import language_name
    from ..render import untranslated_clinic_text
    from .profile_text import untranslated_profile_values

    checked = lint_html(html, glossary, source=str(path), patient_id=profile.patient.id,
                        known=profile_words(profile), content=content, rules=rules)
    patient_language = packet.language_tag or packet.language
    in_profile = untranslated_profile_values(profile, packet.clinic_language, patient_language, (
        language_name(packet.clinic_language), language_name(patient_language)))
    return replace(checked, untranslated=tuple(untranslated_clinic_text(html, packet.language)),
                   untranslated_profile=in_profile)


def lint_paths(paths: Iterable[Path | str], prepared_on: date | None = None,
               language: str | None = None) -> LintReport:
    """Check every profile named in paths (files, or folders searched recursively) in a stable order."""
    from ..batch import collect_profiles

    files, missing = collect_profiles(paths)
    packets = [PacketLint(str(item.source), error=item.error) for item in missing]
    packets += [lint_file(path, prepared_on, language=language) for path in files]
    return LintReport(tuple(packets))
