"""Shipped content kept parsed between runs (content_cache.py): the same content as parsing the files,
parsed again when a file changes, never taken from a damaged entry or from a folder others can write."""

from __future__ import annotations

import json

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
def test_a_changed_file_is_parsed_again_and_the_old_entry_removed(language, tmp_path, changed):
    files = sorted(language.glob("*.yaml"))
    make, calls = parsed(files)
    content_cache.kept("xx", files, make)
    before = entries(tmp_path)
    (language / changed).write_text("Call the clinic at (555) 010-2000.\n", encoding="utf-8")
    result = content_cache.kept("xx", files, make)
    assert len(calls) == 2
    assert "Call the clinic at (555) 010-2000." in result.values()
    assert len(entries(tmp_path)) == 1 and entries(tmp_path) != before


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
