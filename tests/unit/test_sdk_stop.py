"""Password reads poll VMS tasks; a stop request ends the polling at the next poll, handing back nothing."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from bridge.errors import Interrupted
from bridge.sdk.apply import Applier


class SlowTask:
    """A ServerTask the VMS is still working on (a slow server: it never finishes within the test)."""

    def __init__(self) -> None:
        self.State = "InProgress"
        self.Progress = 40
        self.polls = 0

    def UpdateState(self) -> None:  # noqa: N802 - the SDK's name
        self.polls += 1


def test_a_stop_ends_password_task_polling_at_the_next_poll() -> None:
    tasks: list[SlowTask] = []

    def hardware(_server_id: object, _path: str) -> SimpleNamespace:
        def read() -> SlowTask:
            tasks.append(SlowTask())
            return tasks[-1]

        return SimpleNamespace(ReadPasswordHardware=read)

    applier = Applier(SimpleNamespace(Hardware=hardware), lambda _rid: None, task_timeout=600)
    site = SimpleNamespace(info=SimpleNamespace(host="ms-primary"), lock=threading.RLock(), server_id="sid")
    asked = [0]

    def stop() -> bool:
        asked[0] += 1
        return asked[0] > 4  # before the recorder, before the batch, after two polls: then stop

    failures: dict[str, str] = {}
    with pytest.raises(Interrupted) as info:
        applier.read_passwords(site, ["hw-1", "hw-2"], failures, None, stop)
    assert "stopped while reading hardware passwords" in info.value.message
    assert [t.polls for t in tasks] == [2, 2] and failures == {}
