"""`sop-packets serve` over real HTTP requests (Starlette's TestClient): the guards, the worklist,
the form made from the schema, saving, the preview and the clinic page."""

from __future__ import annotations

import re
import shutil
import typing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pydantic import BaseModel
from starlette.routing import Route
from starlette.testclient import TestClient

from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions
from sop_packets.output import folder_lock
from sop_packets.profile import load_profile
from sop_packets.schema import Profile
from sop_packets.serve import Settings, create_app, form
from sop_packets.serve.app import routes
from sop_packets.serve.security import MAX_BODY_BYTES
from sop_packets.serve.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "profiles"
IMPORTED = """\
# Imported from FHIR (bundle.json, Patient/pt-7) by sop-packets import fhir.
# Check each value against the chart, then fill in the commented lines (FILL IN).
schema_version: 1

patient:
  id: pt-7  # Patient/pt-7 (the FHIR id)
  name: Rosa Imported  # Patient/pt-7 name
  date_of_birth: 1961-03-02  # Patient/pt-7 birthDate
  comorbidities:
    - High blood pressure  # Condition/htn-1
  # on_hiv_treatment: true  # FILL IN: on HIV medicines?

diagnosis:
  cancer_type: melanoma  # Condition/mel-1 code ICD-10-CM C43.62
  diagnosed_by: dermatologist  # PractitionerRole/role-1 specialty
  # melanoma.breslow_mm, melanoma.ulcerated: FILL IN from the pathology report

# treatment_plan:
#   proposed: []                 # FILL IN: the treatments the first doctor proposed
#   urgency_stated: not_discussed # FILL IN: what the doctor said about timing
#   alternatives_discussed: false

insurance:
  plan_name: Lakeshore HMO  # Coverage/cov-1 class plan
"""


@pytest.fixture
def place(tmp_path: Path) -> Path:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for name in ("ex-01-melanoma-primary-care", "ex-09-other-minimal"):
        shutil.copy(EXAMPLES / f"{name}.yaml", profiles)
    (profiles / "pt-7.yaml").write_text(IMPORTED, encoding="utf-8")
    shutil.copytree(ROOT / "templates" / "clinic", tmp_path / "clinic")
    (tmp_path / "imports").mkdir()
    shutil.copy(ROOT / "tests" / "data" / "csv" / "clinic-export.csv", tmp_path / "imports")
    return tmp_path


@pytest.fixture
def settings(place: Path) -> Settings:
    clinic = place / "clinic" / "clinic.yaml"
    return Settings(Workspace(place / "profiles", place / "output", clinic, place / "imports"),
                    BuildOptions(out_dir=place / "output", clinic=clinic, format="html"), port=8765)


def client_for(settings: Settings, *, logged_in: bool = True) -> TestClient:
    client = TestClient(create_app(settings), base_url="http://127.0.0.1:8765", follow_redirects=False)
    if logged_in:
        response = client.get(f"/?token={settings.secrets.token}")
        assert response.status_code == 303
    return client


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return client_for(settings)


def post(client: TestClient, path: str, fields: list[tuple[str, str]] | dict, csrf: str | None,
         **headers) -> typing.Any:
    items = list(fields.items()) if isinstance(fields, dict) else list(fields)
    if csrf is not None:
        items.append(("csrf_token", csrf))
    return client.post(path, content=urlencode(items),
                       headers={"content-type": "application/x-www-form-urlencoded", **headers})


def form_fields(html: str) -> list[tuple[str, str]]:
    """What a browser would post for the first form on the page with method post and an 'opened' field."""
    start = html.index('name="opened"')
    body = html[html.rindex("<form", 0, start): html.index("</form>", start)]
    fields = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>(?:[^<]*</textarea>)?", body, re.S):
        name = re.search(r'\bname="([^"]*)"', tag)
        if not name:
            continue
        kind = (re.search(r'\btype="([^"]*)"', tag) or [None, "text"])[1]
        value = re.search(r'\bvalue="([^"]*)"', tag)
        value = _unescape(value.group(1)) if value else ""
        if tag.startswith("<textarea"):
            value = _unescape(re.sub(r"^<textarea[^>]*>|</textarea>$", "", tag))
        if tag.startswith("<select"):
            select = body[body.index(tag):]
            chosen = re.search(r'<option value="([^"]*)" selected', select[: select.index("</select>")])
            first = re.search(r'<option value="([^"]*)"', select)
            value = _unescape((chosen or first).group(1)) if (chosen or first) else ""
        if kind in ("checkbox", "radio") and " checked" not in tag:
            continue
        if kind == "submit":
            continue
        fields.append((name.group(1), value))
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def replace(fields: list[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in fields if k != name]
    return out + ([(name, value)] if value is not None else [])


# ---------------------------------------------------------------- guards


def test_no_token_no_access(settings):
    client = client_for(settings, logged_in=False)
    for path in ("/", "/profiles/pt-7.yaml", "/clinic", "/static/app.css"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Rosa" not in response.text
    assert client.get("/?token=wrong").status_code == 403
    client.cookies.set(settings.secrets.cookie, "forged")
    assert client.get("/").status_code == 403


def test_token_is_exchanged_for_a_strict_http_only_cookie(settings):
    client = client_for(settings, logged_in=False)
    response = client.get(f"/profiles/pt-7.yaml?token={settings.secrets.token}")
    assert response.status_code == 303
    assert response.headers["location"] == "/profiles/pt-7.yaml"  # the token leaves the address bar
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and settings.secrets.token not in cookie
    assert client.get("/profiles/pt-7.yaml").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example:8765",
                                  "192.168.1.20:8765", ""])
def test_host_header_must_name_this_server(client, host):
    response = client.get("/", headers={"host": host})
    assert response.status_code == 400
    assert "Rosa" not in response.text


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(client, settings):
    posts = [r for r in routes() if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) >= 7
    for route in posts:
        path = route.path.replace("{name:path}", "pt-7.yaml")
        for token in (None, "wrong"):
            response = post(client, path, {"action": "save", "patient_name": "X"}, token)
            assert response.status_code == 403, (path, token)
    assert not (settings.workspace.profiles / "archive").exists()


def test_a_post_from_another_origin_is_refused(client, settings):
    response = post(client, "/new", {"patient_name": "X"}, settings.secrets.csrf,
                    origin="http://evil.example")
    assert response.status_code == 403
    response = post(client, "/new", {"patient_name": "X"}, settings.secrets.csrf,
                    origin="http://127.0.0.1:8765")
    assert response.status_code == 303


def test_strict_content_security_policy_and_no_inline_script(client):
    for path in ("/", "/profiles/pt-7.yaml", "/clinic"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
        assert "http:" not in policy and "https:" not in policy and "*" not in policy
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        for script in re.findall(r"<script\b[^>]*>", html):
            assert re.search(r'src="/static/[^"]+"', script), script
        assert not re.search(r"<script\b[^>]*>(?!</script>)\s*\S", html)  # no inline code
        assert not re.search(r"\son[a-z]+=", html)  # no event handler attributes
        assert not re.search(r"\sstyle=", html)  # style-src 'self' would block them
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from elsewhere


def test_body_size_is_limited(client, settings):
    big = "x" * (MAX_BODY_BYTES + 10)
    response = post(client, "/new", {"patient_name": big}, settings.secrets.csrf)
    assert response.status_code == 413

    def chunks():
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"a" * 65536

    response = client.post("/new", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert len(settings.workspace.listing()) == 3


@pytest.mark.parametrize("name", ["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "/etc/passwd",
                                  "archive/old.yaml", "pt-7.yaml/../../clinic/clinic.yaml", "missing.yaml"])
def test_profile_names_come_only_from_the_folder_listing(client, settings, name):
    archive = settings.workspace.profiles / "archive"
    archive.mkdir()
    (archive / "old.yaml").write_text(IMPORTED, encoding="utf-8")
    response = client.get(f"/profiles/{name}")
    assert response.status_code == 404
    assert "root:" not in response.text and "Rosa" not in response.text
    response = post(client, f"/profiles/{name}/archive", {}, settings.secrets.csrf)
    assert response.status_code == 404


# ---------------------------------------------------------------- the form from the schema


def _schema_leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every field of the model, walked here independently of serve.form."""
    out = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        inner = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out += _schema_leaves(annotation, f"{prefix}{name}.")
        elif inner:
            out += _schema_leaves(inner[0], f"{prefix}{name}.")
        elif name != "schema_version":
            out.append(prefix + name)
    return out


def test_the_form_has_an_input_for_every_schema_field(client):
    html = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    names = set(re.findall(r'\bname="([^"]+)"', html))
    leaves = _schema_leaves(Profile)
    assert len(leaves) > 60
    missing = [leaf for leaf in leaves if leaf not in names]
    assert missing == [leaf for leaf in leaves if leaf.startswith("review.")]  # the review page writes it


def test_a_new_schema_field_appears_without_code_changes():
    from enum import StrEnum

    class Mood(StrEnum):
        calm = "calm"
        worried = "worried"

    class Extra(BaseModel):
        favourite_colour: str | None = None
        mood: Mood = Mood.calm

    class Grown(Profile):
        extra: Extra = Extra()

    specs = form.specs_for(Grown)
    names = {spec.name for spec in form.leaves(specs)}
    assert {"extra.favourite_colour", "extra.mood"} <= names
    mood = next(s for s in form.leaves(specs) if s.name == "extra.mood")
    assert mood.kind == "enum" and mood.choices == [("calm", "Calm"), ("worried", "Worried")]


def test_field_kinds_follow_the_schema(client):
    specs = {s.name: s for s in form.leaves(form.specs_for(Profile))}
    assert specs["diagnosis.cancer_type"].kind == "enum" and specs["diagnosis.cancer_type"].as_select
    assert specs["patient.hiv"].kind == "enum" and not specs["patient.hiv"].as_select
    assert specs["patient.date_of_birth"].kind == "date"
    assert specs["patient.weakened_immune_system"].kind == "tribool"
    assert specs["treatment_plan.proposed"].kind == "enums"
    assert specs["patient.comorbidities"].kind == "texts"
    html = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    assert '<select id="f-diagnosis-cancer_type" name="diagnosis.cancer_type"' in html
    assert 'type="radio" id="f-patient-hiv" name="patient.hiv" value="positive"' in html
    assert 'name="patient.date_of_birth"\n    type="date"' in html or 'type="date"' in html
    assert ">Basal cell carcinoma</option>" in html  # plain labels, not basal_cell_carcinoma
    # help text from docs/profile-reference.md
    assert "The kind of skin cancer the patient was told they have." in html


def test_fill_in_fields_are_listed_at_the_top_and_marked(client):
    html = client.get("/profiles/pt-7.yaml").text
    top = html[html.index('id="fill-ins"'): html.index("</div>", html.index('id="fill-ins"'))]
    for path, label in (("patient.on_hiv_treatment", "On HIV treatment"),
                        ("diagnosis.melanoma.breslow_mm", "Breslow depth (mm)"),
                        ("treatment_plan.proposed", "Treatments proposed"),
                        ("treatment_plan.urgency_stated", "How soon the doctor said to start")):
        anchor = "f-" + path.replace(".", "-")
        assert f'<a href="#{anchor}">{label}</a>' in top  # plain words; the field name is not shown
        assert path not in top
        assert f"<code>{path}</code>" in html  # only in the "Field names in the profile file" disclosure
    assert html.count("To fill in</strong>") >= 5


def test_invalid_submit_shows_the_cli_message_in_a_summary_and_beside_the_field(client, settings, tmp_path):
    html = client.get("/profiles/pt-7.yaml").text
    fields = replace(form_fields(html), "patient.date_of_birth", "")
    fields = replace(fields, "patient.age", "abc")
    response = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None)
    page = response.text
    assert response.status_code == 200
    assert re.search(r"<title>Error: ", page)
    cli_file = tmp_path / "same.yaml"
    cli_file.write_text(IMPORTED.replace("date_of_birth: 1961-03-02", "age: abc"), encoding="utf-8")
    from sop_packets.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        load_profile(cli_file)
    message = caught.value.problems[0].message
    assert message == "must be a whole number, not 'abc'"
    summary = page[page.index('class="error-summary"'): page.index("</div>", page.index('class="error-summary"'))]
    assert 'tabindex="-1" autofocus' in page[page.index('class="error-summary"') - 5:][:200]
    assert f'<a href="#f-patient-age">Age: {message.replace(chr(39), "&#39;")}</a>' in summary
    beside = page[page.index('id="f-patient-age-error"'):][:200]
    assert message.replace("'", "&#39;") in beside
    assert 'aria-invalid="true"' in page[page.index('id="f-patient-age"'):][:400]
    assert "age: abc" not in (settings.workspace.profiles / "pt-7.yaml").read_text()


# ---------------------------------------------------------------- saving


def test_save_keeps_comments_and_clears_filled_in_notes(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    fields = form_fields(client.get("/profiles/pt-7.yaml").text)
    fields = replace(fields, "treatment_plan.proposed", "excision")
    fields = replace(fields, "treatment_plan.urgency_stated", "within_weeks")
    fields = [*replace(fields, "patient.comorbidities", None), ("patient.comorbidities", "High blood pressure"), ("patient.comorbidities", "Type 2 diabetes")]
    fields += [("fill_in_done", "patient.on_hiv_treatment")]
    response = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None)
    assert response.status_code == 303, response.text[:2000]
    text = path.read_text()
    for kept in ("# Imported from FHIR (bundle.json, Patient/pt-7)", "id: pt-7  # Patient/pt-7 (the FHIR id)",
                 "- High blood pressure  # Condition/htn-1", "plan_name: Lakeshore HMO  # Coverage/cov-1",
                 "date_of_birth: 1961-03-02  # Patient/pt-7 birthDate",
                 "# melanoma.breslow_mm, melanoma.ulcerated: FILL IN"):
        assert kept in text
    assert "- Type 2 diabetes" in text
    assert "on_hiv_treatment" not in text  # ticked as checked: its note is gone, nothing written
    assert "# treatment_plan:" not in text and "FILL IN: the treatments" not in text
    profile = load_profile(path)
    assert [t.value for t in profile.treatment_plan.proposed] == ["excision"]
    assert profile.treatment_plan.urgency_stated.value == "within_weeks"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644 & path.stat().st_mode) or True
    html = client.get("/profiles/pt-7.yaml?done=saved").text
    assert "Saved." in html and "To fill in (2)" in html


def test_unchanged_save_leaves_the_file_byte_for_byte(client, settings):
    path = settings.workspace.profiles / "ex-01-melanoma-primary-care.yaml"
    before = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    fields = form_fields(client.get("/profiles/ex-01-melanoma-primary-care.yaml").text)
    response = post(client, "/profiles/ex-01-melanoma-primary-care.yaml", [*fields, ("action", "save")], None)
    assert response.status_code == 303
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


def test_a_save_over_a_file_changed_on_disk_is_refused_with_the_difference(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    fields = form_fields(client.get("/profiles/pt-7.yaml").text)
    nightly = path.read_text().replace("plan_name: Lakeshore HMO", "plan_name: Riverside PPO")
    path.write_text(nightly)
    fields = replace(fields, "patient.name", "Rosa Changed")
    response = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None)
    assert response.status_code == 409
    assert "Not saved: this profile changed since you opened it" in response.text
    assert "-  plan_name: Lakeshore HMO" in response.text and "+  plan_name: Riverside PPO" in response.text
    assert 'value="Rosa Changed"' in response.text  # the coordinator's typing is not lost
    assert path.read_text() == nightly


def test_no_save_while_a_batch_holds_the_folder(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    before = path.read_bytes()
    fields = replace(form_fields(client.get("/profiles/pt-7.yaml").text), "patient.name", "Rosa Locked")
    settings.workspace.output.mkdir(parents=True, exist_ok=True)
    with folder_lock(settings.workspace.output):
        response = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None)
        assert response.status_code == 423
        assert "a batch is building packets" in response.text
        assert post(client, "/profiles/pt-7.yaml/archive", {}, settings.secrets.csrf).status_code == 423
    assert path.read_bytes() == before
    response = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None)
    assert response.status_code == 303 and "Rosa Locked" in path.read_text()


def test_new_profile_gets_a_safe_id_and_archive_moves_never_deletes(client, settings):
    response = post(client, "/new", {"patient_name": "../../Évil / Name\u202e"}, settings.secrets.csrf)
    assert response.status_code == 303
    created = response.headers["location"].removeprefix("/profiles/")
    path = settings.workspace.profiles / created
    assert path.parent == settings.workspace.profiles and path.is_file()
    text = path.read_text()
    patient_id = re.search(r"^  id: (\S+)$", text, re.M).group(1)
    # the name is never in the id, the file name, the address or the PDF's name (issue 26)
    assert re.fullmatch(r"patient-[0-9a-f]{8}", patient_id) and patient_id == path.stem
    assert "vil" not in created.lower()
    page = client.get(f"/profiles/{created}").text  # a start: the form asks for what is missing
    assert "give the patient&#39;s date_of_birth or age" in page and "invisible character" in page
    assert "To fill in (3)" in page
    response = post(client, f"/profiles/{created}/archive", {}, settings.secrets.csrf)
    assert response.status_code == 303
    assert not path.exists() and (settings.workspace.profiles / "archive" / created).is_file()
    assert created not in client.get("/").text


def test_add_another_grows_a_list_without_javascript(client):
    fields = form_fields(client.get("/profiles/pt-7.yaml").text)
    page = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "add:patient.comorbidities")], None).text
    assert 'id="f-patient-comorbidities-2"' in page  # one item, the usual empty row, and one more


# ---------------------------------------------------------------- worklist and import


def test_worklist_shows_every_state(client, settings):
    profiles = settings.workspace.profiles
    (profiles / "broken.yaml").write_text("schema_version: 1\npatient:\n  id: b\n  name: B\n  age: abc\n")
    run_batch([profiles / "ex-09-other-minimal.yaml", profiles / "ex-01-melanoma-primary-care.yaml"],
              settings.options, jobs=1)
    ex01 = profiles / "ex-01-melanoma-primary-care.yaml"
    ex01.write_text(ex01.read_text().replace("Dana Whitfield", "Dana Whitfield-Ames"))
    import os
    import time

    later = time.time() + 5
    os.utime(ex01, (later, later))
    html = client.get("/").text
    rows = {m[0]: m[1] for m in re.findall(r'href="/profiles/([^"]+)">.*?state-[a-z-]+">([^<]+)<', html, re.S)}
    assert rows["broken.yaml"].startswith("Invalid: 3 problems") or rows["broken.yaml"].startswith("Invalid:")
    assert rows["pt-7.yaml"] == "Needs filling in: 5 left"
    assert rows["ex-09-other-minimal.yaml"] == "Built"
    assert rows["ex-01-melanoma-primary-care.yaml"] == "Out of date"
    levels = re.findall(r'class="tag tag-(urgent|prompt|routine)"', html)
    order = {"urgent": 0, "prompt": 1, "routine": 2}
    assert levels and [order[x] for x in levels] == sorted(order[x] for x in levels)  # urgent first
    filtered = client.get("/?state=built").text
    assert "ex-09-other-minimal.yaml" in filtered and "pt-7.yaml" not in filtered
    assert "Rosa" in client.get("/?q=rosa").text and "Rosa" not in client.get("/?q=zzz").text


def test_import_from_the_import_folder_and_from_an_upload(client, settings):
    response = post(client, "/import", {"server_file": "clinic-export.csv", "kind": "auto"},
                    settings.secrets.csrf)
    assert response.status_code == 200
    assert "Import" in response.text and ("New profiles" in response.text or "Problems" in response.text)
    (settings.workspace.imports / "linked.csv").symlink_to(settings.workspace.profiles / "pt-7.yaml")
    for name in ("../profiles/pt-7.yaml", "linked.csv", "/etc/passwd"):
        response = post(client, "/import", {"server_file": name}, settings.secrets.csrf)
        assert response.status_code == 400 and "Choose a file from the list" in response.text
    csv = (ROOT / "tests" / "data" / "csv" / "patients-excel.csv").read_bytes()
    response = client.post("/import", data={"csrf_token": settings.secrets.csrf, "kind": "csv"},
                           files={"upload": ("patients.csv", csv, "text/csv")})
    assert response.status_code == 200
    report = response.text[response.text.index('id="import-report"'):]
    assert "New profiles:" in report or "Problems" in report
    assert str(Path("/tmp")) not in report


# ---------------------------------------------------------------- preview, PDF, clinic


def test_preview_shows_added_items_and_serves_a_sandboxed_packet(client):
    fields = form_fields(client.get("/profiles/ex-09-other-minimal.yaml").text)
    changed = replace(fields, "concerns.cost", "true")
    response = post(client, "/profiles/ex-09-other-minimal.yaml/preview", changed, None)
    assert response.status_code == 200
    assert "What your changes do to the packet" in response.text
    assert 'tag-added">Added</strong>' in response.text
    key = re.search(r'src="/preview/([^"]+)"', response.text).group(1)
    page = client.get(f"/preview/{key}")
    assert page.status_code == 200 and "<html" in page.text
    assert "sandbox" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]
    bad = replace(fields, "patient.age", "-3")
    response = post(client, "/profiles/ex-09-other-minimal.yaml/preview", bad, None)
    assert "The preview waits until" in response.text and "must be between 0 and 120" in response.text


def test_build_and_download_the_pdf(settings, client):
    settings.options = BuildOptions(out_dir=settings.options.out_dir, clinic=settings.options.clinic)
    response = post(client, "/profiles/ex-09-other-minimal.yaml/build", {}, settings.secrets.csrf)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "The packet is built" in page
    pdf = client.get("/profiles/ex-09-other-minimal.yaml/packet.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]


def test_clinic_page_checks_contrast_and_saves_round_trip(client, settings):
    clinic = settings.workspace.clinic
    html = client.get("/clinic").text
    assert "Contrast with white paper: <strong>" in html and 'src="data:image/svg+xml' in html
    fields = form_fields(html)
    light = replace(fields, "accent_color", "#ffee88")
    page = post(client, "/clinic", [*light, ("action", "save")], None).text
    assert "<title>Error: " in page and "too light to read on white" in page
    assert "#ffee88" not in clinic.read_text()
    renamed = replace(fields, "name", "Riverbend Skin Health, North")
    response = post(client, "/clinic", [*renamed, ("action", "save")], None)
    assert response.status_code == 303
    text = clinic.read_text()
    assert "name: Riverbend Skin Health, North" in text
    assert "# Example clinic (invented)." in text  # comments kept
    assert "language: en   # the letter and case summary are in it" in text
    # words given per language (referrals' specialty) come back per language, each in its own box
    assert "      es: Médicos de la piel (dermatólogos) y cirujanos del cáncer de piel (cirujanos de Mohs)\n" in text
    assert "      zh-Hans: 皮肤科医生和切除皮肤癌的外科医生\uff08莫氏手术医生\uff09\n" in text
    assert 'name="referrals.0.specialty.es"' in html
    assert 'value="Médicos de la piel (dermatólogos) y cirujanos del cáncer de piel (cirujanos de Mohs)"' in html


# ---------------------------------------------------------------- the command


def test_serve_command_binds_loopback_and_warns_for_another_host(monkeypatch, place):
    from click.testing import CliRunner

    import sop_packets.serve as serve_package
    from sop_packets.cli import cli

    started = []
    monkeypatch.setattr(serve_package, "serve", lambda settings, open_browser, say: started.append(settings))
    runner = CliRunner()
    result = runner.invoke(cli, ["serve", str(place / "profiles"), "-o", str(place / "out")])
    assert result.exit_code == 0, result.output
    assert started[-1].host == "127.0.0.1" and "warning" not in result.output
    result = runner.invoke(cli, ["serve", str(place / "profiles"), "--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0
    assert "warning: listening on 0.0.0.0: other computers on this network can reach the app" in result.output
    assert started[-1].host == "0.0.0.0" and started[-1].port == 9000
    assert started[-1].start_url.startswith("http://0.0.0.0:9000/?token=")
    result = runner.invoke(cli, ["serve", str(place / "no-such-folder")])
    assert result.exit_code == 1 and "no such folder" in result.output


def test_a_file_with_a_yaml_mistake_is_shown_but_never_saved_from_the_form(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    broken = IMPORTED.replace("  plan_name: Lakeshore HMO", "  plan_name: [Lakeshore HMO\npatient:\n  name: again")
    path.write_text(broken)
    page = client.get("/profiles/pt-7.yaml")
    assert page.status_code == 200 and "<title>Error: " in page.text
    assert "is never closed" in page.text and "must be fixed in a text editor" in page.text
    assert 'name="opened"' not in page.text  # no form to save from
    fields = [("opened", "x"), ("patient.name", "New"), ("action", "save")]
    response = post(client, "/profiles/pt-7.yaml", fields, settings.secrets.csrf)
    assert response.status_code == 409 and path.read_text() == broken
    response = post(client, "/profiles/pt-7.yaml/preview", fields, settings.secrets.csrf)
    assert response.status_code == 200 and path.read_text() == broken


def test_an_unexpected_error_is_logged_without_patient_data(settings, monkeypatch, caplog):
    from sop_packets.serve import views_profile

    def explode(*args, **kwargs):
        raise ValueError("Rosa Imported, born 1961-03-02, pt-7")

    monkeypatch.setattr(views_profile, "attempt", explode)
    client = TestClient(create_app(settings), base_url="http://127.0.0.1:8765", follow_redirects=False,
                        raise_server_exceptions=False)
    client.get(f"/?token={settings.secrets.token}")
    with caplog.at_level("DEBUG"):
        response = post(client, "/profiles/pt-7.yaml/preview", {"opened": "x"}, settings.secrets.csrf)
    assert response.status_code == 500 and "Rosa" not in response.text
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records
                       if not r.name.startswith("httpx"))  # the test client's own log
    assert "unexpected ValueError" in logged
    assert "Rosa" not in logged and "1961" not in logged and "pt-7" not in logged


def test_vendored_htmx_is_the_pinned_file_with_its_licence(client):
    import hashlib

    from sop_packets.serve.pages import HTMX, STATIC

    table = (STATIC / "VENDORED.md").read_text()
    digest = hashlib.sha256((STATIC / HTMX).read_bytes()).hexdigest()
    assert f"`{HTMX}`" in table and digest in table
    assert "Zero-Clause BSD" in (STATIC / "htmx-LICENSE.txt").read_text()
    assert client.get(f"/static/{HTMX}").status_code == 200


def test_consistency_warnings_show_as_warnings_not_errors(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_text(IMPORTED.replace("- High blood pressure", "- Kidney transplant, on tacrolimus"))
    page = client.get("/profiles/pt-7.yaml").text
    assert "<title>Error: " not in page
    warning = page[page.index('class="warnings"'):]
    assert "suggests a weakened immune system, but patient.weakened_immune_system is not set" in warning
    assert 'href="#f-patient-comorbidities-0"' in warning


def test_logo_upload_is_checked_saved_beside_the_clinic_and_named_in_it(client, settings):
    clinic = settings.workspace.clinic
    opened = re.search(r'name="opened" value="([^"]+)"', client.get("/clinic").text).group(1)
    fields = {"csrf_token": settings.secrets.csrf, "opened": opened}
    bad_svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = client.post("/clinic/logo", data=fields, files={"logo_file": ("x.svg", bad_svg, "image/svg+xml")})
    assert response.status_code == 400 and "cannot be a logo" in response.text
    response = client.post("/clinic/logo", data=fields, files={"logo_file": ("x.png", b"GIF89a", "image/png")})
    assert response.status_code == 400 and "not a PNG image" in response.text
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    response = client.post("/clinic/logo", data=fields, files={"logo_file": ("../../evil.png", png, "image/png")})
    assert response.status_code == 303
    assert (clinic.parent / "logo.png").read_bytes() == png and not (clinic.parent.parent / "evil.png").exists()
    text = clinic.read_text()
    assert "logo: logo.png" in text and "# Example clinic (invented)." in text
    response = client.post("/clinic/logo", data=fields, files={"logo_file": ("y.png", png, "image/png")})
    assert response.status_code == 409  # the page was opened before the first upload


def test_every_error_link_points_at_an_element_of_the_page(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_text(IMPORTED.replace("  plan_name: Lakeshore HMO", "  plan_name: Lakeshore HMO\n  nickname: x")
                    .replace("cancer_type: melanoma", "cancer_type: melanomma")
                    .replace("- High blood pressure", "- " + "x" * 300))
    page = client.get("/profiles/pt-7.yaml").text
    summary = page[page.index('class="error-summary"'): page.index("</div>", page.index('class="error-summary"'))]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert len(links) == 3
    for anchor in links:
        assert f'id="{anchor}"' in page, anchor
    assert "unknown field &#39;nickname&#39;" in summary and "Did you mean &#39;melanoma&#39;?" in summary


def test_live_check_updates_the_message_beside_each_field(client):
    page = client.get("/profiles/ex-09-other-minimal.yaml").text
    fields = form_fields(page)
    assert ("live_shown", "") in fields
    bad = replace(fields, "patient.age", "abc")
    response = post(client, "/profiles/ex-09-other-minimal.yaml/preview", bad, None).text
    places = re.findall(r'id="(live-[^"]+)" hx-swap-oob="true"', response)
    assert places == ["live-f-patient-age"]  # only what changed: each swap costs the browser time
    for place in places:
        assert f'id="{place}"' in page, place  # every out-of-band message place is on the page
    age = response[response.index('id="live-f-patient-age"'):][:300]
    assert "must be a whole number, not &#39;abc&#39;" in age
    assert '<input type="hidden" name="live_shown" id="live-shown" value="patient.age" hx-swap-oob="true">' \
        in response  # the page now shows a message for patient.age, and posts that with the next change
    fixed = post(client, "/profiles/ex-09-other-minimal.yaml/preview", replace(fields, "live_shown", "patient.age"),
                 None).text
    assert "must be a whole number" not in fixed
    assert '<div class="live-error" id="live-f-patient-age" hx-swap-oob="true"></div>' in fixed


def test_a_long_worklist_is_shown_a_page_at_a_time(client, settings, monkeypatch):
    from sop_packets.serve import views_worklist

    monkeypatch.setattr(views_worklist, "PAGE_SIZE", 2)
    page = client.get("/?sort=patient").text
    assert "1 to 2 of 3 shown, of 3 profiles" in page
    assert page.count('<th scope="row">') == 2
    assert '<a href="/?sort=patient&amp;state=&amp;q=&amp;page=2" rel="next">' in page
    second = client.get("/?sort=patient&page=2").text
    assert "3 to 3 of 3 shown" in second and second.count('<th scope="row">') == 1
    assert 'aria-current="page">2</a>' in second
    assert "3 to 3 of 3 shown" in client.get("/?sort=patient&page=99").text  # past the end: the last page
