"""The worklist (home page), importing from FHIR or a spreadsheet, and starting a new profile."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import SopError
from . import worklist as rows_module
from .pages import page, posted, settings_of
from .workspace import Busy

NOTICES = {"archived": "The profile was moved to the archive folder."}
SORTS = {"urgency": "Urgency (urgent first)", "patient": "Patient", "cancer": "Cancer type",
         "state": "State", "changed": "Last changed (newest first)", "language": "Language"}
IMPORT_SUFFIXES = (".json", ".ndjson", ".csv")


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_choices(request: Request) -> list[str]:
    """Files and folders in the server's import folder: the only server paths an import may read."""
    folder = settings_of(request).workspace.imports
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if not p.name.startswith(".") and not p.is_symlink()
                  and (p.is_dir() or p.suffix.lower() in IMPORT_SUFFIXES))


def _page(request: Request, report: ImportReport | None = None, status: int = 200) -> Response:
    settings = settings_of(request)
    query = request.query_params
    sort = query.get("sort", "urgency")
    state = query.get("state", "")
    text = query.get("q", "")[:100]
    every = rows_module.rows(settings.workspace, settings.options)
    shown = rows_module.sort_rows(rows_module.filter_rows(every, state if state in rows_module.STATES
                                                          else "", text), sort)
    return page(request, "worklist.html.j2", status=status, rows=shown, total=len(every), sort=sort,
                sorts=SORTS, state=state, states=rows_module.STATES, q=text, report=report,
                notice=NOTICES.get(query.get("done", "")), imports=import_choices(request),
                batch_running=settings.workspace.batch_running())


async def worklist(request: Request) -> Response:
    return await run_in_threadpool(_page, request)


async def new_profile(request: Request) -> Response:
    data = await posted(request)
    name = str(data.get("patient_name") or "").strip()[:200]
    if not name:
        report = ImportReport(problems=["Give the patient's name to start a new profile."])
        return await run_in_threadpool(_page, request, report, 400)
    try:
        created = await run_in_threadpool(settings_of(request).workspace.create, name)
    except Busy:
        report = ImportReport(problems=["A batch is building packets from this folder; try again when "
                                        "it is done."])
        return await run_in_threadpool(_page, request, report, 423)
    return RedirectResponse(f"/profiles/{quote(created)}", status_code=303)


async def import_profiles(request: Request) -> Response:
    data = await posted(request)
    upload = data.get("upload")
    chosen = str(data.get("server_file") or "")
    kind = str(data.get("kind") or "auto")
    scratch = Path(tempfile.mkdtemp(prefix="sop-packets-upload-"))
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            suffix = Path(upload.filename).suffix.lower()
            if suffix not in IMPORT_SUFFIXES:
                report = ImportReport(problems=["Upload a FHIR export (.json or .ndjson) or a spreadsheet "
                                                "saved as CSV (.csv)."])
                return await run_in_threadpool(_page, request, report, 400)
            source = scratch / f"upload{suffix}"
            source.write_bytes(await upload.read())
            source.chmod(0o600)
        elif chosen:
            if chosen not in import_choices(request):
                report = ImportReport(problems=["Choose a file from the list."])
                return await run_in_threadpool(_page, request, report, 400)
            source = settings_of(request).workspace.imports / chosen  # type: ignore[operator]
        else:
            report = ImportReport(problems=["Choose a file from the list or upload one."])
            return await run_in_threadpool(_page, request, report, 400)
        if kind == "auto":
            kind = "csv" if source.suffix.lower() == ".csv" else "fhir"
        report = await run_in_threadpool(_run_import, request, source, kind)
        return await run_in_threadpool(_page, request, report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_import(request: Request, source: Path, kind: str) -> ImportReport:
    from ..importers import write_profiles

    space = settings_of(request).workspace
    report = ImportReport()
    try:
        if kind == "csv":
            from ..importers.csv_import import import_csv

            found = import_csv(source)
            report.problems += [_tidy(line, source) for line in found.errors]
            drafts = found.drafts
        else:
            from ..importers.fhir import import_fhir

            found = import_fhir([source])
            report.warnings += [_tidy(str(n), source) for n in [*found.notices, *found.not_covered]]
            report.problems += [_tidy(str(s), source) for s in found.skipped]
            drafts = found.drafts
        with space.writing():
            result = write_profiles(drafts, space.profiles)
    except Busy:
        report.problems.append("A batch is building packets from this folder; import again when it is done.")
        return report
    except SopError as exc:
        report.problems.append(_tidy(exc.format_message(), source))
        return report
    report.written = [p.name for p in result.written]
    report.unchanged = [p.name for p in result.unchanged]
    report.problems += [_tidy(m, source) for m in result.refused]
    return report


def _tidy(message: str, source: Path) -> str:
    """A message without the server's temporary folder in it."""
    return re.sub(re.escape(str(source.parent)) + r"/?", "", message)
