"""The journal, revert and resume through the JSON API, over the real engine and revert on an in-memory VMS."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bridge import logs
from bridge.app import AppService
from bridge.errors import GuardTripped
from bridge.pause import GUARD, REVERT, pause_store
from bridge.service import run_one
from bridge.web import create_app
from tests.web.fakeworld import TOKEN
from tests.web.memworld import SECRETS, KeptSession, MemoryCycles, make_memory_app_service, set_gate_fps, target_fps


def wait_for(predicate: Callable[[], Any], what: str, limit: float = 20.0) -> Any:
    deadline = time.monotonic() + limit
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)
    return value


class World:
    def __init__(self, app: AppService, session: KeptSession, cycles: MemoryCycles, client: TestClient) -> None:
        self.app, self.session, self.cycles, self.client = app, session, cycles, client

    def cycle(self) -> int:
        """One cycle now (as Run now does), finished; returns its run id."""
        report = self.app.run_now()
        assert report.status == "ok", report.failures
        return int(report.run_id)

    def finished(self, run_id: int) -> dict[str, Any]:
        return wait_for(lambda: (r := self.client.get(f"/api/history/{run_id}").json())["status"] != "running"
                        and r, f"cycle {run_id} to end")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    app, session, cycles = make_memory_app_service(tmp_path)
    with TestClient(create_app(app, token=TOKEN), base_url="http://127.0.0.1") as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield World(app, session, cycles, client)
    cycles.hold.set()
    logs.setup_logging(None)


def test_a_report_carries_its_journal_with_before_and_after(world: World) -> None:
    run_id = world.cycle()
    body = world.client.get(f"/api/history/{run_id}").json()
    assert len(body["journal"]) == len(body["writes"]) == sum(body["applied"].values())
    fps = next(w for w in body["writes"] if w["what"] == "update recording" and w["item"] == "camera Gate")
    assert fps["state_text"] == "done" and fps["recorder"] == "Recorder S1"
    assert fps["before"] == {"RecordingFramerate": 5.0} and fps["after"] == {"RecordingFramerate": 12.0}
    add = next(w for w in body["writes"] if w["what"] == "add")
    assert add["item"] == "hardware Axis Dock" and add["after"]["new id"]


def test_dry_run_shows_the_plan_and_changes_nothing(world: World) -> None:
    world.cycle()
    set_gate_fps(world.session, 25.0)
    second = world.cycle()
    runs = len(world.client.get("/api/history").json())
    r = world.client.post(f"/api/history/{second}/revert", json={"dry_run": True})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["total"] == 1 and plan["actions"][0]["target"]["name"] == "Gate"
    assert plan["actions"][0]["recorder"] == "Recorder S1" and plan["actions"][0]["values"] == {
        "RecordingFramerate": 12.0}
    assert target_fps(world.session) == 25.0 and len(world.client.get("/api/history").json()) == runs
    assert world.client.get("/api/status").json()["paused"] is None


def test_revert_runs_links_its_report_pauses_scheduling_and_resume_lifts_it(world: World) -> None:
    world.cycle()
    set_gate_fps(world.session, 25.0)
    second = world.cycle()
    r = world.client.post(f"/api/history/{second}/revert", json={})
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["reverting"] == second and started["report"] == f"/api/history/{started['run_id']}"
    report = world.finished(started["run_id"])
    assert report["trigger"] == "revert" and report["status"] == "ok" and report["applied"] == {"update": 1}
    assert report["writes"][0]["before"] == {"RecordingFramerate": 25.0}
    assert report["writes"][0]["after"] == {"RecordingFramerate": 12.0}
    assert target_fps(world.session) == 12.0
    status = world.client.get("/api/status").json()
    assert status["state"] == "paused" and status["paused"]["by"] == REVERT
    assert f"cycle {second} was reverted" in status["paused"]["reason"] and status["paused"]["since"]
    resumed = world.client.post("/api/schedule/resume")
    assert resumed.status_code == 200 and resumed.json()["resumed"] is True
    assert resumed.json()["was"]["by"] == REVERT
    assert world.client.get("/api/status").json()["paused"] is None
    again = world.client.post("/api/schedule/resume").json()
    assert again["resumed"] is False and again["was"] is None


def test_later_cycles_refuse_naming_them_until_forced(world: World) -> None:
    first = world.cycle()
    set_gate_fps(world.session, 25.0)
    second = world.cycle()
    r = world.client.post(f"/api/history/{first}/revert", json={})
    assert r.status_code == 409
    body = r.json()
    assert body["later_cycles"] == [{"run_id": second, "items": ["Gate"]}]
    assert f"cycle {second}: Gate" in body["message"] and '"force": true' in body["message"]
    assert "--force" not in body["message"] and target_fps(world.session) == 25.0
    assert world.client.get("/api/status").json()["paused"] is None  # refused: nothing written, nothing paused
    dry = world.client.post(f"/api/history/{first}/revert", json={"dry_run": True, "force": True}).json()
    assert any("forced over later cycles" in n for n in dry["notes"])
    assert {a["kind"] for a in dry["actions"]} == {"update", "delete"}
    forced = world.client.post(f"/api/history/{first}/revert", json={"force": True})
    assert forced.status_code == 202
    report = world.finished(forced.json()["run_id"])
    assert report["status"] == "ok" and report["applied"] == {"update": 1, "delete": 1}
    assert target_fps(world.session) == 5.0
    assert [h.name for h in world.session.recorders_by_id["rec-S1"].hardware] == ["Axis Gate"]


def test_a_revert_of_a_delete_maps_old_ids_to_re_created_ones(world: World) -> None:
    world.cycle()
    p1 = world.session.recorders_by_id["rec-P1"]
    p1.hardware = [h for h in p1.hardware if h.name != "Axis Dock"]
    gone = next(h for h in world.session.recorders_by_id["rec-S1"].hardware if h.name == "Axis Dock")
    deleted = world.cycle()
    writes = world.client.get(f"/api/history/{deleted}").json()["writes"]
    delete = next(w for w in writes if w["what"] == "delete")
    assert delete["before"]["hardware"] == "Axis Dock" and delete["after"] == {"hardware": "removed"}
    r = world.client.post(f"/api/history/{deleted}/revert", json={})
    assert r.status_code == 202, r.text
    report = world.finished(r.json()["run_id"])
    assert report["status"] == "ok", report["failures"]
    back = next(h for h in world.session.recorders_by_id["rec-S1"].hardware if h.name == "Axis Dock")
    assert report["recreated"][gone.id] == back.id and back.id != gone.id


@pytest.mark.parametrize("body,status,words", [
    ({}, 404, "no cycle with id 999"),
    ({"dry_run": True}, 404, "no cycle with id 999"),
])
def test_unknown_cycle_is_404(world: World, body: dict[str, Any], status: int, words: str) -> None:
    r = world.client.post("/api/history/999/revert", json=body)
    assert r.status_code == status and words in r.json()["message"] and "Traceback" not in r.text


def test_a_cycle_without_writes_is_not_revertible(world: World) -> None:
    world.cycle()
    quiet = world.cycle()  # in step: no writes
    r = world.client.post(f"/api/history/{quiet}/revert", json={"dry_run": True})
    assert r.status_code == 409 and "nothing to revert" in r.json()["message"]


def test_bad_requests_get_one_clear_answer(world: World) -> None:
    run_id = world.cycle()
    r = world.client.post(f"/api/history/{run_id}/revert", json={"forse": True})
    assert r.status_code == 422 and any("forse" in p for p in r.json()["problems"])
    r = world.client.post("/api/history/seven/revert", json={})
    assert r.status_code == 422 and "Traceback" not in r.text
    del world.client.headers["Authorization"]
    assert world.client.post(f"/api/history/{run_id}/revert", json={}).status_code == 401
    assert world.client.post("/api/schedule/resume").status_code == 401
    world.client.post("/login", data={"token": TOKEN})
    r = world.client.post(f"/api/history/{run_id}/revert", json={"dry_run": True})
    assert r.status_code == 403 and "CSRF" in r.json()["message"]
    assert world.client.post("/api/schedule/resume").status_code == 403


def test_revert_while_a_cycle_runs_is_409(world: World) -> None:
    first = world.cycle()
    world.cycles.hold.clear()
    assert world.client.post("/api/run-now").status_code == 202
    wait_for(lambda: world.client.get("/api/status").json()["state"] == "processing", "the cycle to run")
    for body in ({}, {"dry_run": True}):
        r = world.client.post(f"/api/history/{first}/revert", json=body)
        assert r.status_code == 409 and "a cycle has been running since" in r.json()["message"]
        assert "then revert" in r.json()["message"]
    r = world.client.post(f"/api/history/{first + 1}/revert", json={"dry_run": True})  # the running one itself
    assert r.status_code == 409 and f"cycle {first + 1} is still running" in r.json()["message"]
    world.cycles.hold.set()


def test_a_tripped_guard_pauses_and_a_run_past_the_guard_lifts_it(world: World) -> None:
    world.cycle()
    world.session.recorders_by_id["rec-P1"].hardware.clear()  # P1 reads as empty: the guard always trips
    store = world.app.store()
    with pytest.raises(GuardTripped):
        run_one(store, world.app.recorded_cycle(), trigger="schedule", notes=[], stop_event=threading.Event(),
                clock=world.app.clock, tz=world.app.tz)
    status = world.client.get("/api/status").json()
    assert status["state"] == "paused" and status["paused"]["by"] == GUARD
    assert status["paused"]["override_resumes"] is True and "delete guard" in status["paused"]["reason"]
    # A plain run now trips the guard again and leaves the pause alone.
    world.client.post("/api/run-now")
    wait_for(lambda: (last := world.client.get("/api/status").json()["last_cycle"]) and last["status"] == "guard"
             and last["trigger"] == "run-now", "the guarded run")
    assert world.client.get("/api/status").json()["paused"]["by"] == GUARD
    r = world.client.post("/api/run-now", json={"allow_mass_delete": True})
    assert r.status_code == 202 and "delete guard overridden" in r.json()["message"]
    wait_for(lambda: world.client.get("/api/status").json()["paused"] is None, "the pause to lift")
    assert world.cycles.overrides[-1] is True
    assert world.session.recorders_by_id["rec-S1"].hardware == []


def test_a_revert_pause_is_not_lifted_by_a_run_past_the_guard(world: World) -> None:
    world.cycle()
    pause_store(world.app.store(), "cycle 1 was reverted", REVERT)
    world.client.post("/api/run-now", json={"allow_mass_delete": True})
    wait_for(lambda: len(world.cycles.overrides) == 2 and world.app.store().current_cycle() is None, "the run")
    assert world.client.get("/api/status").json()["paused"]["by"] == REVERT


def test_openapi_lists_revert_and_resume(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/history/{run_id}/revert"] and "post" in paths["/api/schedule/resume"]


def test_no_secret_in_any_new_answer_or_page(world: World) -> None:
    """The secrets sweep over the journal, revert and resume answers and pages (a revert of a delete included)."""
    world.cycle()
    p1 = world.session.recorders_by_id["rec-P1"]
    p1.hardware = [h for h in p1.hardware if h.name != "Axis Dock"]
    deleted = world.cycle()
    seen: list[str] = []
    c = world.client
    seen.append(c.post(f"/api/history/{deleted}/revert", json={"dry_run": True}).text)
    started = c.post(f"/api/history/{deleted}/revert", json={})
    seen.append(started.text)
    revert_id = started.json()["run_id"]
    world.finished(revert_id)
    for path in (f"/api/history/{deleted}", f"/api/history/{revert_id}", "/api/status", "/api/history"):
        seen.append(c.get(path).text)
    seen.append(c.post(f"/api/history/{deleted}/revert", json={}).text)  # refused: a later cycle touched it
    seen.append(c.post("/api/schedule/resume").text)
    del c.headers["Authorization"]
    c.post("/login", data={"token": TOKEN})
    for path in (f"/history/{deleted}", f"/history/{revert_id}", f"/history/{deleted}/revert",
                 f"/history/{revert_id}/revert", "/status-panel", "/"):
        seen.append(c.get(path).text)
    text = "\n".join(seen)
    assert "Axis Dock" in text and "re-created" in text.lower()
    for secret in [*SECRETS, TOKEN]:
        assert secret not in text, f"{secret[:6]}... appears in an answer or a page"


def test_a_paused_schedule_reads_as_paused_not_due(world: World) -> None:
    """Before, `GET /api/status` said "due now" for a paused schedule that `smartsync status` called paused."""
    world.app.schedule_enable("10m", start_now=True)
    pause_store(world.app.store(), "the delete guard stopped the scheduled cycle: 3 of 3", GUARD)
    status = world.client.get("/api/status").json()
    assert status["state"] == "paused" and status["text"].startswith("scheduling paused since ")
    assert status["reason"] == "the delete guard stopped the scheduled cycle: 3 of 3"
    assert status["paused"]["scheduling_enabled"] is True


def test_a_site_wide_delete_reads_as_its_kind_on_its_site() -> None:
    """A device group SmartSync made and deleted has no recorder and is no hardware: the journal says so."""
    from bridge.app import journal_rows

    entry = {"seq": 4, "state": "done", "before": {"members": ["t1-c1"]},
             "action": {"kind": "delete", "category": "groups", "values": {"remove_members": ["t1-c1"]},
                        "target": {"site": "ms-primary", "recorder_id": "", "item_id": "/DR/Old",
                                   "item_kind": "device group", "name": "/DR/Old"}}}
    (row,) = journal_rows([entry])
    assert row["item"] == "device group /DR/Old" and row["recorder"] == "ms-primary"
    assert row["before"] == {"members": ["t1-c1"]}
    assert row["after"] == {"device group": "removed", "cameras taken out first": 1}
