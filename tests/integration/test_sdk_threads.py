"""One session shared by eight threads reading and applying at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.model import Action, ActionKind, Ref, Side
from tests.integration.conftest import load_doc, make_settings, make_world

pytestmark = pytest.mark.dotnet


def test_eight_threads_read_and_apply(tmp_path: Path, open_session: Callable[..., Any]) -> None:
    w = make_world(tmp_path / "w", "independent", hardware=4)
    session = open_session(make_settings(w, "independent"))
    recorders = session.recorders()
    snap = session.read([r.id for r in recorders], Side.PRIMARY)
    cameras = [(r, d) for r in snap.recorders for h in r.hardware for d in h.devices if d.kind == "camera"]
    errors: list[BaseException] = []
    done: list[int] = []

    def work(i: int) -> None:
        try:
            if i % 2:
                got = session.read([recorders[i % len(recorders)].id], Side.PRIMARY)
                assert got.camera_count() > 0
            else:
                rec, cam = cameras[i]
                session.apply(Action(ActionKind.UPDATE, Ref(rec.site, rec.id, cam.id, "camera"), "t",
                                     category="general", values={"Description": f"thread {i}"}))
            done.append(i)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(done) == list(range(8))
    docs = [load_doc(w, h) for h in ("ms-primary", "ms-secondary")]
    descriptions = {c["Description"] for d in docs for r in d["RecordingServers"] for h in r["Hardwares"]
                    for c in h["Cameras"]}
    assert {f"thread {i}" for i in range(0, 8, 2)} <= descriptions
