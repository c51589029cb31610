"""The worklist (home page), importing from FHIR or a spreadsheet, and starting a new profile."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

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
    pages = paging(len(shown), query.get("page", "1"), {"sort": sort, "state": state, "q": text})
    return page(request, "worklist.html.j2", status=status, rows=shown[pages.first - 1: pages.last],
                pages=pages, total=len(every), sort=sort,
                sorts=SORTS, state=state, states=rows_module.STATES, q=text, report=report,
                notice=NOTICES.get(query.get("done", "")), imports=import_choices(request),
                batch_running=settings.workspace.batch_running(), id_from_default=_id_from_default(settings))


def _id_from_default(settings) -> str:
    from ..importers.reimport import id_from_default

    return id_from_default(settings.id_from, settings.workspace.clinic) or ""


PAGE_SIZE = 200  # rows per worklist page: a folder of 10,000 is found by search, filter and sort


@dataclass
class Pages:
    """Which rows of the sorted, filtered worklist this page shows, and links to the others."""

    matching: int
    number: int
    count: int
    first: int
    last: int
    links: list[tuple[int, str]]  # (page number, address), every page when there are few

    @property
    def previous(self) -> str:
        return dict(self.links).get(self.number - 1, "")

    @property
    def next(self) -> str:
        return dict(self.links).get(self.number + 1, "")


def paging(matching: int, asked: str, query: dict[str, str]) -> Pages:
    count = max(1, -(-matching // PAGE_SIZE))
    number = min(max(int(asked), 1), count) if asked.isdigit() and len(asked) < 7 else 1
    wanted = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    links = [(n, "/?" + urlencode({**query, "page": n})) for n in wanted]
    first = (number - 1) * PAGE_SIZE + 1 if matching else 0
    return Pages(matching, number, count, first, min(matching, number * PAGE_SIZE), links)


async def worklist(request: Request) -> Response:
    return await run_in_threadpool(_page, request)


async def new_profile(request: Request) -> Response:
    data = await posted(request)
    name = str(data.get("patient_name") or "").strip()[:200]
    if not name:
        report = ImportReport(problems=["Give the patient's name to start a new profile."])
        return await run_in_threadpool(_page, request, report, 400)
    settings = settings_of(request)
    try:
        create = functools.partial(settings.workspace.create, name, who=settings.user)
        created = await run_in_threadpool(create)
    except Busy as exc:
        report = ImportReport(problems=[f"Not started: {exc.words}; try again when it is done."])
        return await run_in_threadpool(_page, request, report, 423)
    return RedirectResponse(f"/profiles/{quote(created)}", status_code=303)


async def import_profiles(request: Request) -> Response:
    data = await posted(request)
    upload = data.get("upload")
    chosen = str(data.get("server_file") or "")
    kind = str(data.get("kind") or "auto")
    id_from = " ".join(str(data.get("id_from") or "").split())[:300]
    uploaded: tuple[str, bytes] | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        suffix = Path(upload.filename).suffix.lower()
        if suffix not in IMPORT_SUFFIXES:
            report = ImportReport(problems=["Upload a FHIR export (.json or .ndjson) or a spreadsheet "
                                            "saved as CSV (.csv)."])
            return await run_in_threadpool(_page, request, report, 400)
        uploaded = (suffix, await upload.read())
        source_name = f"upload{suffix}"
    elif chosen:
        if chosen not in import_choices(request):
            report = ImportReport(problems=["Choose a file from the list."])
            return await run_in_threadpool(_page, request, report, 400)
        source_name = chosen
    else:
        report = ImportReport(problems=["Choose a file from the list or upload one."])
        return await run_in_threadpool(_page, request, report, 400)
    if kind == "auto":
        kind = "csv" if Path(source_name).suffix.lower() == ".csv" else "fhir"
    report = await run_in_threadpool(_import_in_private_folder, request, uploaded, source_name, kind, id_from)
    return await run_in_threadpool(_page, request, report)


def _import_in_private_folder(request: Request, uploaded: tuple[str, bytes] | None, source_name: str,
                              kind: str, id_from: str) -> ImportReport:
    """Run one import with the upload and the import's index in a private temporary folder named for
    this process: removed at the end, and swept by the next run if this one is killed."""
    from ..output import private_temp_folder

    space = settings_of(request).workspace
    try:
        with space.own_turn(), private_temp_folder() as scratch:
            if uploaded is not None:
                source = scratch / f"upload{uploaded[0]}"
                fd = os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(uploaded[1])
            else:
                source = space.imports / source_name  # type: ignore[operator]
            return _run_import(request, source, kind, id_from)
    except Busy as exc:
        return ImportReport(problems=[f"Not imported: {exc.words}; import again when it is done."])


def _run_import(request: Request, source: Path, kind: str, id_from: str = "") -> ImportReport:
    """The import `import fhir` (or `import csv`) runs: the same identity option (the form's, else
    serve --id-from, else the clinic file's), the same re-import merge and import record."""
    from ..importers.reimport import id_from_default, write_merged

    settings = settings_of(request)
    space = settings.workspace
    report = ImportReport()
    try:
        if kind == "csv":
            from ..importers.csv_import import import_csv

            found = import_csv(source)
            report.problems += [_tidy(line, source) for line in found.errors]
            drafts = found.drafts
        else:
            from ..importers.fhir import Options, import_fhir

            system = id_from_default(id_from or settings.id_from, space.clinic)
            found = import_fhir([source], options=Options(id_from=system))
            report.warnings += [_tidy(str(n), source) for n in [*found.notices, *found.not_covered]]
            report.problems += [_tidy(str(s), source) for s in found.skipped]
            drafts = found.drafts
        done = write_merged(drafts, space.profiles, who=settings.user, how="in the app", merge=kind != "csv")
    except SopError as exc:
        report.problems.append(_tidy(exc.format_message(), source))
        return report
    result = done.written
    report.written = [p.name for p in result.written]
    report.unchanged = [p.name for p in result.unchanged]
    report.problems += [_tidy(m, source) for m in result.refused]
    report.warnings += [_tidy(line, source) for line in done.plans.conflicts]
    report.warnings += [_tidy(line.replace(f"{space.profiles}/", ""), source) for line in done.same_people]
    return report


def _tidy(message: str, source: Path) -> str:
    """A message without the server's temporary folder in it."""
    return re.sub(re.escape(str(source.parent)) + r"/?", "", message)
