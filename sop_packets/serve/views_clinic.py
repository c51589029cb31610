"""The clinic settings page: clinic.yaml as a form from its schema, the logo, the accent colour's
contrast on white, and a packet preview with the unsaved settings."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..build import branding, make_packet
from ..clinic import (
    LOGO_TYPES,
    MIN_CONTRAST,
    Branding,
    Clinic,
    _logo_uri,
    contrast_ratio,
    default_clinic_path,
)
from ..errors import InvalidInput, Problem, SopError
from ..output import write_atomic
from ..profile import decode, parse_located, read_bytes, validate
from ..render import render_html
from . import changes, form
from .pages import page, posted, settings_of, templates
from .views_profile import _by_field, live_names, shown
from .workspace import Busy, digest


@functools.cache
def clinic_specs() -> list[form.Spec]:
    return form.specs_for(Clinic, doc="clinic")


@dataclass
class ClinicChecked:
    text: str
    digest: str
    data: Any
    brand: Branding | None
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True


def check_clinic(text: str, path: Path) -> ClinicChecked:
    """The clinic file's text checked as `sop-packets` checks it, logo included."""
    located = parse_located(text, path.name)
    brand = None
    problems: list[Problem] = []
    try:
        clinic = validate(Clinic, located, path.name)
        logo = _logo_uri(path, clinic.logo, located.where(("logo",))) if clinic.logo else None
        brand = Branding(clinic, logo, str(path))
    except InvalidInput as exc:
        problems = exc.problems
    data = located.data if isinstance(located.data, dict) else None
    return ClinicChecked(text, digest(text), data, brand, problems, not located.problems and data is not None)


def _path(request: Request) -> tuple[Path, bool]:
    chosen = settings_of(request).workspace.clinic
    return (chosen, True) if chosen is not None else (default_clinic_path(), False)


def _logos(path: Path) -> list[str]:
    folder = path.parent
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in LOGO_TYPES and p.is_file())


def contrast(value: Any) -> dict[str, Any] | None:
    """The accent colour's contrast with white, and whether headings in it can be read."""
    if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
        return None
    ratio = contrast_ratio(value, "#ffffff")
    swatch = ("data:image/svg+xml," + quote(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="48" height="24"><rect width="48" height="24" '
        f'fill="{value}"/></svg>'))
    return {"ratio": f"{ratio:.1f}", "ok": ratio >= MIN_CONTRAST, "minimum": MIN_CONTRAST, "swatch": swatch}


def _render(request: Request, checked: ClinicChecked, values: dict, status: int = 200, **extra) -> Response:
    path, editable = _path(request)
    errors = extra.pop("errors", [])
    key = extra.pop("key", None)
    if key is None and not errors and checked.brand is not None and extra.pop("sample", True):
        key = settings_of(request).previews.put(_sample(request, checked.brand))
    return page(request, "clinic.html.j2", status=status, specs=clinic_specs(), values=values, key=key,
                opened=checked.digest, errors=errors, field_errors=_by_field(errors),
                editable=editable, file_name=path.name, logos=_logos(path),
                contrast=contrast(values.get("accent_color")),
                logo_uri=checked.brand.logo_uri if checked.brand else None,
                notice=extra.pop("notice", None), conflict=extra.pop("conflict", None), **extra)


def _read(path: Path) -> ClinicChecked:
    try:
        return check_clinic(decode(read_bytes(path, "clinic file"), path, "clinic file"), path)
    except InvalidInput as exc:
        return ClinicChecked("", "", None, None, exc.problems, readable=False)


_opened: dict[str, str] = {}


async def clinic(request: Request) -> Response:
    path, editable = _path(request)
    if request.method == "GET":
        checked = await run_in_threadpool(_read, path)
        if len(_opened) > 100:
            _opened.clear()
        _opened[checked.digest] = checked.text
        values = form.flat_values(clinic_specs(), checked.data)
        notice = {"saved": "Saved.", "logo": "The new logo is saved and named in the clinic file."}.get(
            request.query_params.get("done", ""))
        return _render(request, checked, values, errors=shown(checked.problems, clinic_specs()),
                       notice=notice)
    data = await posted(request)
    return await run_in_threadpool(_post, request, path, editable, data)


def _attempt(path: Path, data) -> tuple[ClinicChecked, ClinicChecked, dict]:
    specs = clinic_specs()
    opened = str(data.get("opened") or "")
    base = check_clinic(_opened[opened], path) if opened in _opened else _read(path)
    submitted = form.form_data(specs, data)
    values = form.flat_values(specs, submitted)
    found = changes.edits(specs, submitted, base.data)
    if not base.readable:
        return base, base, values
    new_text = changes.apply(base.text, found, set())
    return base, (check_clinic(new_text, path) if new_text != base.text else base), values


def _post(request: Request, path: Path, editable: bool, data) -> Response:
    action = str(data.get("action") or "save")
    base, new, values = _attempt(path, data)
    if action.startswith("add:"):
        form.grow(clinic_specs(), values, action[4:])
        return _render(request, base, values)
    errors = shown(new.problems, clinic_specs())
    if action == "check" and not errors and new.brand is not None:
        sample = settings_of(request).previews.put(_sample(request, new.brand))
        return _render(request, base, values, key=sample)
    if not base.readable:
        return _render(request, base, values, status=409, errors=errors, notice=(
            "The form cannot change this file: its YAML has a mistake (listed above) that must be fixed in "
            "a text editor first."))
    if action != "save" or errors:
        return _render(request, base, values, errors=errors)
    if not editable:
        return _render(request, base, values, status=403, notice=(
            "This is the example clinic that comes with sop-packets; it cannot be changed here. Start "
            "the app with --clinic YOUR-FILE to edit your clinic's settings."))
    space = settings_of(request).workspace
    try:
        with space.writing():
            current = decode(read_bytes(path, "clinic file"), path, "clinic file")
            if digest(current) != base.digest:
                from .yaml_edit import difference

                return _render(request, base, values, status=409, conflict=difference(
                    base.text, current, f"{path.name} (when you opened it)", f"{path.name} (on disk now)"))
            write_atomic(path, new.text.encode("utf-8"), path.stat().st_mode & 0o777)
    except Busy:
        return _render(request, base, values, status=423, notice=(
            "Not saved: a batch is building packets right now. Wait for it to finish, then save again."))
    branding.cache_clear()
    return RedirectResponse("/clinic?done=saved", status_code=303)


async def clinic_preview(request: Request) -> Response:
    """Page one of a sample packet with the unsaved clinic settings."""
    path, _editable = _path(request)
    data = await posted(request)

    def work() -> Response:
        _base, new, values = _attempt(path, data)
        errors = shown(new.problems, clinic_specs())
        key = None
        if not errors and new.brand is not None:
            key = settings_of(request).previews.put(_sample(request, new.brand))
        html = templates().get_template("_clinic_preview.html.j2").render(
            errors=errors, key=key, contrast=contrast(values.get("accent_color")),
            live_names=live_names(clinic_specs()), live_errors=_by_field(errors))
        return HTMLResponse(html)

    return await run_in_threadpool(work)


def _sample(request: Request, brand: Branding) -> str:
    """A packet for the first valid profile in the folder (or the smallest example) with this clinic."""
    settings = settings_of(request)
    space = settings.workspace
    profile = None
    for name in space.listing():
        checked = space.read(name)
        if checked.profile is not None:
            profile = checked.profile
            break
    if profile is None:
        from ..content import template_dir
        from ..profile import load_profile

        example = template_dir().parent / "profiles" / "ex-09-other-minimal.yaml"
        try:
            profile = load_profile(example)
        except SopError:
            return "<p>There is no valid profile to show a sample packet with.</p>"
    packet = make_packet(profile, settings.options)
    return render_html(dataclasses.replace(packet, branding=brand))


MAX_LOGO_UPLOAD = 1024 * 1024


async def upload_logo(request: Request) -> Response:
    """A new logo file: checked like a clinic logo, written beside clinic.yaml, named in it."""
    path, editable = _path(request)
    data = await posted(request)
    upload = data.get("logo_file")
    content = await upload.read(MAX_LOGO_UPLOAD + 1) if hasattr(upload, "read") else b""
    filename = getattr(upload, "filename", "") or ""
    return await run_in_threadpool(_save_logo, request, path, editable, str(data.get("opened") or ""),
                                   filename, content)


def _save_logo(request: Request, path: Path, editable: bool, opened: str, filename: str,
               content: bytes) -> Response:
    checked = _read(path)
    values = form.flat_values(clinic_specs(), checked.data)

    def refuse(message: str, status: int = 400) -> Response:
        return _render(request, checked, values, status=status, errors=[], notice=message)

    if not editable:
        return refuse("This is the example clinic; start the app with --clinic YOUR-FILE to change the logo.",
                      403)
    suffix = Path(filename).suffix.lower()
    if suffix not in LOGO_TYPES:
        return refuse("Choose a PNG, JPEG or SVG image for the logo.")
    if len(content) > MAX_LOGO_UPLOAD:
        return refuse("The logo is too large (more than 1 MiB); use a smaller image.")
    from ..clinic import MAGIC, svg_problem

    if suffix == ".svg":
        if problem := svg_problem(content):
            return refuse(f"This SVG cannot be a logo: it {problem}; use a plain SVG or a PNG.")
    elif not content.startswith(MAGIC[suffix]):
        return refuse(f"This file is not a {suffix[1:].upper()} image (its contents do not match its name).")
    if not checked.readable or opened != checked.digest:
        return refuse("The clinic file changed since you opened this page; reload it and upload again.", 409)
    folder = path.parent
    name = f"logo{suffix}"
    number = 1
    while _taken(folder / name, content):
        number += 1
        name = f"logo-{number}{suffix}"
    space = settings_of(request).workspace
    try:
        with space.writing():
            current = decode(read_bytes(path, "clinic file"), path, "clinic file")
            if digest(current) != checked.digest:
                return refuse("The clinic file changed since you opened this page; reload it and upload "
                              "again.", 409)
            write_atomic(folder / name, content, 0o644)
            new_text = changes.apply(checked.text, {("logo",): name}, set())
            write_atomic(path, new_text.encode("utf-8"), path.stat().st_mode & 0o777)
    except Busy:
        return refuse("Not saved: a batch is building packets right now; try again when it is done.", 423)
    branding.cache_clear()
    return RedirectResponse("/clinic?done=logo", status_code=303)


def _taken(path: Path, content: bytes) -> bool:
    """Is the name used by anything but a regular file holding exactly this content? A pipe, device,
    link or folder counts as taken and is never opened (a FIFO named logo.png would hang a read)."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return os.path.lexists(path)  # a dangling link
    except OSError:
        return True
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(content):
            return True
        return handle.read(len(content) + 1) != content
