"""The clinician's review: send a profile for review, and the review page, where a clinician reads
page one (the urgency box and the next steps), answers the timing question and marks the packet
checked. The state itself (and what voids it) lives in sop_packets/review.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from .. import audit, review
from ..build import make_packet
from ..clock import preparation_date
from ..content import language_name
from ..errors import SopError
from . import changes
from .pages import page, posted, settings_of
from .workspace import Busy, Conflict, check_text

TIMING_CHOICES = [("yes", "Yes, it is safe to wait"), ("no", "No, treatment should not wait")]
NOTICES = {"sent": "Sent for review. A clinician can now open this page and check the packet.",
           "checked": "Marked as checked."}


@dataclass
class Problem:
    """A mistake on the review form, in the GOV.UK shape: the field's label, the message, its anchor."""

    label: str
    message: str
    anchor: str
    field: str = ""


def _name_or_none(request: Request) -> str | None:
    name = request.path_params["name"]
    return name if settings_of(request).workspace.path_of(name) is not None else None


def _not_found() -> Response:
    return PlainTextResponse("There is no such profile in this folder.", status_code=404)


def _audit(request: Request, name: str, note: str, patient_id: str) -> None:
    """A review event in the folder's audit trail (the save before it is logged by the workspace)."""
    settings = settings_of(request)
    audit.append(settings.workspace.profiles, "review", name, who=settings.user, patient_id=patient_id,
                 fields=["review"], note=note)


async def send_for_review(request: Request) -> Response:
    """A coordinator sends the saved profile for a clinician's check."""
    name = _name_or_none(request)
    if name is None:
        return _not_found()
    data = await posted(request)

    def work() -> Response:
        space = settings_of(request).workspace
        base = space.read(name)
        if base.profile is None:
            return PlainTextResponse("This profile has problems; fix them and save before sending it "
                                     "for review.", status_code=409)
        text = changes.apply(base.text, review.sent(preparation_date(None)), set())
        outcome = _save(request, name, text, str(data.get("opened") or base.digest), ["review"])
        if outcome is not None:
            return outcome
        _audit(request, name, "sent for review", base.profile.patient.id)
        return RedirectResponse(f"/profiles/{quote(name)}/review?done=sent", status_code=303)

    return await run_in_threadpool(work)


def _save(request: Request, name: str, text: str, opened: str, fields: list[str]) -> Response | None:
    """Save, or the response that says why not (None when saved)."""
    settings = settings_of(request)
    try:
        settings.workspace.save(name, text, opened, who=settings.user, fields=fields)
    except Conflict:
        return PlainTextResponse("This profile changed since you opened it. Go back, reload the page and "
                                 "try again.", status_code=409)
    except Busy as exc:
        return PlainTextResponse(f"Not saved: {exc.words}. Wait for it to finish, then try again.",
                                 status_code=423)
    except SopError as exc:
        return PlainTextResponse(f"Not saved: {exc.format_message()}", status_code=500)
    return None


async def review_page(request: Request) -> Response:
    """GET: page one and the timing question; POST: the answer and the check."""
    name = _name_or_none(request)
    if name is None:
        return _not_found()
    if request.method == "GET":
        return await run_in_threadpool(_show, request, name)
    data = await posted(request)
    return await run_in_threadpool(_check, request, name, data)


def _show(request: Request, name: str, *, errors: list[Problem] | None = None, values: dict | None = None,
          status: int = 200) -> Response:
    space = settings_of(request).workspace
    checked = space.read(name)
    if checked.profile is None:
        return PlainTextResponse("This profile has problems; the coordinator must fix them before it can "
                                 "be reviewed.", status_code=409)
    profile = checked.profile
    packet = make_packet(profile, settings_of(request).options)
    guidance = packet.clinic_guidance or packet.guidance  # in the clinic's words, for the clinician
    language = packet.clinic_language if packet.clinic_guidance else packet.language
    packet_language = language_name(packet.language_tag) if packet.clinic_guidance else ""
    answer = profile.treatment_plan.timing_answer
    today = preparation_date(None).isoformat()
    shown = values or {
        "safe_to_wait": answer.safe_to_wait.value if answer.safe_to_wait.value != "not_asked" else "",
        "until": answer.until.isoformat() if answer.until else "",
        "checked_by": answer.said_by or "",
        "role": answer.role or "",
        "checked_on": today,
    }
    errors = errors or []
    return page(request, "review.html.j2", status=status, name=name, opened=checked.digest,
                patient_name=profile.patient.name, state=review.state(profile), guidance=guidance,
                language=language, packet_language=packet_language,
                next_steps=guidance.items("next_steps"), values=shown, errors=errors,
                field_errors={e.field: e.message for e in errors}, choices=TIMING_CHOICES,
                notice=NOTICES.get(request.query_params.get("done", "")))


def _form_problems(values: dict) -> list[Problem]:
    """The review form's own checks, with words a clinician understands."""
    found = []
    if values["safe_to_wait"] not in ("yes", "no"):
        found.append(Problem("Is it safe to wait", "Select yes or no", "r-safe_to_wait", "safe_to_wait"))
    if values["safe_to_wait"] == "yes" and values["until"] and not _date(values["until"]):
        found.append(Problem("Safe to wait until", "Enter the last day it is safe to wait as year-month-day, "
                             "like 2027-01-31, or leave it empty", "r-until", "until"))
    for key, label in (("checked_by", "Your name"), ("role", "Your role")):
        if not values[key]:
            found.append(Problem(label, f"Enter {label.lower()}", f"r-{key}", key))
        elif len(values[key]) > 200:
            found.append(Problem(label, f"{label} must be 200 characters or fewer", f"r-{key}", key))
    if not _date(values["checked_on"]):
        found.append(Problem("Date checked", "Enter the date you checked it, like 2027-01-31",
                             "r-checked_on", "checked_on"))
    if values.get("confirm") != "yes":
        found.append(Problem("Checked", "Confirm that you have read page one", "r-confirm", "confirm"))
    return found


def _date(text: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _check(request: Request, name: str, data) -> Response:
    """Write the timing answer, then mark this content checked (the hash is of the answered profile)."""
    keys = ("safe_to_wait", "until", "checked_by", "role", "checked_on", "confirm")
    values = {key: str(data.get(key) or "").strip() for key in keys}
    errors = _form_problems(values)
    if errors:
        return _show(request, name, errors=errors, values=values, status=422)
    space = settings_of(request).workspace
    base = space.read(name)
    opened = str(data.get("opened") or "")
    if base.digest != opened:
        return _show(request, name, status=409, values=values, errors=[Problem(
            "The profile", "It changed since you opened this page. Read page one again, then mark it "
            "checked", "page-one")])
    on = _date(values["checked_on"])
    answer = {"safe_to_wait": values["safe_to_wait"]}
    if values["safe_to_wait"] == "yes" and values["until"]:
        answer["until"] = _date(values["until"])
    answer |= {"said_by": values["checked_by"], "role": values["role"], "said_on": on}
    timing = {("treatment_plan", "timing_answer"): answer}
    answered = check_text(changes.apply(base.text, timing, set()), name)
    if answered.profile is None:
        return _show(request, name, status=422, values=values, errors=[
            Problem("The answer", p.message, "r-safe_to_wait") for p in answered.problems])
    text = changes.apply(answered.text, review.checked(answered.profile, values["checked_by"],
                                                       values["role"], on), set())
    fields = [f"treatment_plan.timing_answer.{key}" for key in answer]
    outcome = _save(request, name, text, base.digest, [*fields, "review"])
    if outcome is not None:
        return outcome
    _audit(request, name, "marked checked by a clinician", answered.profile.patient.id)
    return RedirectResponse(f"/profiles/{quote(name)}/review?done=checked", status_code=303)


def clear_if_edited(base, new, name: str):
    """The checked text to save after a form edit: with its review reset to draft when the edit voids a
    clinician's check (so the file says what the packet does). Returns (checked, was_cleared)."""
    if not review.cleared_by_edit(base.profile, new.profile):
        return new, False
    return check_text(changes.apply(new.text, review.CLEARED, set()), name), True
