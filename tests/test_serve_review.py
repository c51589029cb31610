"""The clinician's review (issue 26): send for review, the review page over HTTP, the check printed in
the packet, any later change clearing it, the worklist column and `batch --require-review`."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_serve import ROOT, client_for, form_fields, post, replace

from sop_packets import review
from sop_packets.build import BuildOptions, make_packet
from sop_packets.cli import cli
from sop_packets.profile import load_profile
from sop_packets.render import render_html
from sop_packets.serve import Settings
from sop_packets.serve.workspace import Workspace

EXAMPLE = ROOT / "profiles" / "ex-01-melanoma-primary-care.yaml"
NAME = "ex-01-melanoma-primary-care.yaml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(EXAMPLE, profiles)
    shutil.copy(ROOT / "profiles" / "ex-09-other-minimal.yaml", profiles)
    shutil.copytree(ROOT / "templates" / "clinic", tmp_path / "clinic")
    clinic = tmp_path / "clinic" / "clinic.yaml"
    return Settings(Workspace(profiles, tmp_path / "output", clinic, None),
                    BuildOptions(out_dir=tmp_path / "output", clinic=clinic, format="html"), port=8765)


@pytest.fixture
def client(settings):
    return client_for(settings)


def _opened(html: str) -> str:
    return re.search(r'name="opened" value="([0-9a-f]+)"', html).group(1)


def _check(client, settings, **changes) -> object:
    page = client.get(f"/profiles/{NAME}/review")
    fields = {"opened": _opened(page.text), "safe_to_wait": "yes", "until": "2027-01-15",
              "checked_by": "Dr Ana Ruiz", "role": "dermatologist", "checked_on": "2026-12-07",
              "confirm": "yes", **changes}
    return post(client, f"/profiles/{NAME}/review", {k: v for k, v in fields.items() if v is not None},
                settings.secrets.csrf)


def test_send_for_review_then_the_clinician_checks_it(client, settings):
    page = client.get(f"/profiles/{NAME}")
    assert "Not sent for review" in page.text
    sent = post(client, f"/profiles/{NAME}/send-for-review", {"opened": _opened(page.text)},
                settings.secrets.csrf)
    assert sent.status_code == 303
    text = (settings.workspace.profiles / NAME).read_text(encoding="utf-8")
    assert "status: sent_for_review" in text
    assert "# " in text.split("review:")[0]  # the file's own comments are kept

    shown = client.get(f"/profiles/{NAME}/review")
    assert shown.status_code == 200
    profile = load_profile(settings.workspace.profiles / NAME)
    guidance = make_packet(profile, settings.options).guidance
    assert guidance.urgency.title in shown.text
    for item in guidance.items("next_steps"):
        assert item.title in shown.text
    assert "Is it safe for the patient to wait for a second opinion?" in shown.text
    assert "Waiting for a clinician" in shown.text

    done = _check(client, settings)
    assert done.status_code == 303, done.text
    checked = load_profile(settings.workspace.profiles / NAME)
    assert checked.treatment_plan.timing_answer.safe_to_wait.value == "yes"
    assert checked.treatment_plan.timing_answer.until == date(2027, 1, 15)
    assert checked.treatment_plan.timing_answer.said_by == "Dr Ana Ruiz"
    state = review.state(checked)
    assert state.checked and state.checked_by == "Dr Ana Ruiz" and state.role == "dermatologist"
    assert checked.review.sent_on is not None

    profile_page = client.get(f"/profiles/{NAME}").text
    assert "Checked by Dr Ana Ruiz, dermatologist, on 2026-12-07" in profile_page
    history = profile_page[profile_page.index('id="history"'):]
    assert "Reviewed (sent for review)" in history and "Reviewed (marked checked by a clinician)" in history
    assert "treatment_plan.timing_answer.safe_to_wait" in history and "Dr Ana Ruiz" not in history
    worklist = client.get("/").text
    row = worklist[worklist.index(NAME) - 300: worklist.index(NAME) + 900]
    assert "Checked by Dr Ana Ruiz, dermatologist, on 2026-12-07" in row


def test_the_review_form_shows_gov_uk_errors(client, settings):
    response = _check(client, settings, safe_to_wait=None, checked_by="", confirm=None, until="")
    assert response.status_code == 422
    html = response.text
    assert "<title>Error: " in html
    summary = html[html.index('class="error-summary"'): html.index("</div>", html.index('class="error-summary"'))]
    for message, anchor in (("Select yes or no", "r-safe_to_wait"), ("Enter your name", "r-checked_by"),
                            ("Confirm that you have read page one", "r-confirm")):
        assert f'<a href="#{anchor}">{message}</a>' in summary
        assert f'id="{anchor}-error"' in html  # the same words again at the field
    assert "status: checked" not in (settings.workspace.profiles / NAME).read_text(encoding="utf-8")
    not_a_date = _check(client, settings, until="next week")
    assert not_a_date.status_code == 422 and "Enter the last day it is safe to wait as year-month-day" in not_a_date.text
    assert _check(client, settings, until="").status_code == 303  # "yes" with no last day is an answer too
    assert load_profile(settings.workspace.profiles / NAME).treatment_plan.timing_answer.until is None


def test_the_packet_prints_the_check_in_its_language(client, settings):
    assert _check(client, settings).status_code == 303
    profile = load_profile(settings.workspace.profiles / NAME)
    html = render_html(make_packet(profile, settings.options))
    assert re.search(r"Checked by Dr Ana Ruiz, dermatologist, on <[^>]+>December 7, 2026", html)
    spanish = render_html(make_packet(profile, BuildOptions(clinic=settings.options.clinic, language="es")))
    assert "Revisada por Dr Ana Ruiz, dermatologist, el" in spanish
    unchecked = load_profile(settings.workspace.profiles / "ex-09-other-minimal.yaml")
    assert "Checked by" not in render_html(make_packet(unchecked, settings.options))


def test_a_change_after_the_check_clears_it(client, settings):
    assert _check(client, settings).status_code == 303
    page = client.get(f"/profiles/{NAME}")
    fields = replace(form_fields(page.text), "original_physician.phone", "555-0100")
    saved = post(client, f"/profiles/{NAME}", [*fields, ("action", "save")], settings.secrets.csrf)
    assert saved.status_code == 303 and "saved-cleared" in saved.headers["location"]
    profile = load_profile(settings.workspace.profiles / NAME)
    assert profile.review.status.value == "draft" and profile.review.checked_by is None
    assert "the check is cleared" in client.get(saved.headers["location"]).text


def test_a_change_made_outside_the_app_voids_the_check(client, settings):
    assert _check(client, settings).status_code == 303
    path = settings.workspace.profiles / NAME
    assert review.state(load_profile(path)).checked
    path.write_text(path.read_text(encoding="utf-8").replace("Lakeshore Choice PPO", "Lakeshore Basic"),
                    encoding="utf-8")
    state = review.state(load_profile(path))
    assert state.status == "changed" and not state.checked
    assert "Checked by" not in render_html(make_packet(load_profile(path), settings.options))
    assert "Changed after it was checked" in client.get("/").text


def test_a_checked_review_needs_who_and_when(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + "review:\n  status: checked\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "checked_by" in result.output and "review" in result.output


def test_batch_require_review_builds_only_checked_profiles(client, settings, tmp_path):
    assert _check(client, settings).status_code == 303
    out = tmp_path / "built"
    result = CliRunner().invoke(cli, ["batch", str(settings.workspace.profiles), "-o", str(out), "--format",
                                      "html", "--require-review", "--no-progress", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "ex-01-melanoma-primary-care.html").is_file()
    assert not (out / "ex-09-other-minimal.html").exists()
    assert "NOT BUILT" in result.output and "ex-09-other-minimal.yaml: Not sent for review" in result.output
    assert "1 not built: not checked by a clinician" in result.output
