"""Shipped content kept parsed between runs (content_cache.py): the same content as parsing the files,
parsed again when a file changes, never taken from a damaged entry or from a folder others can write."""

from __future__ import annotations

import json
import os
import time
from datetime import date

import pytest

from sop_packets import cache_folder, content, content_cache


def parsed(files):
    calls = []

    def make():
        calls.append(1)
        return {path.stem: path.read_text(encoding="utf-8").strip() for path in files}

    return make, calls


@pytest.fixture
def language(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_folder, "roots", lambda: [tmp_path / "cache"])
    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "steps.yaml").write_text("Call the clinic.\n", encoding="utf-8")
    (folder / "_language.yaml").write_text("date: long\n", encoding="utf-8")
    return folder


def entries(tmp_path):
    return sorted(path.name for path in (tmp_path / "cache" / "content").glob("*.json"))


def test_content_is_parsed_once_then_read_back(language, tmp_path):
    files = sorted(language.glob("*.yaml"))
    make, calls = parsed(files)
    first = content_cache.kept("xx", files, make)
    again = content_cache.kept("xx", files, make)
    assert first == again == {"_language": "date: long", "steps": "Call the clinic."}
    assert len(calls) == 1
    [entry] = entries(tmp_path)
    assert entry.startswith("xx-")
    assert (tmp_path / "cache" / "content").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("changed", ["steps.yaml", "_language.yaml"])
def test_a_changed_file_is_parsed_again(language, tmp_path, changed):
    files = sorted(language.glob("*.yaml"))
    make, calls = parsed(files)
    content_cache.kept("xx", files, make)
    before = entries(tmp_path)
    (language / changed).write_text("Call the clinic at (555) 010-2000.\n", encoding="utf-8")
    result = content_cache.kept("xx", files, make)
    assert len(calls) == 2
    assert "Call the clinic at (555) 010-2000." in result.values()
    assert len(entries(tmp_path)) == 2 and set(before) < set(entries(tmp_path))
    assert content_cache.kept("xx", files, make) == result and len(calls) == 2  # the new one is read back


def test_a_damaged_entry_is_parsed_again(language, tmp_path):
    files = sorted(language.glob("*.yaml"))
    make, calls = parsed(files)
    content_cache.kept("xx", files, make)
    [entry] = (tmp_path / "cache" / "content").glob("*.json")
    entry.write_text('{"steps": "Call the cl', encoding="utf-8")  # cut short
    assert content_cache.kept("xx", files, make)["steps"] == "Call the clinic."
    assert len(calls) == 2
    assert json.loads(entry.read_text(encoding="utf-8"))["steps"] == "Call the clinic."


def test_a_failed_parse_keeps_nothing(language, tmp_path):
    files = sorted(language.glob("*.yaml"))

    def broken():
        raise ValueError("steps.yaml:1:1: a mistake")

    with pytest.raises(ValueError, match="a mistake"):
        content_cache.kept("xx", files, broken)
    assert entries(tmp_path) == []


def test_nothing_is_kept_where_another_user_could_write(language, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setattr(cache_folder, "roots", lambda: [shared])
    files = sorted(language.glob("*.yaml"))
    make, calls = parsed(files)
    content_cache.kept("xx", files, make)
    content_cache.kept("xx", files, make)
    assert len(calls) == 2
    assert not list(shared.rglob("*.json"))


@pytest.mark.parametrize("language_code", content.available_languages())
def test_kept_content_is_the_parsed_content(language_code, tmp_path, monkeypatch):
    """Every shipped language read back from the cache is exactly what parsing its files gives."""
    monkeypatch.setattr(cache_folder, "roots", lambda: [tmp_path / "cache"])
    unkept = content.shipped_content.__wrapped__
    with monkeypatch.context() as patch:
        patch.setattr(cache_folder, "private_folder", lambda name: None)
        parsed_now = unkept(language_code)
    assert unkept(language_code) == parsed_now  # made and kept
    assert entries(tmp_path)
    assert unkept(language_code) == parsed_now  # read back


def test_an_unreadable_file_is_left_to_the_parse_to_name(language, tmp_path):
    (language / "broken.yaml").symlink_to(language / "missing.yaml")
    files = sorted(language.glob("*.yaml"))

    def parse():
        raise ValueError("broken.yaml:1:1: no such file")

    with pytest.raises(ValueError, match=r"broken\.yaml:1:1: no such file"):
        content_cache.kept("xx", files, parse)


@pytest.mark.parametrize("value", [date(2026, 1, 1), "\ud800", ("a", "tuple")])
def test_content_json_cannot_hold_the_same_is_given_but_not_kept(language, tmp_path, value):
    files = sorted(language.glob("*.yaml"))
    assert content_cache.kept("xx", files, lambda: {"reviewed": value}) == {"reviewed": value}
    assert entries(tmp_path) == []


def test_two_versions_sharing_the_folder_keep_their_own_entries(language, tmp_path):
    files = sorted(language.glob("*.yaml"))
    make, calls = parsed(files)
    content_cache.kept("xx", files, make)
    other = language.parent / "other"  # another install: other files for the same language
    other.mkdir()
    (other / "steps.yaml").write_text("Call us.\n", encoding="utf-8")
    other_make, other_calls = parsed([other / "steps.yaml"])
    for _ in range(3):
        content_cache.kept("xx", [other / "steps.yaml"], other_make)
        content_cache.kept("xx", files, make)
    assert len(calls) == 1 and len(other_calls) == 1
    assert len(entries(tmp_path)) == 2


def test_an_entry_unwritten_for_a_week_is_removed_when_another_is_written(language, tmp_path):
    files = sorted(language.glob("*.yaml"))
    make, _ = parsed(files)
    content_cache.kept("xx", files, make)
    [old] = (tmp_path / "cache" / "content").glob("*.json")
    week_ago = time.time() - content_cache.STALE_AFTER_SECONDS - 60
    os.utime(old, (week_ago, week_ago))
    (language / "steps.yaml").write_text("Call the clinic today.\n", encoding="utf-8")
    content_cache.kept("xx", files, make)
    assert old.name not in entries(tmp_path) and len(entries(tmp_path)) == 1
