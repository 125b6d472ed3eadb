"""The JSON API, endpoint by endpoint, with the errors a client must be able to act on."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bridge.app import AppService
from bridge.scheduler import ManualClock
from tests.web.fakeworld import TOKEN, FakeCycles


def _wait(predicate, what: str, limit: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


# -- access ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("get", "/api/status"), ("get", "/api/config"), ("put", "/api/schedule"),
                                         ("post", "/api/run-now"), ("delete", "/api/log"), ("get", "/api/history")])
def test_every_endpoint_needs_the_token(client: TestClient, method: str, path: str) -> None:
    del client.headers["Authorization"]
    r = client.request(method, path, json={})
    assert r.status_code == 401
    assert "sign in" in r.json()["message"]
    r = client.request(method, path, json={}, headers={"Authorization": "Bearer not-the-token-at-all"})
    assert r.status_code == 401 and "wrong" in r.json()["message"]
    assert TOKEN not in r.text


def test_session_cookie_needs_csrf_for_changes(client: TestClient) -> None:
    del client.headers["Authorization"]
    r = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert TOKEN not in cookie
    assert client.get("/api/status").status_code == 200  # reading with the session is fine
    r = client.post("/api/run-now")
    assert r.status_code == 403 and "CSRF" in r.json()["message"]
    page = client.get("/").text
    csrf = page.split('name="csrf" content="')[1].split('"')[0]
    assert TOKEN not in page
    r = client.post("/api/run-now", headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = client.post("/api/run-now", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 202


def test_wrong_token_on_the_sign_in_page(client: TestClient) -> None:
    del client.headers["Authorization"]
    r = client.post("/login", data={"token": "guess-guess-guess"}, follow_redirects=False)
    assert r.status_code == 401 and "not the service token" in r.text
    assert "set-cookie" not in r.headers
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    paths = schema["paths"]
    for p in ("/api/status", "/api/config", "/api/config/validate", "/api/schedule", "/api/run-now", "/api/history",
              "/api/history/{run_id}", "/api/plan", "/api/log"):
        assert p in paths
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200


# -- status, schedule, run now --------------------------------------------------------------------------


def test_status_off_by_default(client: TestClient) -> None:
    doc = client.get("/api/status").json()
    assert doc["state"] == "off" and doc["text"] == "scheduling off"
    assert doc["scheduling"]["enabled"] is False and doc["last_cycle"] is None
    assert doc["timezone"] == "Europe/Copenhagen"


def test_schedule_start_later_then_idle_until_that_time(client: TestClient) -> None:
    r = client.put("/api/schedule", json={"interval": "10m", "start": "later", "start_at": "2026-01-05T22:00"})
    assert r.status_code == 200, r.text
    assert r.json()["next_run_at"] == "2026-01-05T21:00:00+00:00"
    doc = client.get("/api/status").json()
    assert doc["state"] == "idle" and doc["text"] == "idle until 22:00:00 (in 12 h)"


@pytest.mark.parametrize("body,words", [
    ({"interval": "0m"}, "interval '0m' is zero"),
    ({"interval": "ten minutes"}, "is not understood"),
    ({"interval": "8d"}, "30s .. 7d"),
    ({"interval": "10m", "start": "later", "start_at": "2026-01-05T09:00"}, "is in the past"),
    ({"interval": "10m", "start": "later"}, "Start Later needs start_at"),
    ({"interval": "10m", "start": "later", "start_at": "tomorrow"}, "not understood"),
])
def test_bad_schedule_is_400_and_changes_nothing(client: TestClient, body: dict[str, str], words: str) -> None:
    r = client.put("/api/schedule", json=body)
    assert r.status_code == 400, r.text
    assert words in r.json()["message"]
    assert client.get("/api/schedule").json()["enabled"] is False


def test_schedule_off(client: TestClient) -> None:
    client.put("/api/schedule", json={"interval": "10m", "start": "now"})
    r = client.put("/api/schedule", json={"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False


def test_run_now_then_status_processing_with_progress_then_409(client: TestClient, cycles: FakeCycles,
                                                               clock: ManualClock) -> None:
    client.put("/api/schedule", json={"interval": "10m", "start": "later", "start_at": "2026-01-05T22:00"})
    cycles.hold.clear()
    assert client.post("/api/run-now").status_code == 202
    _wait(cycles.running.is_set, "the cycle to start")
    _wait(lambda: (client.get("/api/status").json().get("progress") or {}).get("done") == 2, "progress 2 of 3")
    doc = client.get("/api/status").json()
    assert doc["state"] == "processing" and doc["text"] == "processing since 10:00:00"
    assert doc["progress"]["total"] == 3 and doc["progress"]["category"] == "camera"
    lights = {x["name"]: x["state"] for x in doc["progress"]["lights"]}
    assert lights["lifecycle"] == "done" and lights["camera"] == "active" and lights["hardware"] == "waiting"
    r = client.post("/api/run-now")
    assert r.status_code == 409 and "a cycle has been running since 10:00:00" in r.json()["message"]
    cycles.hold.set()
    _wait(lambda: client.get("/api/status").json()["state"] != "processing", "the cycle to end")
    doc = client.get("/api/status").json()
    assert doc["last_cycle"]["status"] == "failed" and doc["progress"] is None
    # A Start Later time ahead is kept after a run-now.
    assert doc["state"] == "idle" and doc["until"] == "2026-01-05T21:00:00+00:00"


def test_start_now_after_a_cycle_idles_from_its_end(client: TestClient, app_service: AppService,
                                                    clock: ManualClock) -> None:
    client.put("/api/schedule", json={"interval": "10m", "start": "later", "start_at": "2026-01-05T22:00"})
    app_service.run_now()
    clock.advance(timedelta(minutes=3))
    r = client.put("/api/schedule", json={"interval": "10m", "start": "keep"})
    assert r.status_code == 200
    # The interval change counts from the last end (10:00) -> 10:10, not from now.
    assert client.get("/api/status").json()["text"] == "idle until 22:00:00 (in 11 h 57 min)"


# -- history and reports --------------------------------------------------------------------------------


def test_history_and_report(client: TestClient, app_service: AppService) -> None:
    app_service.run_now()
    runs = client.get("/api/history").json()
    assert len(runs) == 1 and runs[0]["applied"] == 2 and runs[0]["failed"] == 1 and runs[0]["skipped"] == 1
    report = client.get(f"/api/history/{runs[0]['id']}").json()
    applied = report["applied_actions"]
    assert applied[1]["before"] == {"Name": "Door"} and applied[1]["values"] == {"Name": "Gate"}
    assert applied[1]["target"]["recorder_id"] == "rec-S1"
    assert report["failures"][0]["error"] == "Stream FPS 15 is not supported by the device"
    assert report["skips"][0]["reason"].endswith("ambiguous")
    assert report["per_category"] == {"add": 1, "update general": 1}


def test_report_404_and_bad_limit(client: TestClient) -> None:
    r = client.get("/api/history/999")
    assert r.status_code == 404 and "no cycle with id 999" in r.json()["message"]
    r = client.get("/api/history?limit=0")
    assert r.status_code == 422 and r.json()["problems"]


# -- log ------------------------------------------------------------------------------------------------


def test_log_show_and_clear(client: TestClient, app_service: AppService) -> None:
    from loguru import logger

    from bridge import logs

    logs.setup_logging(app_service.log_dir())
    logger.info("Processing started (test)")
    logger.info("token={}", TOKEN)
    lines = client.get("/api/log?lines=50").json()["lines"]
    assert any("Processing started (test)" in x for x in lines)
    assert not any(TOKEN in x for x in lines)
    assert client.delete("/api/log").status_code == 200
    after = client.get("/api/log").json()["lines"]
    assert len(after) == 1 and after[0].endswith("Log cleared (API)")  # the clearing itself is the first new line


# -- configuration --------------------------------------------------------------------------------------


def test_config_get_in_product_order(client: TestClient) -> None:
    doc = client.get("/api/config").json()
    assert list(doc["config"]) == ["direction", "architecture", "labels", "mode", "links", "camera_map",
                                   "storage_links", "selection", "lifecycle", "sync"]
    assert doc["config"]["links"][0] == {"primary": "Recorder P1", "secondary": "Recorder S1"}
    assert "password" not in doc["config"] and "pw-of-primary" not in str(doc)


def test_config_save_keeps_comments(client: TestClient, app_service: AppService) -> None:
    before = app_service.config_path().read_text()
    doc = client.get("/api/config").json()
    r = client.put("/api/config", json={"version": doc["version"], "config": {"lifecycle": {"move": True}}})
    assert r.status_code == 200, r.text
    after = app_service.config_path().read_text()
    assert "move = true" in after and "move = false" not in after
    assert after.count("#") == before.count("#")
    assert "# Auto mode: each primary recorder links to exactly one secondary." in after
    assert r.json()["recorders_checked"] is True


def test_invalid_config_is_422_with_every_problem_and_file_unchanged(client: TestClient,
                                                                     app_service: AppService) -> None:
    before = app_service.config_path().read_text()
    doc = client.get("/api/config").json()
    bad = {"links": [{"primary": "Recorder P1", "secondary": "Recorder P2"},
                     {"primary": "Recorder P1", "secondary": "Recorder S2"}]}
    r = client.post("/api/config/validate", json=bad)
    assert r.status_code == 422
    r = client.put("/api/config", json={"version": doc["version"], "config": bad})
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert any("links[0].secondary: 'Recorder P2' is labelled primary" in p for p in problems)
    assert any("links[1].primary: 'Recorder P1' is already linked" in p for p in problems)
    assert app_service.config_path().read_text() == before


def test_config_against_the_recorders(client: TestClient) -> None:
    doc = client.get("/api/config").json()
    bad = {"labels": {"primary": ["Recorder P1", "Recorder P9"], "secondary": ["Recorder S1", "Recorder S2"]}}
    r = client.put("/api/config", json={"version": doc["version"], "config": bad})
    assert r.status_code == 422
    assert any("Recorder P9" in p for p in r.json()["problems"])


def test_concurrent_save_second_is_409(client: TestClient, app_service: AppService) -> None:
    loaded = client.get("/api/config").json()["version"]
    first = client.put("/api/config", json={"version": loaded, "config": {"lifecycle": {"move": True}}})
    assert first.status_code == 200
    written = app_service.config_path().read_text()
    second = client.put("/api/config", json={"version": loaded, "config": {"lifecycle": {"replace": True}}})
    assert second.status_code == 409 and "changed since it was loaded" in second.json()["message"]
    assert app_service.config_path().read_text() == written


def test_malformed_body_is_422_listing_fields(client: TestClient) -> None:
    r = client.put("/api/config", json={"version": "x", "config": {"direction": "sideways", "mode": 3}})
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert any(p.startswith("config.direction") for p in problems) and any("config.mode" in p for p in problems)


def test_cycle_picture_from_interval(client: TestClient, app_service: AppService) -> None:
    svg = client.get("/api/cycle-picture.svg?interval=10m").text
    assert "Processing started" in svg and "idle for 10m" in svg and "drawn as 10 minutes" in svg
    app_service.run_now()
    svg = client.get("/api/cycle-picture.svg?interval=1h").text
    assert "idle for 1h" in svg and "Processing took 0s" in svg
    assert "not understood" in client.get("/api/cycle-picture.svg?interval=abc").text


def test_status_waiting_to_log_in_names_the_site_and_reason(client: TestClient, app_service: AppService,
                                                            clock: ManualClock) -> None:
    import os

    store = app_service.store()
    client.put("/api/schedule", json={"interval": "10m", "start": "now"})
    store.set_service_state(pid=os.getpid(), host=store.host, started_at=clock.now(), heartbeat_at=clock.now(),
                            status="waiting to log in: ms-primary refused: the user name or password is wrong",
                            next_login_retry_at=clock.now() + timedelta(seconds=30))
    doc = client.get("/api/status").json()
    assert doc["state"] == "waiting" and doc["service"]["running"] is True
    assert doc["text"] == ("waiting to log in: ms-primary refused: the user name or password is wrong "
                           "(next attempt at 10:00:30)")
    assert doc["reason"] == "ms-primary refused: the user name or password is wrong"


def test_manual_mode_camera_map_is_checked_against_the_cameras(client: TestClient) -> None:
    doc = client.get("/api/config").json()
    manual = {"mode": "manual", "links": [], "camera_map": {"Front door": ["Recorder S1"]}}
    r = client.put("/api/config", json={"version": doc["version"], "config": manual})
    assert r.status_code == 422
    assert any("camera_map.\"Front door\": no camera named 'Front door'" in p for p in r.json()["problems"])


def test_save_when_the_vms_cannot_be_reached_says_so(client: TestClient, app_service: AppService) -> None:
    from bridge.errors import ConnectError

    def refuse(settings: object) -> object:
        raise ConnectError("cannot reach http://ms-primary/", server="ms-primary", cause="connection refused")

    app_service.connect = refuse
    doc = client.get("/api/config").json()
    r = client.put("/api/config", json={"version": doc["version"], "config": {"lifecycle": {"replace": True}}})
    assert r.status_code == 200 and r.json()["recorders_checked"] is False
    assert "cannot connect: cannot reach http://ms-primary/" in r.json()["note"]
    assert "replace = true" in app_service.config_path().read_text()


def test_config_names_roles_with_the_checks_of_config_check(client: TestClient, app_service: AppService) -> None:
    before = app_service.config_path().read_text()
    doc = client.get("/api/config").json()
    assert doc["config"]["sync"]["role_names"] == [] and doc["config"]["sync"]["roles"] is False
    wrong = {"architecture": "federated", "sync": {"roles": True, "role_names": ["Night", "Nigth"]}}
    r = client.put("/api/config", json={"version": doc["version"], "config": wrong})
    assert r.status_code == 422
    assert [p for p in r.json()["problems"] if "role" in p] == [
        "sync.role_names: no role named 'Nigth' on the source side (ms-primary); write the name exactly as the "
        "Management Client shows it, or remove it"]
    r = client.put("/api/config", json={"version": doc["version"], "config": {"sync": {"role_names": "Night"}}})
    assert r.status_code in (400, 422) and "role_names" in r.text
    r = client.put("/api/config", json={"version": doc["version"], "config": {"sync": {"roles": ["Night"]}}})
    assert r.status_code in (400, 422) and "sync.roles: expected true or false" in r.text
    assert app_service.config_path().read_text() == before
    right = {"architecture": "federated", "sync": {"roles": True, "role_names": ["Night"]}}
    r = client.put("/api/config", json={"version": doc["version"], "config": right})
    assert r.status_code == 200, r.text
    assert client.get("/api/config").json()["config"]["sync"]["role_names"] == ["Night"]


def test_a_body_that_is_not_json_is_said_as_such(client: TestClient) -> None:
    # It read "1: JSON decode error": a character position shown as if it were a field.
    r = client.put("/api/config", content=b"{bad", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert problem.startswith("body: not valid JSON at character 1 (") and "send a JSON object" in problem, problem
