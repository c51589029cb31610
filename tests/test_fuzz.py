"""Fuzzing: hostile or random profiles never give a traceback, never inject markup, stay bounded.

The contract under test, for any file whatever its bytes:

* `load_profile(path)` returns a Profile or raises InvalidInput, nothing else; every problem it
  reports starts with `path:LINE:COL:` (one problem per line, so no value can forge another line);
* a valid profile always goes through guidance and HTML rendering (PDFs are too slow to fuzz);
* text from the profile never becomes markup: no scripts, frames, stylesheets, event handlers,
  and no link, image or CSS url() that leaves the page (the only src is the clinic's data: logo,
  the only hrefs are the packet's own #anchors);
* one file costs at most MAX_SECONDS of CPU time and MAX_PEAK_BYTES of Python memory.

Every run is reproducible (derandomized, no example database) and the file takes well under a
minute on a two-core CI machine.
"""

from __future__ import annotations

import base64
import copy
import html
import re
import signal
import time
import tracemalloc
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sop_packets.build import BuildOptions, branding, make_packet
from sop_packets.content import load_content
from sop_packets.errors import InvalidInput
from sop_packets.profile import MAX_FILE_BYTES, load_profile, parse_yaml
from sop_packets.render import render_html
from sop_packets.schema import Profile
from sop_packets.schema_export import HIDDEN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_FILES = sorted((ROOT / "profiles").glob("*.yaml"))
# Parsed as the loader does (yaml.safe_load would read `country: NO` as false, YAML 1.1 style).
EXAMPLES = [parse_yaml(path.read_text(encoding="utf-8"), str(path)).data for path in EXAMPLE_FILES]
OPTIONS = BuildOptions(format="html", prepared_on=date(2026, 11, 20))

MAX_SECONDS = 5.0
MAX_PEAK_BYTES = 64 * 1024 * 1024
# One problem names a field and says what is wrong, quoting a short piece of the value at most; a
# problem that quotes a whole value or key lets a small file of aliases make a huge message.
MAX_PROBLEM_CHARS = 1000
# tracemalloc makes PyYAML up to 30 times slower (deep flow nesting is the worst case), so the
# memory-measuring run stops after this long; the peak until then must still be under the limit.
TRACE_SECONDS = 1.5

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    report_multiple_bugs=False,  # shrinking every distinct bug takes minutes; the corpus pins known ones
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module", autouse=True)
def _warm_caches():
    """Load content, clinic branding and templates once, so no example pays for (or measures) them."""
    load_content()
    branding(OPTIONS.clinic)
    render_html(make_packet(load_profile(EXAMPLE_FILES[0]), OPTIONS))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ---------------------------------------------------------------- the checks


def _measure(step: Callable[[], Any]) -> tuple[Any, BaseException | None, float]:
    """Run step; the cost is CPU seconds, so a busy shared machine does not fail the bound."""
    started = time.process_time()
    try:
        return step(), None, time.process_time() - started
    except BaseException as exc:  # every exception is judged by the caller
        return None, exc, time.process_time() - started


class _TraceTimeout(BaseException):
    """Raised by the timer inside a memory-measuring run that has run long enough."""


def _peak_memory(step: Callable[[], Any]) -> int:
    """The peak Python memory step allocates (over its first TRACE_SECONDS at most)."""
    running = [True]

    def stop(signum, frame):
        if running[0]:
            raise _TraceTimeout

    timer = hasattr(signal, "setitimer")  # not on Windows: there the run is measured to its end
    previous = signal.signal(signal.SIGALRM, stop) if timer else None
    tracing = tracemalloc.is_tracing()
    if tracing:
        tracemalloc.reset_peak()
    else:
        tracemalloc.start()
    if timer:
        signal.setitimer(signal.ITIMER_REAL, TRACE_SECONDS)
    try:
        step()
    except BaseException:  # the outcome was judged by the timed run; only the memory counts here
        pass
    finally:
        running[0] = False
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        peak = tracemalloc.get_traced_memory()[1]
        if not tracing:
            tracemalloc.stop()
    return peak


def bounded(step: Callable[[], Any], what: str) -> Any:
    """Run step twice: once timed, once under tracemalloc (which is slow, so it is not timed)."""
    result, error, seconds = _measure(step)
    if error is not None and not isinstance(error, InvalidInput):
        # Re-raised as it is, so hypothesis tells different bugs apart by their type and origin.
        error.add_note(f"{what}: the only allowed outcomes are a Profile or InvalidInput")
        raise error
    assert seconds < MAX_SECONDS, f"{what}: took {seconds:.1f} CPU s (limit {MAX_SECONDS} s)"
    peak = _peak_memory(step)
    assert peak < MAX_PEAK_BYTES, f"{what}: peak Python memory {peak / 2**20:.0f} MiB (limit 64 MiB)"
    if error is not None:
        raise error
    return result


def check_invalid_input(exc: InvalidInput, path: Path, text: bytes) -> None:
    """Every problem is located in this file; the message has one located line per problem."""
    assert exc.problems, "InvalidInput without any problem"
    message = str(exc.format_message())
    prefix = f"{path}:"
    assert message.startswith(prefix), f"message does not start with the file path: {message[:200]!r}"
    # YAML counts \r\n, \r, \n, NEL and the Unicode line and paragraph separators as line ends.
    last_line = len(re.findall(r"\r\n|[\r\n\x85\u2028\u2029]", text.decode("utf-8", "replace"))) + 2
    for problem in exc.problems:
        assert problem.file == str(path), problem
        assert isinstance(problem.line, int) and 1 <= problem.line <= last_line, problem
        assert isinstance(problem.column, int) and problem.column >= 1, problem
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: "), problem
        size = len(problem.field) + len(problem.message)
        assert size <= MAX_PROBLEM_CHARS, (
            f"a problem of {size:,} characters (at most {MAX_PROBLEM_CHARS}) quotes a whole value or key: "
            f"{str(problem)[:300]!r}…")
    location = re.compile(re.escape(prefix) + r"\d+:\d+: ")
    for line in message.splitlines():
        assert location.match(line), (
            f"a line of the error message is not '{path}:LINE:COL: ...' (a value with a line break "
            f"is echoed unescaped, so it can forge other error lines): {line[:200]!r}")


def load_outcome(path: Path, text: bytes) -> Profile | None:
    """Write text and load it: a Profile, or None after checking the InvalidInput it raised."""
    path.write_bytes(text)
    try:
        profile = bounded(lambda: load_profile(path), f"load_profile({len(text):,} bytes)")
    except InvalidInput as exc:
        check_invalid_input(exc, path, text)
        return None
    assert isinstance(profile, Profile), f"load_profile returned {type(profile).__name__}"
    return profile


def render(profile: Profile) -> str:
    html = bounded(lambda: render_html(make_packet(profile, OPTIONS)), "guidance + HTML")
    assert isinstance(html, str) and html.startswith("<!DOCTYPE html>")
    return html


class _Markup(HTMLParser):
    """Every start tag with its (unescaped) attributes, the text of <style> elements, and the
    <style> elements that start inside <body> (where text from the profile goes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.styles: list[str] = []
        self.styles_in_body = 0
        self._in_style = self._in_body = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))
        self._in_style = tag == "style"
        self._in_body = self._in_body or tag == "body"
        self.styles_in_body += self._in_style and self._in_body

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "link", "object", "embed", "base", "form",
                  "applet", "svg", "math", "audio", "video", "source", "track", "portal", "noscript"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "background",
                  "data", "cite", "longdesc", "ping", "manifest"}
LOGO_PREFIX = "data:image/svg+xml;base64,"
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.I)
CSS_IMPORT = re.compile(r"@import", re.I)


def _squash(value: str) -> str:
    """What a browser sees in a URL: case and embedded whitespace or control characters don't count."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def check_html_is_inert(html: str, hostile: tuple[str, ...] = ()) -> None:
    """No active markup and nothing that leaves the page; hostile HTML strings only appear escaped."""
    lowered = html.lower()
    for needle in ("<script", "<iframe", "<link", "<object", "<embed", "<base"):
        assert needle not in lowered, f"the HTML contains {needle}"
    for text in hostile:
        if "<" in text:
            assert text not in html, f"hostile text appears unescaped in the HTML: {text[:120]!r}"
    parser = _Markup()
    parser.feed(html)
    parser.close()
    assert parser.styles_in_body == 0, "a <style> element in the body: only the packet's own, in <head>"
    for tag, attrs in parser.tags:
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> in the HTML"
        for name, value in attrs:
            where = f"<{tag} {name}={value[:100]!r}>"
            assert not name.startswith("on"), f"event handler attribute {where}"
            assert "javascript:" not in _squash(value), f"javascript: in an attribute {where}"
            if tag == "meta":
                assert name != "http-equiv", f"meta http-equiv {where}"
            if name == "style":
                assert not CSS_URL.search(value) and not CSS_IMPORT.search(value), f"CSS url in {where}"
            if name == "href":
                assert value.startswith("#"), (
                    f"a link that leaves the packet {where}: the coordinator_note Markdown renderer "
                    "still turns [text](url), <url> and reference links into <a href>")
            elif name == "src":
                kind = dict(attrs).get("class")
                assert tag == "img" and kind in ("logo", "drawing-image") and value.startswith(
                    LOGO_PREFIX), f"src other than the clinic logo or the packet's drawing {where}"
                if kind == "drawing-image":
                    svg = base64.b64decode(value[len(LOGO_PREFIX):]).decode("utf-8").lower()
                    assert not re.search(r"href|<script|url\(|<foreignobject|@import", svg), "the drawing links out"
            elif name in URL_ATTRIBUTES:
                raise AssertionError(f"URL attribute {where}")
    for css in parser.styles:
        assert not CSS_IMPORT.search(css), "@import in the packet's CSS"
        for target in CSS_URL.findall(css):
            assert _squash(target).startswith("data:"), f"CSS url({target[:100]}) leaves the packet"


# ---------------------------------------------------------------- 0. the harness itself


@pytest.mark.parametrize("source", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_examples_survive_the_safe_load_and_dump_round_trip(source, workdir):
    """The mutation tests start from each example parsed and dumped again: unmutated, it stays valid."""
    text = yaml.safe_dump(EXAMPLES[EXAMPLE_FILES.index(source)], allow_unicode=True, sort_keys=False)
    profile = load_outcome(workdir / "round-trip.yaml", text.encode())
    assert profile is not None and profile == load_profile(source)
    check_html_is_inert(render(profile))


# ---------------------------------------------------------------- 1. hostile files, one by one


def _billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


VALID = ("schema_version: 1\npatient: {id: p-1, name: Test Patient, age: 58}\n"
         "diagnosis: {cancer_type: melanoma, diagnosed_by: primary_care}\n")


def _valid_with(**fields: str) -> str:
    """VALID with some lines replaced or added (key: raw YAML of the value)."""
    patient = {"id": "p-1", "name": "Test Patient", "age": "58"}
    diagnosis = {"cancer_type": "melanoma", "diagnosed_by": "primary_care"}
    top: dict[str, str] = {}
    for key, raw in fields.items():
        section, _, name = key.partition("__")
        target = {"patient": patient, "diagnosis": diagnosis}.get(section)
        if target is not None and name:
            target[name] = raw
        else:
            top[key] = raw

    def block(values: dict[str, str]) -> str:
        return "".join(f"  {k}: {v}\n" for k, v in values.items())

    return ("schema_version: 1\npatient:\n" + block(patient) + "diagnosis:\n" + block(diagnosis)
            + "".join(f"{k}: {v}\n" for k, v in top.items()))


BIG = "y" * 20_000
HOSTILE_FILES: dict[str, str | bytes] = {
    # nesting
    "deep flow sequence, unclosed": "[" * 5000,
    "deep flow sequence, closed": "[" * 400 + "]" * 400,
    "deep flow mapping": "{a: " * 2000,
    "deep block mapping": "".join("  " * i + "a:\n" for i in range(400)),
    "deep block sequence": "- " * 2000 + "x\n",
    "deep nesting inside a valid profile": VALID + "coordinator_note: " + "[" * 400 + "]" * 400 + "\n",
    "nesting just past the limit": VALID + "x: " + "[" * 25 + "]" * 25 + "\n",
    # aliases
    "billion laughs": _billion_laughs(),
    "billion laughs as a field": VALID + _billion_laughs().replace("lol9:", "coordinator_note:"),
    "alias of a long string, many times": (
        "x: &s " + "y" * 200_000 + "\npatient: {id: a, name: A, comorbidities: [" + ", ".join(["*s"] * 5000)
        + "]}\n"),
    "alias of a long string as many duplicate keys": "k: &s " + "y" * 20_000 + "\nm: {" + ", ".join(
        ["*s : 1"] * 2000) + "}\n",
    "alias of a long string as a key with many bad values": "k: &s " + "y" * 20_000 + "\n*s : [" + ", ".join(
        ["!!x a"] * 2000) + "]\n",
    "alias of a long string into every enum field": (
        "schema_version: 1\nx: &s " + BIG + "\npatient: {id: a, name: A, age: 3, language: *s, country: *s}\n"
        "diagnosis: {cancer_type: *s, diagnosed_by: *s, stage: *s, body_site: *s}\n"
        "insurance: {coverage_type: *s, network: *s, preauthorization: *s}\npreferences: {risk_tolerance: *s}\n"
        "treatment_plan: {urgency_stated: *s, proposed: [" + ",".join(["*s"] * 20) + "]}\n"),
    "undefined alias": VALID + "coordinator_note: *nope\n",
    "anchor redefined": "a: &x 1\nb: &x 2\nc: *x\n",
    "recursive alias": "a: &x [*x]\n",
    "merge key": VALID + "base: &b {name: X}\noriginal_physician:\n  <<: *b\n",
    "merge key list": "a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: [*a, *b]\n",
    # tags
    "python/object/apply": "!!python/object/apply:os.system ['touch {marker}']\n",
    "python/object/new in a field": VALID + "coordinator_note: !!python/object/new:os.system [x]\n",
    "python/name": VALID + "coordinator_note: !!python/name:os.system ''\n",
    "python/module": "!!python/module:os ''\n",
    "verbatim python tag": "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']\n",
    "%TAG to python": "%TAG !p! tag:yaml.org,2002:python/object/apply:\n---\n!p!os.system ['touch {marker}']\n",
    "custom tag": VALID + "coordinator_note: !evil x\n",
    "!!set": "!!set {a, b}\n",
    "!!omap": "!!omap [a: 1]\n",
    "!!binary, bad base64": VALID + "coordinator_note: !!binary '***'\n",
    "!!binary, not UTF-8": _valid_with(patient__name="!!binary /w=="),
    "!!int on text": _valid_with(patient__age="!!int abc"),
    "!!float on text": _valid_with(patient__age="!!float abc"),
    "!!bool on text": _valid_with(patient__pregnant="!!bool maybe"),
    "!!timestamp on text": _valid_with(patient__date_of_birth="!!timestamp nope"),
    "!!null on text": _valid_with(patient__age="!!null abc"),
    "!!str on a mapping": VALID + "coordinator_note: !!str {a: 1}\n",
    "tagged key": "!!python/name:os.system x: 1\n",
    # scalars the resolver turns into Python values
    "impossible date (month 13)": _valid_with(patient__date_of_birth="2020-13-45"),
    "impossible date (Feb 30)": _valid_with(diagnosis__diagnosis_date="2020-02-30"),
    "impossible time": _valid_with(patient__date_of_birth="2001-01-01 25:00:00"),
    "impossible time zone": _valid_with(patient__date_of_birth="2001-01-01T10:00:00+99:00"),
    "date 0001-01-01": _valid_with(patient__date_of_birth="0001-01-01", patient__age="~"),
    "date in the future": _valid_with(patient__date_of_birth="9999-12-31", patient__age="~"),
    "5000-digit integer": _valid_with(patient__age="1" * 5000),
    "4300-digit integer": _valid_with(patient__age="1" * 4300),
    "huge stage number": _valid_with(diagnosis__stage="9" * 40),
    "huge float": _valid_with(patient__age="1e99999"),
    "NaN age": _valid_with(patient__age=".nan"),
    "infinite age": _valid_with(patient__age="-.inf"),
    "boolean-looking country": _valid_with(patient__country="NO"),
    # keys
    "duplicate key": VALID + "schema_version: 1\n",
    "duplicate nested key": _valid_with(patient__name="A") + "patient:\n  name: B\n",
    "complex key": "? [a, b]\n: 1\n",
    "null key": "~: 1\n" + VALID,
    "integer key": "1: 1\n" + VALID,
    "2000-character key": "? " + "k" * 2000 + "\n: 1\n" + VALID,
    # syntax and text
    "tab indentation": "patient:\n\tname: A\n",
    "tab after a value": VALID.replace("age: 58", "age:\t58"),
    "unclosed quote": VALID + 'coordinator_note: "abc\n',
    "two documents": VALID + "---\n" + VALID,
    "document end only": "...\n",
    "directive only": "%YAML 1.1\n---\n",
    "bad directive": "%YAML 9.9\n---\na: 1\n",
    "scalar document": "just some text\n",
    "number document": "42\n",
    "list document": "- a\n- b\n",
    "null document": "~\n",
    "empty document marker": "---\n",
    "bell and escape characters": VALID + "coordinator_note: hi \x07\x1b[31m\n",
    "DEL character": VALID + "coordinator_note: a\x7fb\n",
    "C1 control character": VALID + "coordinator_note: a\x80b\n",
    "escaped control characters": VALID + 'coordinator_note: "\\x00\\x07\\e\\u202e"\n',
    "escaped lone surrogate": VALID + 'coordinator_note: "\\ud800"\n',
    "right-to-left override and emoji": _valid_with(patient__name='"\u202eevil\u202c \U0001f600\u200d\U0001f525"'),
    "byte order mark in the middle": VALID + "coordinator_note: a\ufeffb\n",
    "line and paragraph separators": VALID + "coordinator_note: a\u2028b\u2029c\x85d\n",
    "very long line": VALID + "coordinator_note: " + "z" * 300_000 + "\n",
    "value with a line break echoed in an error": _valid_with(
        diagnosis__cancer_type='"melanomx\\n/etc/forged.yaml:9:9: forged problem"'),
    "long value echoed in an error": _valid_with(diagnosis__cancer_type="x" * 50_000),
    "long key echoed in an error": "? " + "k" * 50_000 + "\n: 1\n" + VALID,
    "CR line ends": VALID.replace("\n", "\r"),
    "CRLF line ends": VALID.replace("\n", "\r\n"),
    # bytes
    "NUL byte": VALID.encode() + b"\x00",
    "invalid UTF-8": VALID.encode() + b"coordinator_note: \xff\xfe\n",
    "lone surrogate as UTF-8": VALID.encode() + b"coordinator_note: \xed\xa0\x80\n",
    "overlong UTF-8": VALID.encode() + b"coordinator_note: \xc0\xaf\n",
    "truncated UTF-8": VALID.encode() + b"coordinator_note: \xe2\x82",
    "UTF-16": VALID.encode("utf-16"),
    "UTF-8 byte order mark": b"\xef\xbb\xbf" + VALID.encode(),
    "just over 1 MiB": b"# " + b"x" * MAX_FILE_BYTES,
    "whitespace only": b" \n\t\n",
    "comments only": b"# nothing\n# here\n",
    "empty": b"",
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_hostile_file_gives_a_profile_or_a_located_error(name, workdir):
    marker = workdir / "pwned"
    text = HOSTILE_FILES[name]
    data = text.replace(b"{marker}", str(marker).encode()) if isinstance(text, bytes) else \
        text.replace("{marker}", str(marker)).encode("utf-8")
    profile = load_outcome(workdir / "hostile.yaml", data)
    assert not marker.exists(), "a YAML tag ran code"
    if profile is not None:
        check_html_is_inert(render(profile))


def test_a_folder_and_a_missing_file_are_located_errors(workdir):
    for path in (workdir, workdir / "missing.yaml"):
        with pytest.raises(InvalidInput) as caught:
            load_profile(path)
        check_invalid_input(caught.value, path, b"")


# ---------------------------------------------------------------- 1. random bytes and text


YAML_PIECES = [
    "[", "]", "{", "}", ",", ":", ": ", "- ", "? ", "\n", "\n  ", "\n    ", "\t", " ", "#", "'", '"', "\\",
    "|", ">", "&a ", "&b ", "*a", "*b", "<<: ", "<<: *a", "!!python/object:os.system ",
    "!!python/object/apply:os.system ", "!!python/name:os.system ", "!!binary ", "!!int ", "!!float ",
    "!!bool ", "!!timestamp ", "!!str ", "!!set ", "!!omap ", "!!map ", "!!seq ", "!evil ", "!<tag:x> ",
    "%YAML 1.1\n", "%TAG ! tag:yaml.org,2002:\n", "---\n", "...\n", "~", "null", "true", "NO", "yes",
    ".nan", ".inf", "-.inf", "0x1F", "0o17", "017", "1_000", "1e400", "9" * 60, "2020-13-45",
    "2020-02-30", "2020-01-01", "2001-12-14t21:59:43.10-05:00", "2001-01-01 25:00:00", "2001-01-01T1:00:00+99:00",
    "schema_version", "patient", "diagnosis", "id", "name", "age", "date_of_birth", "cancer_type",
    "diagnosed_by", "stage", "melanoma", "primary_care", "coordinator_note", "comorbidities",
    "\u202e", "\u200d", "\ufeff", "\u2028", "\x85", "\U0001f600", "\x00", "\x07", "\x1b", "\x7f", "\x80",
    "<script>alert(1)</script>", "[x](javascript:alert(1))", "a" * 300,
]
BAD_BYTES = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x00", b"\xef\xbb\xbf", b"\x80"]


@st.composite
def yaml_soup(draw) -> bytes:
    """Text made of YAML syntax, tags, tricky scalars and schema words, sometimes with bad bytes."""
    pieces = draw(st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=8), max_size=80))
    data = "".join(pieces).encode("utf-8")
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]
    return data


@st.composite
def repeated(draw) -> bytes:
    """Deep nesting and very long lines: one piece repeated up to thousands of times."""
    piece = draw(st.sampled_from(["[", "{", "{a: ", "- ", "a:\n  ", "[a, ", "&a [*a, ", "x", "\\", "'"]))
    head = draw(st.sampled_from(["", "a: ", "coordinator_note: ", "- "]))
    return (head + piece * draw(st.integers(1, 1000)) + draw(st.sampled_from(["", "]" * 500, "\n"]))).encode()


@st.composite
def spliced_example(draw) -> bytes:
    """An example profile with a piece of YAML or bad bytes put in, swapped in or cut out somewhere."""
    data = draw(st.sampled_from(EXAMPLE_FILES)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 20)))
        piece = draw(st.sampled_from(YAML_PIECES).map(str.encode) | st.sampled_from(BAD_BYTES)
                     | st.text(max_size=10).map(str.encode))
        data = data[:start] + piece + data[end:]
    return data


def _check_any_file(data: bytes, workdir: Path) -> None:
    profile = load_outcome(workdir / "random.yaml", data)
    event("valid profile" if profile is not None else "InvalidInput")
    if profile is not None:
        check_html_is_inert(render(profile))


@FUZZ
@given(data=st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_random_bytes_and_text(data, workdir):
    _check_any_file(data, workdir)


@FUZZ
@given(data=yaml_soup())
def test_yaml_soup(data, workdir):
    _check_any_file(data, workdir)


@settings(FUZZ, max_examples=20)  # deep nesting is the slowest input to measure memory for
@given(data=repeated())
def test_deep_nesting_and_long_lines(data, workdir):
    _check_any_file(data, workdir)


@settings(FUZZ, max_examples=200)
@given(data=spliced_example())
def test_spliced_examples(data, workdir):
    _check_any_file(data, workdir)


# ---------------------------------------------------------------- 2. mutated valid profiles


HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="http://evil.example">',
    "<link rel=stylesheet href=http://evil.example/x.css>",
    "<style>@import url(http://evil.example)</style>",
    '<svg onload="alert(1)">',
    '<meta http-equiv="refresh" content="0;url=http://evil.example">',
    "<base href=http://evil.example/>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</style><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!-- unclosed comment",
    "<![CDATA[x]]>",
    "&lt;script&gt; &amp; &#106;avascript:alert(1)",
    "{{ 7 * 7 }} {% raw %} ${7*7}",
    "![x](http://evil.example/a.png)",
    "[x](javascript:alert(1))",
    "[x](http://evil.example)",
    "[x](//evil.example)",
    "[x](file:///etc/passwd)",
    "[x]: http://evil.example\n\n[x]",
    "<http://evil.example>",
    "<file:///etc/passwd>",
    "<someone@evil.example>",
    "http://evil.example",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "url(http://evil.example/x.png)",
    "\u202eevil\u202c \U0001f600 \u200b\ufeff",
    "\x07\x1b[31mred\x1b[0m",
]
FREE_TEXT_FIELDS: list[tuple[str, ...]] = [
    ("patient", "name"),
    ("diagnosis", "cancer_type_detail"),
    ("insurance", "plan_name"),
    *(("original_physician", key) for key in ("name", "specialty", "practice", "phone", "fax", "address")),
]
FREE_TEXT_LISTS: list[tuple[str, ...]] = [("patient", "comorbidities"),
                                          ("diagnosis", "pathology", "differential_diagnoses")]
REQUIRED = [("schema_version",), ("patient",), ("patient", "id"), ("patient", "name"), ("patient", "age"),
            ("patient", "date_of_birth"), ("diagnosis",), ("diagnosis", "cancer_type"),
            ("diagnosis", "diagnosed_by")]
UNKNOWN_KEYS = st.sampled_from(["scaring", "Patient", "name ", "<<", "~", "__class__", "1", "id\u202e",
                                "x" * 300, "schema_version2"]) | st.text(min_size=1, max_size=20)


def _nest(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


HUGE_TEXT = st.builds(lambda char, n: char * n, st.characters(), st.integers(0, 100_000))
LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(-(10**300), 10**300)
          | st.floats() | st.dates() | st.text(max_size=40) | st.sampled_from(HOSTILE_TEXT) | HUGE_TEXT)
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
VALUES = VALUES | st.integers(1, 30).map(_nest)


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _get(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _set(doc: Any, path: tuple, value: Any) -> Any:
    """Set the value at path (making missing parent fields); returns the (maybe new) root."""
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        if isinstance(parent, dict) and not isinstance(parent.get(part), dict | list):
            parent[part] = {}
        parent = parent[part]
    parent[path[-1]] = value
    return doc


@st.composite
def mutated_profile(draw) -> Any:
    """An example profile with a few values replaced by random types, unknown keys added, keys deleted."""
    doc = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["replace", "replace", "add", "delete", "delete_required"]))
        if action == "delete_required":
            path = draw(st.sampled_from(REQUIRED))
            parent = doc
            for part in path[:-1]:
                parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            continue
        paths = list(_paths(doc))
        if action == "replace":
            doc = _set(doc, draw(st.sampled_from(paths)), draw(VALUES))
        elif action == "add":
            dicts = [p for p in paths if isinstance(_get(doc, p), dict)]
            if dicts:
                _get(doc, draw(st.sampled_from(dicts)))[draw(UNKNOWN_KEYS)] = draw(VALUES)
        elif len(paths) > 1:
            path = draw(st.sampled_from(paths[1:]))
            del _get(doc, path[:-1])[path[-1]]
    return doc


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def placed_payloads(doc: Any) -> tuple[str, ...]:
    """The HOSTILE_TEXT strings that occur whole in some text of the document."""
    texts = list(_strings(doc))
    return tuple(payload for payload in HOSTILE_TEXT if any(payload in text for text in texts))


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@settings(FUZZ, max_examples=100)
@given(doc=mutated_profile())
def test_mutated_profiles(doc, workdir):
    profile = load_outcome(workdir / "mutated.yaml", _dump(doc))
    event("valid profile" if profile is not None else "InvalidInput")
    if profile is not None:
        check_html_is_inert(render(profile), placed_payloads(doc))


# ---------------------------------------------------------------- 3. hostile free text in valid profiles


def _short(parts: list[str]) -> str:
    return " ".join(parts)[:200].strip() or "x"


@st.composite
def hostile_text_profile(draw) -> Any:
    """A valid example with hostile strings (and random text) in its free-text fields."""
    doc = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    pieces = st.lists(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=20), min_size=1, max_size=3)
    for path in draw(st.sets(st.sampled_from(FREE_TEXT_FIELDS), min_size=1)):
        parts = draw(pieces)
        _set(doc, path, _short(parts))
    for path in draw(st.sets(st.sampled_from(FREE_TEXT_LISTS))):
        items = draw(st.lists(pieces, min_size=1, max_size=5))
        _set(doc, path, [_short(parts) for parts in items])
    if draw(st.booleans()):
        note = draw(st.lists(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=40)
                             | st.sampled_from(["\n\n", "\n", "**", "_", "`", "> ", "# ", "1. ", "- "]),
                             min_size=1, max_size=40))
        doc["coordinator_note"] = "".join(note)[:4000]
    return doc


# Invisible characters the loader may refuse in free text: the schema's hidden set (controls, direction
# marks and overrides, soft hyphen, zero-width and other format characters), plus ZWNJ/ZWJ, which are
# refused or kept depending on the letters around them.
REFUSABLE = re.compile(f"[{HIDDEN}\u200c\u200d]")


def _refusable(text: str) -> bool:
    """Also any other format or control character (hypothesis finds rare ones such as U+E0001), the
    characters that Markdown entities in the note decode to, quotes or lists nested too deeply, and
    characters that no font of the packet has (refused by the glyph check)."""
    from sop_packets.fonts import missing_glyphs
    from sop_packets.markup import MAX_NESTING, nesting

    return nesting(text) > MAX_NESTING or bool(missing_glyphs(text)) or any(
        REFUSABLE.match(c) or (unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") and c not in "\t\n\r")
        for c in text + html.unescape(text))


@settings(FUZZ, max_examples=100)
@given(doc=hostile_text_profile())
def test_hostile_text_in_free_text_fields_is_inert(doc, workdir):
    profile = load_outcome(workdir / "free-text.yaml", _dump(doc))
    if profile is None:
        assert any(_refusable(text) for text in _strings(doc)), (
            "a profile whose free-text fields only hold printable text (however hostile) was refused")
        return
    check_html_is_inert(render(profile), placed_payloads(doc))


@pytest.mark.parametrize("payload", HOSTILE_TEXT)
def test_each_hostile_string_in_every_free_text_field(payload, workdir):
    """Deterministic: one payload in every free-text field and the coordinator note at once."""
    doc = copy.deepcopy(EXAMPLES[0])
    for path in FREE_TEXT_FIELDS:
        _set(doc, path, payload)
    for path in FREE_TEXT_LISTS:
        _set(doc, path, [payload])
    doc["coordinator_note"] = f"Before {payload} after.\n\n{payload}\n"
    profile = load_outcome(workdir / "payload.yaml", _dump(doc))
    assert (profile is None) == bool(REFUSABLE.search(payload))
    if profile is None:
        return
    check_html_is_inert(render(profile), (payload,))
