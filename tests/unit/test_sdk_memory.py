"""Memory control around bulk work: the collector held off while decoding, memory handed back between cycles."""

from __future__ import annotations

import gc
import json
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from bridge.sdk import parse
from bridge.sdk.memory import release_memory


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_decoding_holds_the_collector_off_and_gives_it_back() -> None:
    seen: list[bool] = []
    real_loads = json.loads

    def loads(text: str) -> Any:
        seen.append(gc.isenabled())
        return real_loads(text)

    json.loads = loads  # type: ignore[assignment]
    try:
        assert parse.decode('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    finally:
        json.loads = real_loads  # type: ignore[assignment]
    assert seen == [False]
    assert gc.isenabled()


def test_a_failed_decode_gives_the_collector_back() -> None:
    with pytest.raises(json.JSONDecodeError):
        parse.decode("{broken")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_program_stays_off() -> None:
    gc.disable()
    parse.decode("[]")
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_end_with_the_last_one() -> None:
    inside, release = threading.Event(), threading.Event()
    during: list[bool] = []

    def other() -> None:
        with parse.gc_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    with parse.gc_paused():
        pass
    during.append(gc.isenabled())  # the other thread still decodes
    release.set()
    t.join(5)
    assert during == [False]
    assert gc.isenabled()


def test_parse_recorder_runs_with_the_collector_held_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = parse._Dump.recorder

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(parse._Dump, "recorder", spy)
    rec = parse.parse_recorder("ms", {"recorder": ["r1", "R", 0], "storages": [], "drivers": [], "privacy": True,
                                      "hardware": [[["h1", "H", 0], [], []]], "shapes": [["Id", "Name"]]})
    assert [h.id for h in rec.hardware] == ["h1"]
    assert seen == [False]
    assert gc.isenabled()


def test_release_memory_runs_without_a_loaded_runtime() -> None:
    class Node:
        other: Any = None

    gc.disable()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # garbage only the collector can free
        alive = weakref.ref(a)
        del a, b
        assert alive() is not None
        release_memory()
        assert alive() is None
    finally:
        gc.enable()


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_decoded_read_is_frozen_so_later_collections_skip_it(thawed: None) -> None:
    data = parse.decode('[{"a": [1, 2]}, {"b": {}}]')
    assert gc.get_freeze_count() > 0
    young = gc.get_objects(generation=0) + gc.get_objects(generation=1) + gc.get_objects(generation=2)
    assert not any(x is data for x in young)  # frozen objects are in no generation a collection walks
    assert data == [{"a": [1, 2]}, {"b": {}}]


def test_cyclic_garbage_frozen_by_a_decode_is_freed_by_release_memory(thawed: None) -> None:
    class Node:
        other: Any = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    parse.decode("[]")  # freezes the pair with everything else
    del a, b
    gc.collect()
    assert alive() is not None  # frozen: no collection frees it...
    release_memory()
    assert alive() is None  # ...until the memory release between cycles thaws it
    assert gc.get_freeze_count() == 0


def test_thaw_gives_frozen_objects_back(thawed: None) -> None:
    parse.decode("[]")
    parse.thaw()
    assert gc.get_freeze_count() == 0


def test_the_service_cycle_releases_memory_after_every_cycle_even_a_failed_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bridge.engine
    import bridge.sdk.memory
    from bridge.service import engine_cycle

    calls: list[str] = []
    outcomes: list[Any] = ["ok", RuntimeError("the VMS went away")]

    def fake_run_cycle(settings: Any, store: Any, **kw: Any) -> Any:
        calls.append("cycle")
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(bridge.engine, "run_cycle", fake_run_cycle)
    monkeypatch.setattr(bridge.sdk.memory, "release_memory", lambda: calls.append("release"))
    cycle = engine_cycle("settings", "store")
    assert cycle(trigger="schedule", notes=[], stop_event=threading.Event()) == "ok"
    with pytest.raises(RuntimeError):
        cycle(trigger="schedule", notes=[], stop_event=threading.Event())
    assert calls == ["cycle", "release", "cycle", "release"]
