"""Compiled templates kept in the user's cache folder: loaded, not compiled, by the next process; a
changed template compiled again; never kept in a folder another user can write to."""

from __future__ import annotations

import jinja2
import pytest

from sop_packets import cache_folder, templating


def fresh_environment(folder):
    return templating.environment.__wrapped__(folder)  # not the process's kept environment


def compiled(folder) -> list[str]:
    return sorted(path.name for path in folder.glob("sop-packets/templates-*/*.jinja"))


def test_a_template_is_compiled_once_and_again_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html.j2").write_text("Hello {{ name }}\n", encoding="utf-8")
    assert fresh_environment(templates).get_template("page.html.j2").render(name="<Ana>") == "Hello &lt;Ana&gt;\n"
    assert len(compiled(tmp_path / "cache")) == 1

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again though the template did not change")

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Environment, "compile", no_compiling)
        assert fresh_environment(templates).get_template("page.html.j2").render(name="Ana") == "Hello Ana\n"

    (templates / "page.html.j2").write_text("Goodbye {{ name }}\n", encoding="utf-8")
    assert fresh_environment(templates).get_template("page.html.j2").render(name="Ana") == "Goodbye Ana\n"


def test_no_compiled_templates_where_another_user_could_write(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setattr(cache_folder, "roots", lambda: [shared])
    assert cache_folder.private_folder("templates-x") is None
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html.j2").write_text("Hello {{ name }}\n", encoding="utf-8")
    environment = fresh_environment(templates)
    assert environment.bytecode_cache is None
    assert environment.get_template("page.html.j2").render(name="Ana") == "Hello Ana\n"
    assert not list(shared.rglob("*.jinja"))


@pytest.mark.parametrize("mode", [0o700, 0o755])
def test_a_folder_only_its_owner_can_write_is_used(tmp_path, monkeypatch, mode):
    root = tmp_path / "root"
    root.mkdir(mode=mode)
    monkeypatch.setattr(cache_folder, "roots", lambda: [root])
    assert cache_folder.private_folder("templates-x") == root / "templates-x"
    assert (root / "templates-x").stat().st_mode & 0o777 == 0o700
