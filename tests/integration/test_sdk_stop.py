"""A stop request inside the SDK layer: reads and password reads end with Interrupted at their next step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import Interrupted
from bridge.model import Side
from tests.integration.conftest import make_settings, make_world

pytestmark = pytest.mark.dotnet


def _after(n: int) -> tuple[Callable[[], bool], list[int]]:
    """A stop check that says "stop" from its (n+1)th question on, counting the questions."""
    asked = [0]

    def stop() -> bool:
        asked[0] += 1
        return asked[0] > n

    return stop, asked


def test_a_read_stops_between_two_recorders(tmp_path: Path, open_session: Callable[..., Any]) -> None:
    world = make_world(tmp_path / "world", primaries=3, secondaries=1)
    session = open_session(make_settings(world))
    primaries = [r.id for r in session.recorders() if r.name.startswith("Recorder P")]
    assert len(primaries) == 3
    assert len(session.read(primaries, Side.PRIMARY, lambda: False).recorders) == 3
    stop, asked = _after(1)
    with pytest.raises(Interrupted) as info:
        session.read(primaries, Side.PRIMARY, stop)
    assert asked[0] == 2  # the first recorder was read, the second was not started
    assert "stopped while reading the primary side" in info.value.message and info.value.exit_code == 130


def test_password_reads_stop_before_the_next_batch_and_hand_back_nothing(tmp_path: Path,
                                                                          open_session: Callable[..., Any]) -> None:
    world = make_world(tmp_path / "world", hardware=3)
    session = open_session(make_settings(world))
    recorder = next(r.id for r in session.recorders() if r.name == "Recorder P1")
    snap = session.read([recorder], Side.PRIMARY)
    wanted = [("ms-site", hw.id) for hw in snap.recorders[0].hardware]
    assert len(session.read_passwords(wanted, stop=lambda: False)) == 3
    # Asked before the recorder's hardware load, then before the batch (and after each poll of its tasks:
    # tests/unit/test_sdk_stop.py, where tasks are held running).
    stop, asked = _after(1)
    failures: dict[str, str] = {}
    with pytest.raises(Interrupted) as info:
        session.read_passwords(wanted, failures, stop)
    assert "stopped while reading hardware passwords" in info.value.message
    assert asked[0] == 2 and failures == {}
