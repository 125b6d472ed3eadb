"""The report, revert and resume pages as a signed-in administrator gets them (no browser): what they say,
and the CSRF and confirmation rules of their forms."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bridge import logs
from bridge.app import AppService
from bridge.errors import GuardTripped
from bridge.pause import GUARD, pause_store
from bridge.service import run_one
from bridge.settings import load_settings
from bridge.web import create_app
from tests.web.fakeworld import TOKEN
from tests.web.memworld import ENV, KeptSession, make_memory_app_service, set_gate_fps, target_fps
from tests.web.test_revert_api import wait_for


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, str, AppService, KeptSession]]:
    app, session, cycles = make_memory_app_service(tmp_path)
    with TestClient(create_app(app, token=TOKEN), base_url="http://127.0.0.1") as client:
        client.post("/login", data={"token": TOKEN})
        csrf = client.get("/").text.split('name="csrf" content="')[1].split('"')[0]
        yield client, csrf, app, session
    cycles.hold.set()
    logs.setup_logging(None)


def test_an_overwritten_edit_on_the_target_is_listed_and_marked_in_the_journal(
        site: tuple[TestClient, str, AppService, KeptSession]) -> None:
    client, _, app, session = site
    app.run_now()  # SmartSync writes 12 fps on the target's Gate
    cam = session.recorders_by_id["rec-S1"].hardware[0].devices[0]
    cam.settings["recording"]["RecordingFramerate"] = 7.0  # a DR operator tunes it by hand; the source stays at 12
    edited = app.run_now()
    assert edited.target_edits and edited.target_edits[0]["handled"] == "overwritten"
    html = client.get(f"/history/{edited.run_id}").text
    edits = html.split('id="edits"')[1].split("</section>")[0]
    assert "camera Gate" in edits and "RecordingFramerate" in edits and "overwritten with the source" in edits
    assert "= 12.0" in edits and "= 7.0" in edits  # what SmartSync wrote, and the edit it met
    journal = html.split('id="journal"')[1].split("</section>")[0]
    assert journal.count("overwrote an edit on the target") == 1


def test_keep_policy_lists_the_edit_as_kept_and_writes_nothing(tmp_path: Path) -> None:
    app, session, _ = make_memory_app_service(tmp_path)
    app.run_now()
    path = app.config_path()
    path.write_text(path.read_text().replace("[sync]\n", '[sync]\ntarget_edits = "keep"\n'))
    app._load = lambda: load_settings(path, env=ENV)  # noqa: SLF001 - the same file, re-read
    session.recorders_by_id["rec-S1"].hardware[0].devices[0].settings["recording"]["RecordingFramerate"] = 7.0
    kept = app.run_now()
    assert target_fps(session) == 7.0
    with TestClient(create_app(app, token=TOKEN), base_url="http://127.0.0.1") as client:
        client.post("/login", data={"token": TOKEN})
        html = client.get(f"/history/{kept.run_id}").text
    assert "kept the target&#39;s value" in html and "overwrote an edit" not in html
    logs.setup_logging(None)


@pytest.mark.parametrize("path", ["/schedule/resume", "/history/1/revert"])
def test_the_new_forms_need_the_csrf_token(site: tuple[TestClient, str, AppService, KeptSession], path: str) -> None:
    client, _, app, _ = site
    app.run_now()
    r = client.post(path, data={"csrf": "forged", "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text


def test_a_revert_needs_its_confirmation(site: tuple[TestClient, str, AppService, KeptSession]) -> None:
    client, csrf, app, session = site
    app.run_now()
    set_gate_fps(session, 25.0)
    second = app.run_now().run_id
    r = client.post(f"/history/{second}/revert", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 400 and "confirm" in r.text and target_fps(session) == 25.0
    r = client.post(f"/history/{second}/revert", data={"csrf": csrf, "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/history/{second + 1}"
    wait_for(lambda: app.store().current_cycle() is None and target_fps(session) == 12.0, "the revert")


def test_unknown_and_unrevertable_cycles_get_one_message(site: tuple[TestClient, str, AppService, KeptSession]) \
        -> None:
    client, csrf, app, _ = site
    r = client.get("/history/999/revert")
    assert r.status_code == 404 and "no cycle with id 999" in r.text and "Traceback" not in r.text
    app.run_now()
    quiet = app.run_now().run_id
    page = client.get(f"/history/{quiet}").text
    assert 'id="revert"' not in page and "No writes." in page  # nothing to revert: no button
    r = client.get(f"/history/{quiet}/revert")
    assert r.status_code == 409 and "nothing to revert" in r.text and 'id="confirm-revert"' not in r.text
    r = client.post(f"/history/{quiet}/revert", data={"csrf": csrf, "confirm": "yes"})
    assert r.status_code == 409 and "The revert did not start" in r.text


def test_a_guard_pause_offers_resume_and_a_run_past_the_guard(
        site: tuple[TestClient, str, AppService, KeptSession]) -> None:
    client, csrf, app, session = site
    app.run_now()
    session.recorders_by_id["rec-P1"].hardware.clear()
    with pytest.raises(GuardTripped):
        run_one(app.store(), app.recorded_cycle(), trigger="schedule", notes=[], stop_event=threading.Event(),
                clock=app.clock, tz=app.tz)
    panel = client.get("/status-panel?back=/history").text
    assert "Scheduling is paused" in panel and "a tripped delete guard" in panel
    assert 'id="resume"' in panel and 'id="run-override"' in panel and 'name="back" value="/history"' in panel
    r = client.post("/run-now", data={"csrf": csrf, "allow_mass_delete": "yes", "back": "/history"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/history"
    wait_for(lambda: app.store().schedule().paused_reason == "", "the guard's pause to lift")
    assert session.recorders_by_id["rec-S1"].hardware == []


def test_resume_from_the_page_and_a_redirect_only_to_this_site(
        site: tuple[TestClient, str, AppService, KeptSession]) -> None:
    client, csrf, app, _ = site
    pause_store(app.store(), "the delete guard stopped the scheduled cycle", GUARD)
    r = client.post("/schedule/resume", data={"csrf": csrf, "back": "https://elsewhere.example/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert app.store().schedule().paused_reason == ""
    html = client.get("/").text
    assert "Scheduling resumed (it was paused: the delete guard stopped the scheduled cycle)" in html
    assert "turn the Scheduling switch on" in html and 'id="paused"' not in html


def test_the_plan_preview_marks_an_update_that_would_overwrite_an_edit(
        site: tuple[TestClient, str, AppService, KeptSession]) -> None:
    client, _, app, session = site
    app.run_now()
    session.recorders_by_id["rec-S1"].hardware[0].devices[0].settings["recording"]["RecordingFramerate"] = 7.0
    html = client.get("/plan").text
    assert html.count("class=\"tag tag-edit\"") == 1 and "overwrites an edit on the target" in html
    edits = html.split('id="plan-edits"')[1].split("</section>")[0]
    assert "camera Gate recording: RecordingFramerate" in edits and "will be overwritten" in edits
    assert target_fps(session) == 7.0  # a preview writes nothing
