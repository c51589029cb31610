"""Saving from the form never loses anything: for any set of changed fields, the new text keeps every
comment (the import's provenance notes included), sets exactly the changed fields to what was typed,
and leaves every other field as it was."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sop_packets.profile import parse_located
from sop_packets.schema import Profile
from sop_packets.serve import changes, form, yaml_edit

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "profiles").glob("*.yaml"))}
TEXTS["imported.yaml"] = (Path(__file__).parent / "test_serve.py").read_text().split('IMPORTED = """\\\n')[1] \
    .split('"""')[0]
LEAVES = [spec for spec in form.leaves(form.specs_for(Profile)) if spec.kind != "groups"]
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,:'-#\"/()&é", min_size=1, max_size=30) \
    .map(str.strip).filter(bool)


def value_for(spec: form.Spec):
    if spec.kind == "enum":
        return st.sampled_from([value for value, _ in spec.choices])
    if spec.kind == "enums":
        return st.lists(st.sampled_from([value for value, _ in spec.choices]), unique=True, max_size=3)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "tribool":
        return st.sampled_from([True, False, None])
    if spec.kind == "int":
        return st.integers(0, 120)
    if spec.kind == "float":
        return st.integers(1, 999).map(lambda n: n / 10)
    if spec.kind == "date":
        return st.dates(date(1920, 1, 1), date(2025, 12, 31))
    if spec.kind == "texts":
        return st.lists(TEXT, max_size=3)
    return st.one_of(st.none(), TEXT)


def comments(text: str) -> list[str]:
    """Whole-line comments, and end-of-line comments after a plain (unquoted) value."""
    found = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("#"):
            found.append(stripped)
        elif "'" not in line and '"' not in line and (match := re.search(r"\s(#\s.*)$", line)):
            found.append(match.group(1).strip())
    return found


def removed_item_lines(text: str, lists: dict) -> set[int]:
    """Lines of list items a change removes: their own comments may go with them."""
    out: set[int] = set()
    lines = text.split("\n")
    for path, value in lists.items():
        depth = 2 * (len(path) - 1)
        section = None
        for index, line in enumerate(lines):
            if re.match(r"^[a-z_]+:", line):
                section = line.split(":")[0]
            if section != path[0] or not re.match(rf"^ {{{depth}}}{path[-1]}:", line):
                continue
            items = [i for i in range(index + 1, len(lines))]
            taken = []
            for i in items:
                if re.match(rf"^ {{{depth + 2},}}- ", lines[i]):
                    taken.append(i)
                elif lines[i].strip() and not lines[i].lstrip().startswith("#"):
                    break
            out.update(taken[len(value):])
    return out


def data_of(text: str):
    located = parse_located(text, "x.yaml")
    assert not located.problems, located.problems
    return located.data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_saving_keeps_comments_and_changes_only_the_changed_fields(data):
    name = data.draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    chosen = data.draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=4, unique_by=lambda s: s.name))
    edits = {spec.path: data.draw(value_for(spec)) for spec in chosen}
    new_text = changes.apply(text, edits, set())
    cleared = yaml_edit.clear_fill_ins(text, set(edits))
    removed = removed_item_lines(cleared, {p: v for p, v in edits.items() if isinstance(v, list)})
    kept = comments("\n".join(line for i, line in enumerate(cleared.split("\n")) if i not in removed))
    missing = [c for c in kept if c not in new_text]
    assert not missing
    before, after = data_of(text), data_of(new_text)
    for path, value in edits.items():
        present, got = yaml_edit.get_path(after, path)
        assert present and got == value, (path, value, got)
    for spec in LEAVES:
        if spec.path in edits:
            continue
        assert yaml_edit.get_path(after, spec.path) == yaml_edit.get_path(before, spec.path), spec.path


def test_the_property_fires_on_a_comment_and_a_value():
    """The checks above would catch a lost comment and a value written wrongly."""
    text = TEXTS["imported.yaml"]
    assert "# Patient/pt-7 name" in comments(text)
    new_text = changes.apply(text, {("patient", "name"): "Rosa: Two # Names"}, set())
    assert "# Patient/pt-7 name" in new_text
    assert yaml_edit.get_path(data_of(new_text), ("patient", "name")) == (True, "Rosa: Two # Names")
    assert changes.apply(text, {}, set()) == text


def test_fill_in_notes_are_found_with_their_fields_and_whole_words():
    text = ("patient:\n  id: a  # Patient/a\n  # on_hiv_treatment: true  # FILL IN: on HIV medicines?\n\n"
            "# concerns:\n#   low_confidence: false  # FILL IN: the patient's own concerns (cosmetic,\n"
            "#   cost: false            #   scarring, cost)\n"
            "diagnosis:\n  diagnosed_by: other  # FILL IN: the EHR does not say\n")
    notes = [(n.path, n.note, n.commented) for n in yaml_edit.fill_ins(text)]
    assert notes == [
        (("patient", "on_hiv_treatment"), "on HIV medicines?", True),
        (("concerns", "low_confidence"), "the patient's own concerns (cosmetic, scarring, cost)", True),
        (("diagnosis", "diagnosed_by"), "the EHR does not say", False),
    ]
    cleared = yaml_edit.clear_fill_ins(text, {("concerns", "low_confidence"), ("diagnosis", "diagnosed_by")})
    assert "concerns" not in cleared and "scarring" not in cleared
    assert "diagnosed_by: other\n" in cleared and "# Patient/a" in cleared and "on_hiv_treatment" in cleared


def test_a_commented_fill_in_group_lists_each_field_and_stays_until_all_are_done():
    """`# melanoma:  # FILL IN` over `#   breslow_mm:` lines (as the FHIR import writes it) links to
    each field, and the placeholder goes only when every field in it is filled in."""
    text = ("diagnosis:\n  cancer_type: melanoma\n"
            "  # melanoma:                  # FILL IN from the pathology report:\n"
            "  #   breslow_mm:              # depth in mm\n"
            "  #   ulcerated:               # true or false\n"
            "  # confirmed_by_biopsy: true  # FILL IN: was a biopsy looked at?\n")
    notes = [(n.path, n.note) for n in yaml_edit.fill_ins(text)]
    assert notes == [
        (("diagnosis", "melanoma", "breslow_mm"), "from the pathology report: depth in mm"),
        (("diagnosis", "melanoma", "ulcerated"), "from the pathology report: true or false"),
        (("diagnosis", "confirmed_by_biopsy"), "was a biopsy looked at?"),
    ]
    half = yaml_edit.clear_fill_ins(text, {("diagnosis", "melanoma", "breslow_mm")})
    assert "#   ulcerated:" in half and "# melanoma:" in half
    done = yaml_edit.clear_fill_ins(text, {("diagnosis", "melanoma", "breslow_mm"),
                                           ("diagnosis", "melanoma", "ulcerated")})
    assert "melanoma:" not in done.replace("cancer_type: melanoma", "") and "confirmed_by_biopsy" in done
