"""The profile page: the form made from the schema, checking, saving, the live preview, the PDF."""

from __future__ import annotations

import functools
import re
import stat
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from .. import audit
from ..build import build_file
from ..errors import Problem, SopError
from ..review import state as review_state
from ..schema import Profile
from . import changes, encoding, flags, form, form_layout, preview, views_review
from .pages import page, posted, settings_of
from .workspace import Busy, Checked, Conflict, check_data, check_text, checked_once

UNREADABLE = ("The form cannot change this file: its YAML has a mistake (listed above) that must be fixed "
              "in a text editor first. Open the file, fix the lines named, save it, then reload this page.")
SAVED_NOTICES = {
    "saved": "Saved.",
    "saved-cleared": "Saved. The profile changed after a clinician checked it, so the check is cleared: "
                     "send it for review again.",
    "converted": "Converted to UTF-8. The original file is kept in the .backup folder of the profiles "
                 "folder.",
    "built": "The packet is built.",
}


@functools.cache
def profile_specs() -> list[form.Spec]:
    """The form's fields: every schema field but the review, which only the review page writes."""
    return form_layout.plain([spec for spec in form.specs_for(Profile) if spec.name != "review"])


@dataclass
class Shown:
    """A problem as the page shows it: the field's label, the CLI's words, and where to jump."""

    label: str
    message: str
    field: str
    anchor: str
    spec_name: str
    link: str = ""  # another profile's page (a possible same person)


def anchor_of(dotted: str) -> str:
    plain = re.sub(r"\[(\d+)\]", r".\1", dotted)
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", plain) if plain else "form-top"


def shown(problems: list[Problem], specs: list[form.Spec]) -> list[Shown]:
    out = []
    for problem in problems:
        spec = form.field_for(specs, problem.field) if problem.field else None
        label = spec.label if spec else (problem.field or "The file")
        anchor = anchor_of(problem.field) if spec else "form-top"
        if spec is not None and spec.kind in ("enum", "enums", "tribool", "bool", "texts", "groups") and \
                not re.search(r"\[\d+\]$", problem.field):
            anchor = spec.anchor
        parts = [p for p in re.split(r"[.\[\]]+", problem.field) if p and not p.isdigit()]
        if spec is not None and parts and spec.path[-1] != parts[-1]:
            anchor = spec.anchor  # a field the form does not have (unknown): its section
        out.append(Shown(label, problem.message, problem.field, anchor, spec.name if spec else ""))
    return out


def live_updates(data, by_field: dict[str, list[str]]) -> tuple[list[str], str]:
    """The message places a live check updates: the fields with a message now, and the ones the page
    shows a message for (its live_shown field), so a fixed field's message goes. Only those: swapping
    every field's place made each update cost the browser about 300 ms. Also the new live_shown."""
    known = set(live_names(profile_specs()))
    posted_shown = {n for n in str(data.get("live_shown") or "").split(",") if n in known}
    now = set(by_field) & known
    return sorted(now | posted_shown), ",".join(sorted(now))


def live_names(specs: list[form.Spec]) -> list[str]:
    """Every field and section that has a message place on the page (for the live check)."""
    return [spec.name for spec in form.every_spec(specs) if spec.kind != "fixed"]


def _name_or_404(request: Request) -> str | None:
    name = request.path_params["name"]
    return name if settings_of(request).workspace.path_of(name) is not None else None


def _not_found() -> Response:
    return PlainTextResponse("There is no such profile in this folder.", status_code=404)


def _context(checked: Checked, values: dict[str, Any], request: Request, **extra) -> dict[str, Any]:
    specs = profile_specs()
    fill_ins = []
    for note in checked.fill_ins:
        spec = form.field_for(specs, ".".join(note.path))
        fill_ins.append({"label": spec.label if spec else ".".join(note.path),
                         "path": ".".join(note.path), "anchor": spec.anchor if spec else "form-top",
                         "note": form_layout.plain_note(note.note), "name": spec.name if spec else ""})
    state = review_state(checked.profile) if checked.profile is not None else None
    fill_names = {f["name"] for f in fill_ins}

    def parts_for(field_errors: dict) -> list[form_layout.Part]:  # the errors are known only at render
        return form_layout.parts(specs, values, set(field_errors), fill_names)

    return {"specs": specs, "values": values, "fill_ins": fill_ins, "fill_in_names": fill_names,
            "review": state, "parts_for": parts_for, "pdf_ready": _pdf_ready(request, checked),
            "ehr_flags": ehr_flags(checked), **extra}


def _pdf_ready(request: Request, checked: Checked) -> bool:
    """Whether this profile's PDF is in the output folder (the action bar offers its download)."""
    if checked.profile is None:
        return False
    target = settings_of(request).workspace.packet_of(request.path_params["name"], checked.profile.patient.id)
    return target is not None and target.suffix == ".pdf"


async def edit(request: Request) -> Response:
    name = _name_or_404(request)
    if name is None:
        return _not_found()
    if request.method == "GET":
        return await run_in_threadpool(_show, request, name)

    data = await posted(request)
    return await run_in_threadpool(_post, request, name, data)


def _show(request: Request, name: str) -> Response:
    """The form as the file is now, with the packet preview of the saved profile beside it."""
    space = settings_of(request).workspace
    checked = space.read(name)
    values = form.flat_values(profile_specs(), checked.data)
    same_id, same_person = space.identity_check(name, checked)
    errors = shown([*checked.problems, *same_id], profile_specs())
    result = None
    if checked.profile is not None:
        result = _preview(request, Attempt(checked, checked, values, checked.digest, {}))
    notice = SAVED_NOTICES.get(request.query_params.get("done", "")) if checked.readable else UNREADABLE
    offer = None if checked.readable else encoding_offer(space, name)
    if offer is not None:
        notice = ("This file is not saved as UTF-8, the text encoding sop-packets reads. It reads cleanly "
                  f"as {offer.label}: check the lines below, then convert it (the original is kept as a "
                  "backup).")
    return page(request, "profile.html.j2", name=name, checked=checked, opened=checked.digest,
                encoding_offer=offer,
                errors=errors, field_errors=_by_field(errors),
                warnings=[*identity_warnings(same_person), *shown(checked.warnings, profile_specs())],
                notice=notice, conflict=None, result=result, **_context(checked, values, request))


def encoding_offer(space, name: str):
    """An offer to convert a profile saved in another encoding (None for UTF-8 or unreadable bytes)."""
    from ..errors import SopError
    from ..profile import read_bytes

    path = space.path_of(name)
    try:
        return encoding.offer(read_bytes(path)) if path is not None else None
    except SopError:
        return None


async def convert(request: Request) -> Response:
    """Convert a profile to UTF-8 from the encoding its page offered, keeping the original as a backup."""
    name = _name_or_404(request)
    if name is None:
        return _not_found()
    data = await posted(request)
    settings = settings_of(request)
    space = settings.workspace

    def work() -> Response:
        try:
            with space.writing():
                encoding.convert(space.path_of(name), space.profiles, name, str(data.get("digest") or ""),
                                 str(data.get("encoding") or ""))
                audit.append(space.profiles, "convert", name, who=settings.user,
                             note=f"from {str(data.get('encoding') or '')[:20]}, original kept in .backup")
        except Busy as exc:
            return refused_page(request, name, 423, f"Not converted: {exc.words}; try again when it is done.")
        except SopError as exc:
            return refused_page(request, name, 409, f"Not converted: {exc.format_message()}")
        return RedirectResponse(f"/profiles/{quote(name)}?done=converted", status_code=303)

    return await run_in_threadpool(work)


def identity_warnings(pairs: list[tuple[str, str]]) -> list[Shown]:
    """'This may be the same person as ...', each with a link to the other profile."""
    return [Shown("Patient", message, "patient.id", "f-patient", "patient.id",
                  link=f"/profiles/{quote(other)}") for message, other in pairs]


def history(request: Request, name: str) -> list:
    """The profile's audit trail, newest first (for its page)."""
    return settings_of(request).workspace.history(name)


@dataclass
class Attempt:
    """One posted form turned into the file's new text, and that text checked."""

    base: Checked
    new: Checked
    values: dict[str, Any]
    opened: str
    changes: dict


def attempt(space, name: str, data, *, preview_only: bool = False) -> Attempt:
    """The posted form against the version it was opened with. For the preview only the data is
    checked (no YAML is written); a save also writes the new text and checks that."""
    specs = profile_specs()
    opened = str(data.get("opened") or "")
    base_text = space.opened.get(opened)
    base = checked_once(base_text, name) if base_text is not None else space.read(name)
    submitted = form.form_data(specs, data)
    values = form.flat_values(specs, submitted)
    done = {tuple(p.split(".")) for p in data.getlist("fill_in_done") if isinstance(p, str)}
    found = changes.edits(specs, submitted, base.data)
    # The version the form was opened with is what was posted, whether or not this app still holds its
    # text: a save is checked against it, so a stale tab never passes for a fresh one.
    if not base.readable:
        return Attempt(base, base, values, base.digest, {})
    if preview_only:
        new = check_data(changes.apply_to_data(base.data, found), name) if found else base
        return Attempt(base, new, values, opened, found)
    new_text = flags.clear(changes.apply(base.text, found, done), _flags_done(data))
    new = check_text(new_text, name) if new_text != base.text else base
    return Attempt(base, new, values, opened, found)


def _flags_done(data) -> set[tuple[str, ...]]:
    """The `# EHR CONFLICT:` flags the coordinator ticked as dealt with."""
    return {tuple(p.split(".")) for p in data.getlist("ehr_flag_done") if isinstance(p, str) and p}


def ehr_flags(checked: Checked) -> list[dict]:
    """The re-import's conflict flags of the file, each with its field's label and place on the form."""
    specs = profile_specs()
    out = []
    for flag in flags.flags(checked.text):
        dotted = ".".join(flag.path)
        spec = form.field_for(specs, dotted)
        out.append({"path": dotted, "label": spec.label if spec else dotted,
                    "anchor": spec.anchor if spec else "form-top", "note": flag.note})
    return out


def _by_field(errors: list[Shown]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in errors:
        out.setdefault(item.spec_name or "", []).append(item.message)
    return out


def _post(request: Request, name: str, data) -> Response:
    settings = settings_of(request)
    space = settings.workspace
    specs = profile_specs()
    action = str(data.get("action") or "save")
    tried = attempt(space, name, data)
    values = tried.values
    if action.startswith("add:"):
        form.grow(specs, values, action[4:])
    if not tried.base.readable:
        errors = shown(tried.base.problems, specs)
        return page(request, "profile.html.j2", status=409, name=name, checked=tried.base,
                    opened=tried.opened, errors=errors, field_errors=_by_field(errors), warnings=[],
                    notice=UNREADABLE, conflict=None, result=None, **_context(tried.base, values, request))
    errors = shown(tried.new.problems, specs)
    warnings = shown(tried.new.warnings, specs)
    context = dict(name=name, checked=tried.base, opened=tried.opened, errors=[], field_errors={},
                   warnings=warnings, notice=None, conflict=None, result=None,
                   **_context(tried.base, values, request))
    if action in ("save", "build") and not errors:
        same_id, same_person = space.identity_check(name, tried.new)
        if same_id:  # two files, one patient.id: one packet would overwrite the other
            errors = shown(same_id, specs)
            context.update(errors=errors, field_errors=_by_field(errors),
                           notice="Not saved: another profile already has this patient id.")
            return page(request, "profile.html.j2", status=409, **context)
        context["warnings"] = [*identity_warnings(same_person), *warnings]
        saved, cleared = views_review.clear_if_edited(tried.base, tried.new, name)
        fields = [".".join(map(str, path)) for path in tried.changes] + (["review"] if cleared else [])
        try:
            space.save(name, saved.text, tried.opened, who=settings.user, fields=fields)
        except Conflict as exc:
            context["conflict"] = exc.difference or "(the earlier version is no longer known to this app)"
            return page(request, "profile.html.j2", status=409, **context)
        except Busy as exc:
            context["notice"] = f"Not saved: {exc.words}. Wait for it to finish, then press Save again."
            return page(request, "profile.html.j2", status=423, **context)
        except SopError as exc:
            context["notice"] = f"Not saved: {exc.format_message()}"
            return page(request, "profile.html.j2", status=500, **context)
        if action == "build":
            return _build_now(request, name)
        done = "saved-cleared" if cleared else "saved"
        return RedirectResponse(f"/profiles/{quote(name)}?done={done}", status_code=303)
    if action in ("save", "check", "build"):
        context.update(errors=errors, field_errors=_by_field(errors))
    if action == "check" and not errors:
        context["result"] = _preview(request, tried)
    return page(request, "profile.html.j2", **context)


def _preview(request: Request, tried: Attempt) -> preview.Preview | None:
    if tried.new.profile is None:
        return None
    settings = settings_of(request)
    baseline = _baseline(settings, tried.base)
    return preview.preview(tried.new.profile, settings.options, settings.previews, baseline,
                           edited=bool(tried.changes), form=tried.base.digest[:16])


def _baseline(settings, base: Checked):
    if base.profile is None:
        return None
    cache = settings.__dict__.setdefault("_baselines", {})
    if base.digest not in cache:
        if len(cache) > 200:
            cache.clear()
        cache[base.digest] = preview.guidance_of(base.profile, settings.options)
    return cache[base.digest]


async def live_preview(request: Request) -> Response:
    """The preview panel for the form's current values (htmx swaps it in as the form changes)."""
    name = _name_or_404(request)
    if name is None:
        return _not_found()
    data = await posted(request)

    def work() -> Response:
        tried = attempt(settings_of(request).workspace, name, data, preview_only=True)
        errors = shown(tried.new.problems, profile_specs())
        result = None if errors else _preview(request, tried)
        by_field = _by_field(errors)
        updated, now_shown = live_updates(data, by_field)
        html = _fragment("_preview.html.j2", name=name, errors=errors, result=result,
                         warnings=shown(tried.new.warnings, profile_specs()),
                         live_names=updated, live_errors=by_field, live_shown=now_shown)
        return HTMLResponse(html)

    return await run_in_threadpool(work)


def _fragment(template: str, **context) -> str:
    from .pages import templates

    return templates().get_template(template).render(**context)


async def preview_page(request: Request) -> Response:
    html = await run_in_threadpool(settings_of(request).previews.get, request.path_params["key"])
    if html is None:
        return PlainTextResponse("This preview has expired; change a field to make a new one.",
                                 status_code=404)
    return HTMLResponse(html)


async def build(request: Request) -> Response:
    name = _name_or_404(request)
    if name is None:
        return _not_found()
    await posted(request)
    return await run_in_threadpool(_build_now, request, name)


def _build_now(request: Request, name: str) -> Response:
    """Build the saved profile's packet; the profile page again, with the reason, when it cannot."""
    settings = settings_of(request)
    space = settings.workspace
    path = space.path_of(name)

    def refused(status: int, notice: str, extra: list[Problem] = ()) -> Response:
        return refused_page(request, name, status, notice, extra)

    checked = space.read(name)
    same_id, _ = space.identity_check(name, checked)
    if same_id:
        return refused(409, "The packet was not built: another profile has this patient id.", same_id)
    try:
        with space.own_turn():  # two builds (or a build and a save) of this app wait for each other
            result = build_file(path, settings.options)
            audit.append(space.profiles, "build", name, who=settings.user, patient_id=result.patient_id,
                         note="in the app")
    except Busy as exc:
        return refused(423, f"The packet was not built: {exc.words}. Try again when it is done.")
    except SopError as exc:
        return refused(409 if "already" in str(exc) else 422,
                       f"The packet could not be built: {_first_line(exc.format_message(), name)}")
    return RedirectResponse(f"/profiles/{quote(name)}?done=built", status_code=303)


def refused_page(request: Request, name: str, status: int, notice: str,
                 extra: list[Problem] = ()) -> Response:
    """The profile's page with why an action was not done at the top (and any problems at their fields)."""
    space = settings_of(request).workspace
    checked = space.read(name)
    errors = shown([*checked.problems, *extra], profile_specs())
    return page(request, "profile.html.j2", status=status, name=name, checked=checked,
                opened=checked.digest, errors=errors, field_errors=_by_field(errors), warnings=[],
                conflict=None, result=None, notice=notice,
                encoding_offer=None if checked.readable else encoding_offer(space, name),
                **_context(checked, form.flat_values(profile_specs(), checked.data), request))


def _first_line(message: str, name: str) -> str:
    return message.splitlines()[0] if message else "unknown error"


async def download(request: Request) -> Response:
    name = _name_or_404(request)
    if name is None:
        return _not_found()
    settings = settings_of(request)
    return await run_in_threadpool(_download, settings.workspace, name)


def _download(space, name: str) -> Response:
    """The PDF built from this profile, read through a descriptor opened without following links."""
    import os

    checked = space.read(name)
    if checked.profile is None:
        return PlainTextResponse("This profile has problems; fix them and build the packet first.",
                                 status_code=404)
    same_id, _ = space.identity_check(name, checked)
    if same_id:
        return PlainTextResponse("Another profile has this patient id, so the packet cannot be told apart "
                                 "from theirs. Give each patient their own id, then build again.",
                                 status_code=409)
    target = space.packet_of(name, checked.profile.patient.id)
    if target is None:
        return PlainTextResponse("The packet has not been built from this profile yet; press “Build the PDF” "
                                 "first.", status_code=404)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return PlainTextResponse("The packet has not been built yet; press “Build the PDF” first.",
                                 status_code=404)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return PlainTextResponse("The packet has not been built yet.", status_code=404)
        data = handle.read()
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{target.name}"'})


async def archive(request: Request) -> Response:
    name = _name_or_404(request)
    if name is None:
        return _not_found()
    await posted(request)
    settings = settings_of(request)
    try:
        await run_in_threadpool(functools.partial(settings.workspace.archive, name, who=settings.user))
    except Busy as exc:
        return await run_in_threadpool(refused_page, request, name, 423,
                                       f"Not archived: {exc.words}; archive it when it is done.")
    return RedirectResponse("/?done=archived", status_code=303)
