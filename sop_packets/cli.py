"""The `sop-packets` command: thin click commands over the library API."""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import re
import sys
import threading
from datetime import date
from pathlib import Path

import click

from . import __version__


class DateType(click.ParamType):
    """A date written YYYY-MM-DD, with a message a person can act on."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                raise ValueError(value)
            return date.fromisoformat(value.strip())
        except ValueError:
            self.fail(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-27", param, ctx)


output_option = click.option(
    "-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"), show_default=True, help="Folder for the HTML and PDF files.",
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["html", "pdf", "both"]), default="both",
    show_default=True, help="Which files to make.",
)
date_option = click.option(
    "--date", "prepared_on", type=DateType(), default=None,
    help="Date printed on the packet (YYYY-MM-DD). Default: SOURCE_DATE_EPOCH, else today.",
)
large_print_option = click.option(
    "--large-print", is_flag=True, help="Print at 16 pt or more for readers with low vision."
)
language_option = click.option(
    "--language", metavar="TAG", default=None, callback=lambda ctx, param, value: _language(value),
    help="Packet language for every profile (BCP 47: es, es-US, vi...), instead of patient.language.",
)
group_readable_option = click.option(
    "--group-readable", is_flag=True,
    help="Let the file's group read the packets (default: only the owner; they hold health information).",
)
clinic_option = click.option(
    "--clinic", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The clinic's clinic.yaml (name, logo, phone, referrals). Default: the example clinic.",
)
content_option = click.option(
    "--content", "content_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="A folder of the clinic's own content files that reword shipped entries (see `content check`).",
)
fhir_option = click.option(
    "--fhir", "fhir", is_flag=True,
    help="Also write <id>.documentreference.json: a FHIR R4 DocumentReference for the packet.",
)
fhir_attach_option = click.option(
    "--fhir-attach", type=click.Choice(["inline", "url"]), default=None,
    help="With --fhir: put the packet in the DocumentReference (inline, the default) or point to it (url).",
)


def packet_options(command):
    """The options every command that writes packets shares, defined once."""
    for option in reversed((output_option, format_option, date_option, large_print_option, language_option,
                            clinic_option, content_option, group_readable_option, fhir_option,
                            fhir_attach_option)):
        command = option(command)
    return command


def _language(value: str | None) -> str | None:
    """Check a --language tag has the shape of a BCP 47 tag."""
    import re

    from .schema import LANGUAGE_PATTERN

    if value is not None and not re.fullmatch(LANGUAGE_PATTERN, value):
        raise click.BadParameter(f"'{value}' is not a language tag such as en, es, es-US or pt-BR")
    return value


def _options(out_dir: Path, fmt: str, prepared_on, large_print: bool, clinic: Path | None = None,
             group_readable: bool = False, fhir: bool = False, fhir_attach: str | None = None,
             language: str | None = None, content_dir: Path | None = None):
    """Build options from the shared flags; a bad clinic file or content folder stops here, before a packet.

    The clinic's own words get every check of `content check` once, here, with located errors.
    """
    from .build import BuildOptions, branding
    from .clinic_check import check_folder
    from .errors import InvalidInput

    brand = branding(clinic)
    if (folder := content_dir or brand.content_dir) and (problems := check_folder(folder)):
        raise InvalidInput(problems)
    return BuildOptions(out_dir=out_dir, format=fmt, large_print=large_print, clinic=clinic,
                        group_readable=group_readable, language=language,
                        prepared_on=prepared_on, content=content_dir,
                        fhir=(fhir_attach or "inline") if fhir or fhir_attach else None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sop-packets")
@click.option("--debug", is_flag=True, help="Print the full details (traceback) of unexpected errors.")
def cli(debug: bool) -> None:
    """Make second-opinion prep packets for people with a skin cancer diagnosis.

    \b
    Examples:
      sop-packets build profiles/ex-09-other-minimal.yaml
      sop-packets batch profiles/ -o output/
      sop-packets validate profiles/
    """
    if debug:
        os.environ["SOP_PACKETS_DEBUG"] = "1"


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@packet_options
def build(profile: Path, out_dir: Path, fmt: str, prepared_on, large_print: bool, language, clinic,
          content_dir, group_readable: bool, fhir: bool, fhir_attach) -> None:
    """Build the packet for one PROFILE (a YAML file).

    \b
    Example:
      sop-packets build profiles/ex-09-other-minimal.yaml -o output --format pdf
    """
    from .build import build_file
    from .errors import SopError
    from .render import check_pdf_support

    if fmt != "html":
        check_pdf_support()
    options = _options(out_dir, fmt, prepared_on, large_print, clinic, group_readable, fhir, fhir_attach,
                       language, content_dir)
    _check_identity(profile)
    try:
        result = build_file(profile, options)
        _audit_build(profile, result.patient_id)
    except SopError:
        raise
    except Exception as exc:
        if os.environ.get("SOP_PACKETS_DEBUG"):
            raise
        raise SopError(f"{profile}: could not build this packet (an unexpected {type(exc).__name__}); "
                       "run again with --debug for details, and please report it") from None
    from .clock import preparation_date

    _show_warnings([profile], language, preparation_date(prepared_on))
    for path in result.outputs:
        click.echo(f"wrote {path}")
    for path in result.removed:
        click.echo(f"removed {path}: it described the packet before this one (add --fhir to write a new one)")


def _check_identity(profile: Path) -> None:
    """Refuse a build when another profile of the same folder holds this one's patient.id (its packet
    would overwrite theirs); the profile's own errors are reported by the build itself."""
    from .errors import SopError
    from .patients import check_build
    from .profile import load_profile

    try:
        patient_id = load_profile(profile).patient.id
    except SopError:
        return
    check_build(profile, patient_id)


def _audit_build(profile: Path, patient_id: str) -> None:
    """Record the build in the audit trail of the profile's folder, when the folder keeps one (the app
    and the importers start it; a folder of examples, or a read-only one, is left as it is)."""
    from .audit import append, log_path

    if log_path(profile.parent).exists():
        append(profile.parent, "build", profile.name, patient_id=patient_id, note="sop-packets build")


def _show_warnings(paths, language: str | None = None, today: date | None = None) -> None:
    """Print, without failing, where a profile's free text contradicts its structured fields, a
    treatment date before the packet's date, and a language tag whose script had to be assumed
    ("zh": Simplified)."""
    from .consistency import profile_warnings
    from .content import language_warning
    from .errors import SopError
    from .profile import load_profile

    for path in paths:
        try:
            profile = load_profile(path)
            found = profile_warnings(path, profile, today)
        except SopError:
            continue  # its errors are reported where it is loaded
        for problem in found:
            click.echo(str(problem), err=True)
        if warning := language_warning(language or profile.patient.language):
            click.echo(f"{path}: warning: {warning}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@packet_options
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Packets built at once. Default: one per CPU core.")
@click.option("--force", is_flag=True, help="Rebuild every packet, even unchanged ones.")
@click.option("--shard", "shard_text", metavar="K/N", default=None,
              help="Build only part K of N (for spreading a large run over machines).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one JSON line per profile (status, outputs, error, seconds) to this file.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar. Default: on when the output is a terminal.")
@click.option("--prune", is_flag=True,
              help="Remove the packets of profiles that no longer exist (each removed file is named).")
@click.option("--require-review", is_flag=True,
              help="Build only the profiles a clinician checked in the app (others are listed, not built).")
def batch(paths, out_dir: Path, fmt: str, prepared_on, large_print: bool, language, clinic,
          content_dir, group_readable: bool, fhir: bool, fhir_attach, jobs, force: bool, shard_text,
          report_file, progress, prune: bool, require_review: bool) -> None:
    """Build packets for every profile in PATHS (files or folders), redoing only what changed.

    Keeps going past bad profiles, lists each failure, and exits with status 1 if any failed.

    \b
    Examples:
      sop-packets batch profiles/ -o output --jobs 2 --clinic templates/clinic/clinic.yaml
      sop-packets batch profiles/ --shard 2/8 --report shard-2.jsonl
    """
    from .batch import Shard, run_batch
    from .progress import Progress
    from .render import check_pdf_support

    try:
        shard = Shard.parse(shard_text) if shard_text else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    if fmt != "html":
        check_pdf_support()
    options = _options(out_dir, fmt, prepared_on, large_print, clinic, group_readable, fhir, fhir_attach,
                       language, content_dir)
    if clinic is not None:  # once per batch: the clinic's own text is printed as written
        _show_clinic_words(clinic)
    show = Progress(enabled=progress)
    report = run_batch(paths, options, jobs, show.result, force=force, shard=shard, on_start=show.start,
                       prune=prune, on_warning=show.warning, require_review=require_review)
    show.finish()
    if report_file:
        from .output import write_atomic

        lines = "".join(json.dumps(item.to_json()) + "\n" for item in report.items)
        write_atomic(report_file, lines.encode("utf-8"), options.file_mode)
    for item in report.items:  # worked out in the workers, which had the profile parsed already
        for warning in item.warnings:
            click.echo(warning, err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option("--clinic", "clinic_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also check this clinic.yaml, its logo included.")
def validate(paths, clinic_file) -> None:
    """Check profiles (and a clinic file) without building anything; lists every problem.

    Exits with status 2 if any profile or the clinic file is invalid.

    \b
    Examples:
      sop-packets validate profiles/
      sop-packets validate --clinic clinic.yaml
    """
    from .batch import NoProfiles, collect_profiles, load_all
    from .clock import preparation_date

    if not paths and clinic_file is None:
        raise click.UsageError("name the profiles to check, or --clinic FILE")
    clinic_ok = _clinic_is_valid(clinic_file) if clinic_file is not None else True
    if not paths:
        sys.exit(0 if clinic_ok else 2)

    files, missing = collect_profiles(paths, warn=lambda message: click.echo(message, err=True))
    if not files and not missing:
        raise NoProfiles(f"no profiles found in {', '.join(map(str, paths))} (a profile is a .yaml or "
                         ".yml file); check the folder name")
    loaded, failures = load_all(files, preparation_date(None))
    for item in [*missing, *failures]:
        click.echo(item.error, err=True)
    _show_warnings((path for path, _profile in loaded), today=preparation_date(None))
    bad = len(missing) + len(failures)
    click.echo(f"{len(loaded)} valid, {bad} invalid")
    if bad or not clinic_ok:
        sys.exit(2)


def _clinic_is_valid(path: Path) -> bool:
    """Check a clinic file and print every problem in it (the logo's too) or that it is valid."""
    from .clinic import load_clinic
    from .errors import InvalidInput

    try:
        load_clinic(path)
    except InvalidInput as exc:
        click.echo(exc.format_message(), err=True)
        click.echo(f"clinic file {path}: {len(exc.problems)} problems")
        return False
    _show_clinic_words(path)
    click.echo(f"clinic file {path}: valid")
    return True


def _show_clinic_words(path: Path) -> None:
    """Warn, naming the line and field, where the clinic's patient text uses a medical word unexplained."""
    from .clinic_hard_words import clinic_word_warnings

    for problem in clinic_word_warnings(path):
        where = f"{problem.file}:{problem.line}:{problem.column}: {problem.field}"
        click.echo(f"{where}: warning: {problem.message}", err=True)


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object for other systems.")
@date_option
@language_option
@clinic_option
def explain(profile: Path, as_json: bool, prepared_on, language, clinic) -> None:
    """Show what the packet for PROFILE will say, and which facts made each item apply.

    \b
    Examples:
      sop-packets explain profiles/ex-09-other-minimal.yaml
      sop-packets explain profiles/ex-09-other-minimal.yaml --json > guidance.json
      sop-packets explain profiles/ex-09-other-minimal.yaml --language es
    """
    from .build import make_packet
    from .explain import explain_text
    from .profile import load_profile

    options = _options(Path("output"), "html", prepared_on, False, clinic, language=language)
    packet = make_packet(load_profile(profile, prepared_on), options)
    if as_json:
        click.echo(json.dumps(packet.guidance.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(explain_text(packet), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show every packet in full, not only problems.")
@date_option
@language_option
def lint(paths, verbose: bool, prepared_on, language) -> None:
    """Check how easy each packet is to read: grade level, longest sentences, unexplained terms.

    Each packet is checked in its own language: English by Flesch-Kincaid grade (7 or lower), Spanish
    by Fernández-Huerta (70 or higher). Exits with status 1 if any packet reads too hard or uses a
    medical term it does not explain.

    \b
    Examples:
      sop-packets lint profiles/
      sop-packets lint profiles/ex-09-other-minimal.yaml --verbose
    """
    from .lint import lint_paths

    report = lint_paths(paths, prepared_on, language)
    click.echo(report.format(verbose))
    if not report.ok:
        sys.exit(1)


@cli.group("content")
def content_group() -> None:
    """The clinic's own words: a folder of content files that reword shipped entries."""


@content_group.command("check")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def content_check(folder: Path) -> None:
    """Check a clinic's content FOLDER as the shipped content is checked, without building anything.

    FOLDER holds one folder per language (en/, es/) with files named like templates/content's
    (next_steps.yaml, ui.yaml, ...) that hold only the entries the clinic rewords. Every file and key must
    exist in the shipped content, keep its {placeholders}, name sources that exist, read at the language's
    level and explain every medical term. Exit status 2 lists every problem as FILE:LINE:COL.

    \b
    Example:
      sop-packets content check clinic-content/
    """
    from .clinic_check import check_folder
    from .errors import InvalidInput

    problems = check_folder(folder)
    if problems:
        raise InvalidInput(problems)
    click.echo(f"{folder}: the clinic's content is ok")


@cli.command()
@click.option("--sources", "show_sources", is_flag=True,
              help="Print the sources instead: organization, title, address, and what each supports.")
def rules(show_sources: bool) -> None:
    """Print every guidance rule: its id, section, when it fires and its sources (Markdown).

    docs/guidance-ids.md is this output; with --sources, docs/sources.md.

    \b
    Example:
      sop-packets rules > docs/guidance-ids.md
      sop-packets rules --sources > docs/sources.md
    """
    from .content import load_content
    from .rules_table import rules_markdown, sources_markdown

    content = load_content()
    click.echo(sources_markdown(content) if show_sources else rules_markdown(content), nl=False)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a profile, for editors that check YAML.

    \b
    Example:
      sop-packets schema > profile.schema.json
    """
    from .schema_export import profile_json_schema

    click.echo(json.dumps(profile_json_schema(), indent=2))


@cli.group("import")
def import_group() -> None:
    """Make profiles from where clinics keep the facts: FHIR R4 exports and spreadsheets (CSV).

    \b
    Examples:
      sop-packets import fhir export/ -o profiles/
      sop-packets import csv patients.csv -o profiles/
    """


def _say(text: str, err: bool = True) -> None:
    """Print a message that may quote a file's text: escape codes and direction overrides are shown as
    codes, and no quoted line break can start a line that looks like another message."""
    from .errors import printable

    click.echo("\n".join(printable(line, 4000) for line in str(text).split("\n")), err=err)


def _report_written(result, notices, skipped) -> None:
    for line in [*map(str, notices), *map(str, skipped)]:
        _say(f"warning: {line}")
    for text in result.diffs:
        click.echo(text, nl=False)
    for message in result.refused:
        _say(message)
    for path in result.written:
        click.echo(f"wrote {path}")


@import_group.command("fhir")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("profiles"), show_default=True, help="Folder for the profiles.")
@click.option("--id-from", "id_from", metavar="SYSTEM", default=None,
              help="Name each profile by the Patient identifier with this system (e.g. your MRN system). "
                   "Default: the FHIR Patient id.")
@click.option("--include-inactive", is_flag=True,
              help="Also write profiles for skin cancers in remission or resolved (a warning says so).")
@click.option("--force", is_flag=True, help="Replace profiles that already exist, losing hand edits.")
@click.option("--diff", "show_diff", is_flag=True, help="Show what would change in each profile; write none.")
@click.option("--clinic", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A clinic.yaml whose import_id_from is the default for --id-from.")
def import_fhir_command(paths, out_dir: Path, id_from, include_inactive: bool, force: bool,
                        show_diff: bool, clinic) -> None:
    """Write one profile per patient with a current skin cancer Condition, from FHIR R4 JSON.

    PATHS are Bundles (collection, searchset, transaction, document), single resources, or Bulk Data
    export folders (NDJSON, .ndjson.gz, with or without manifest.json). A re-import keeps what the
    coordinator filled in or changed and updates what the EHR changed; a field both changed is
    shown and left for the coordinator. Exits 0 when nothing needs a person; 1 if something was
    skipped for an error, a patient with skin cancer got no profile, or a conflict needs a look;
    2 if nothing could be read.

    \b
    Examples:
      sop-packets import fhir export/ -o profiles/ --id-from http://hospital.example.org/mrn
      sop-packets import fhir bundle.json -o profiles/ --diff
    """
    from .importers.fhir import Options, import_fhir
    from .importers.reimport import id_from_default, write_merged

    id_from = id_from_default(id_from, clinic)
    found = import_fhir(paths, options=Options(id_from=id_from, include_inactive=include_inactive))
    for note in found.notes:
        click.echo(f"note: {note}", err=True)
    for problem in found.errors:
        click.echo(f"error: {problem}", err=True)
    if found.error_count > len(found.errors):
        click.echo(f"error: … and {found.error_count - len(found.errors):,} more", err=True)
    done = write_merged(found.drafts, out_dir, force=force, diff=show_diff, how="import fhir")
    plans, written = done.plans, done.written
    for line in done.same_people:
        click.echo(f"warning: {line}", err=True)
    if show_diff:
        for line in plans.describe():
            click.echo(line)
    _report_written(written, [*found.notices, *found.not_covered, *found.inactive], found.skipped)
    for line in plans.conflicts:
        click.echo(f"conflict: {line}", err=True)
    conflicts = len(plans.conflicts)
    warnings = len(found.notices) + len(found.not_covered) + len(found.inactive) + len(found.skipped)
    click.echo(f"{len(written.written)} written, {len(written.unchanged)} unchanged, "
               f"{len(found.skipped) + len(written.refused)} not written"
               + (f", {conflicts} with conflicts to check" if conflicts else "")
               + f"; {found.patients} patients, {found.cancer_patients} with current skin cancer, "
               f"{len(found.inactive)} with an inactive one, {len(found.not_covered)} with another cancer; "
               f"{warnings} warnings, {found.error_count} errors")
    if found.resources == 0 and found.error_count:
        sys.exit(2)
    if found.error_count or found.skipped or written.refused or conflicts:
        sys.exit(1)


@import_group.command("csv")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("profiles"), show_default=True, help="Folder for the profiles.")
@click.option("--map", "map_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="YAML file naming your columns: 'columns: {Your column: field.path}'.")
@click.option("--template", "print_template", is_flag=True,
              help="Print a header row with every column and an example row, then stop.")
@click.option("--force", is_flag=True, help="Replace profiles that already exist.")
@click.option("--diff", "show_diff", is_flag=True, help="Show what would change in each profile; write none.")
def import_csv_command(file, out_dir: Path, map_file, print_template: bool, force: bool,
                       show_diff: bool) -> None:
    """Write one profile per row of a spreadsheet export (CSV, comma or semicolon, UTF-8).

    Columns are field paths (patient.name, diagnosis.cancer_type; lists separated by ';'), or your
    own names through --map. A bad row is listed and the rest are written; exits 1 if any row failed or a
    value was left out for a person to fill in.

    \b
    Examples:
      sop-packets import csv --template > patients.csv
      sop-packets import csv patients.csv -o profiles/ --map columns.yaml
    """
    from .importers.csv_import import import_csv, load_mapping, template
    from .importers.reimport import write_merged

    if print_template:
        click.echo(template(), nl=False)
        return
    if file is None:
        raise click.UsageError("give the CSV FILE, or --template")
    found = import_csv(file, load_mapping(map_file) if map_file else None)
    for line in found.errors:
        _say(line)
    written = write_merged(found.drafts, out_dir, force=force, diff=show_diff, merge=False,
                           how="import csv").written
    _report_written(written, found.warnings, [])
    click.echo(f"{len(written.written)} written, {len(written.unchanged)} unchanged, "
               f"{found.failed_rows + len(written.refused)} failed, {found.rows} rows, "
               f"{len(found.warnings)} warnings")
    if found.failed_rows or written.refused or found.left_out:  # 1: something needs a person
        sys.exit(1)


@cli.command()
@click.argument("profiles_dir", required=False, default=Path("profiles"),
                type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output"), show_default=True, help="Folder for the HTML and PDF files.")
@clinic_option
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Anything but this computer (127.0.0.1) lets others on the "
                   "network reach the app; it then still needs the link's access key.")
@click.option("--import-dir", "import_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder of FHIR exports and CSV files the worklist can import from.")
@click.option("--id-from", "id_from", metavar="SYSTEM", default=None,
              help="For imports in the app: name each profile by the Patient identifier with this system, "
                   "as `import fhir --id-from` does. Default: the clinic file's fhir_id_from, if any.")
@click.option("--user", "user", metavar="NAME", default=None,
              help="Your name, as the audit trail records who changed what. Default: your login name.")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the web browser.")
def serve(profiles_dir: Path, out_dir: Path, clinic, port: int, host: str, import_dir, id_from, user,
          open_browser: bool) -> None:
    """Start the coordinators' web app on PROFILES_DIR (default: profiles): worklist, form, preview.

    \b
    Example:
      sop-packets serve profiles/ -o output --clinic my-clinic/clinic.yaml --open
    """
    from .build import BuildOptions, branding
    from .errors import SopError
    from .serve import Settings
    from .serve import serve as run
    from .serve.workspace import Workspace

    if not profiles_dir.is_dir():
        raise SopError(f"{profiles_dir}: no such folder; give the folder that holds the profiles")
    branding(clinic)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: other computers on this network can reach the app. It "
                   "still needs the link's access key, but the connection is not encrypted (no HTTPS); "
                   "use this only on a network you trust.", err=True)
    from .audit import os_user

    settings = Settings(Workspace(profiles_dir, out_dir, clinic, import_dir),
                        BuildOptions(out_dir=out_dir, clinic=clinic), host=host, port=port,
                        user=" ".join((user or "").split())[:100] or os_user(), id_from=id_from)
    run(settings, open_browser, say=click.echo)


ONE_SHOT_GC = (100_000, 50, 100)
"""Collector thresholds for a command that runs once and leaves. With Python's (700, 10, 10), loading
WeasyPrint, pydantic and the content makes the collector scan the growing heap hundreds of times: about
0.2 CPU s of a cold `build` (1.6 s). Cycles are still collected, in fewer passes; `batch` sets the same
for its run (batch._fewer_collections), and the long-running `serve` keeps Python's."""


def _subcommand(args: list[str]) -> str | None:
    """The command named on the command line (the first word that is not an option), if any."""
    return next((arg for arg in args if not arg.startswith("-")), None)


def main() -> None:
    """Console-script entry point.

    When the command is done, the process leaves without tearing the interpreter down (freeing every
    module and object took 0.3-0.4 s of CPU after a `build`): exit handlers run and the output streams
    are flushed first, and every file the command wrote is already complete (written atomically).
    A command that runs once and leaves (all but `serve`) collects garbage less often (see
    ONE_SHOT_GC).
    """
    if _subcommand(sys.argv[1:]) != "serve":
        gc.set_threshold(*map(max, gc.get_threshold(), ONE_SHOT_GC))
    try:
        cli(prog_name="sop-packets")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # not CPython: leave the usual way
        raise SystemExit(code)
    if not isinstance(code, int):  # as Python itself does with sys.exit("message")
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for thread in threading.enumerate():  # as the interpreter does before its exit handlers
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
