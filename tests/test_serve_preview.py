"""The preview's page store (issue 26): the packet's page is rendered in the background once, the
frame's request waits for it, and a render superseded before it started is made on demand."""

from __future__ import annotations

import threading

from sop_packets.serve.preview import Store


def test_a_render_runs_once_in_the_background_and_the_frame_waits_for_it():
    started, release = threading.Event(), threading.Event()
    calls = []

    def render() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "<p>packet</p>"

    store = Store()
    key = store.put_render(render, "form-a")
    assert started.wait(5)  # began at once, before anyone asked for the page
    answers = []
    reader = threading.Thread(target=lambda: answers.append(store.get(key)))
    reader.start()
    release.set()
    reader.join(5)
    assert answers == ["<p>packet</p>"] and store.get(key) == "<p>packet</p>" and calls == [1]
    assert store.get("no-such-key") is None


def test_a_newer_render_of_the_same_form_drops_an_older_one_not_yet_started():
    gate = threading.Event()
    done = []
    store = Store()
    store.put_render(lambda: gate.wait(5) and "busy", "form-b")  # holds the one worker
    older = store.put_render(lambda: done.append("older") or "older page", "form-b")
    newer = store.put_render(lambda: done.append("newer") or "newer page", "form-b")
    gate.set()
    assert store.get(newer) == "newer page"
    assert "older" not in done  # dropped before it started
    assert store.get(older) == "older page"  # still shown if its frame asks: made on demand
