"""The server-rendered pages: what a signed-in administrator sees, and the CSRF rule on every form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bridge.app import AppService
from tests.web.fakeworld import TOKEN


@pytest.fixture
def browser(client: TestClient) -> tuple[TestClient, str]:
    """A client signed in through the page (cookie), and its CSRF token."""
    del client.headers["Authorization"]
    client.post("/login", data={"token": TOKEN})
    csrf = client.get("/").text.split('name="csrf" content="')[1].split('"')[0]
    return client, csrf


def test_blocks_in_product_order_and_no_secret(browser: tuple[TestClient, str]) -> None:
    client, _ = browser
    html = client.get("/").text
    ids = ["block-direction", "block-architecture", "block-labels", "block-mode", "block-links", "block-storage",
           "block-selection", "block-lifecycle", "block-sync"]
    positions = [html.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    assert html.index('id="save"') < html.index('id="block-direction"')  # Save at the top
    assert 'id="scheduling-switch"' in html and "pw-of-primary" not in html and TOKEN not in html


@pytest.mark.parametrize("path", ["/", "/run-now", "/log/clear", "/logout"])
def test_forms_without_csrf_are_refused(browser: tuple[TestClient, str], path: str) -> None:
    client, _ = browser
    r = client.post(path, data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text


def test_save_form_start_later_in_the_past_saves_nothing(browser: tuple[TestClient, str],
                                                        app_service: AppService) -> None:
    client, csrf = browser
    before = app_service.config_path().read_text()
    version = client.get("/api/config").json()["version"]
    form = {"csrf": csrf, "version": version, "direction": "backup", "architecture": "single-site", "mode": "auto",
            "labels_primary": "Recorder P1\nRecorder P2", "labels_secondary": "Recorder S1\nRecorder S2",
            "links": "Recorder P1 -> Recorder S1\nRecorder P2 -> Recorder S2", "selection": "all",
            "lifecycle_add": "on", "lifecycle_move": "on", "lifecycle_delete": "on",
            "sched_enabled": "on", "sched_dirty": "1", "sched_number": "10", "sched_unit": "m",
            "sched_start": "later", "sched_start_at": "2026-01-05T09:30"}
    r = client.post("/", data=form)
    assert r.status_code == 400 and "is in the past" in r.text
    assert app_service.config_path().read_text() == before and app_service.store().schedule().enabled is False
    r = client.post("/", data=form | {"sched_start_at": "2026-01-05T12:30"}, follow_redirects=True)
    assert r.status_code == 200 and "Scheduling on: every 10m" in r.text
    assert "idle until 12:30:00 (in 2 h 30 min)" in r.text
    saved = app_service.config_path().read_text()
    assert "move = true" in saved and "storage_links" not in saved  # the form emptied the storage links


def test_plan_page_grouped_by_recorder_and_category(browser: tuple[TestClient, str], client: TestClient) -> None:
    page, _ = browser
    html = page.get("/plan").text
    assert "Recorder S1 <small" in html and "once added, its devices get the source" in html
    assert "ambiguous" in html
    doc = client.get("/api/plan", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert doc["recorders"][0]["recorder"] == "Recorder S1"
    cats = [c["category"] for c in doc["recorders"][0]["categories"]]
    assert cats == ["add", "general", "streams"] and doc["total"] == 3


def test_history_page_and_missing_report(browser: tuple[TestClient, str], app_service: AppService) -> None:
    client, _ = browser
    assert "No cycles yet" in client.get("/history").text
    app_service.run_now()
    html = client.get("/history").text
    assert "<svg" in html and 'href="/history/1"' in html
    report = client.get("/history/1").text
    assert "Door" in report and "Stream FPS 15 is not supported by the device" in report
    assert "<td>Recorder S1</td>" in report  # the recorder by name, not by id
    assert client.get("/history/42").status_code == 404


def test_a_large_report_is_shown_a_page_at_a_time(browser: tuple[TestClient, str], app_service: AppService) -> None:
    from tests.web.fakeworld import actions

    client, _ = browser
    store = app_service.store()
    one = actions()[1].to_json()
    run_id = store.begin_cycle("schedule")
    store.finish_cycle(run_id, "ok", {"applied": {"update": 1200}, "applied_actions": [one] * 1200})
    first = client.get(f"/history/{run_id}").text
    assert "Actions 1&ndash;500 of 1200" in first and 'href="?start=500"' in first
    def rows(html: str) -> int:
        return html.split('id="applied"')[1].split('id="failures"')[0].count("<td>update general</td>")

    assert rows(first) == 500
    last = client.get(f"/history/{run_id}?start=1000").text
    assert "Actions 1001&ndash;1200 of 1200" in last and rows(last) == 200
    assert len(client.get(f"/api/history/{run_id}").json()["applied_actions"]) == 1200


def _config_form(client: TestClient, csrf: str, **extra: str) -> dict[str, str]:
    return {"csrf": csrf, "version": client.get("/api/config").json()["version"], "direction": "backup",
            "architecture": "single-site", "mode": "auto",
            "labels_primary": "Recorder P1\nRecorder P2", "labels_secondary": "Recorder S1\nRecorder S2",
            "links": "Recorder P1 -> Recorder S1\nRecorder P2 -> Recorder S2", "selection": "all",
            "lifecycle_add": "on", "lifecycle_delete": "on"} | extra


def test_the_page_switches_roles_on_and_names_them_with_config_checks_refusals(
        browser: tuple[TestClient, str], app_service: AppService) -> None:
    client, csrf = browser
    html = client.get("/").text
    assert 'name="sync_roles"' in html and '<textarea name="sync_role_names"' in html
    before = app_service.config_path().read_text()
    # Single-site: both sides share the one management server's roles, so nothing would be copied.
    r = client.post("/", data=_config_form(client, csrf, sync_roles="on", sync_role_names="Operators"))
    assert r.status_code == 422 and "in single-site both sides share the one server" in r.text
    assert app_service.config_path().read_text() == before
    # Two management servers: a name no source role has is named, with how to fix it; nothing written.
    r = client.post("/", data=_config_form(client, csrf, architecture="federated", sync_roles="on",
                                           sync_role_names="Operators\nOpertors"))
    assert r.status_code == 422, r.text
    assert "no role named &#39;Opertors&#39; on the source side" in r.text
    assert "&#39;Operators&#39; on the source" not in r.text
    assert app_service.config_path().read_text() == before
    r = client.post("/", data=_config_form(client, csrf, architecture="federated", sync_roles="on",
                                           sync_role_names="Operators\nNight\n"), follow_redirects=True)
    assert r.status_code == 200 and "Configuration saved." in r.text, r.text
    saved = app_service.config_path().read_text()
    assert 'role_names = ["Operators", "Night"]' in saved and "roles = true" in saved
    assert ">Operators\nNight</textarea>" in client.get("/").text
    assert client.get("/api/config").json()["config"]["sync"]["role_names"] == ["Operators", "Night"]


def test_save_shows_the_warnings_config_check_prints(tmp_path, cycles) -> None:  # type: ignore[no-untyped-def]
    # A password too short to mask inside other text works, but `config check` warns; so must Save.
    from bridge.settings import load_settings
    from bridge.web import create_app
    from tests.web.fakeworld import FakeSession, dry_run, write_config

    path = write_config(tmp_path)
    env = {"SMARTSYNC_PASSWORD_PRIMARY": "abc12"}
    service = AppService(lambda: load_settings(path, env=env), config_path=path, cycle_factory=cycles,
                         connect=lambda settings: FakeSession(), dry_run=dry_run, env=env)
    with TestClient(create_app(service, token=TOKEN), base_url="http://127.0.0.1") as client:
        client.post("/login", data={"token": TOKEN})
        csrf = client.get("/").text.split('name="csrf" content="')[1].split('"')[0]
        version = client.get("/api/config", headers={"Authorization": f"Bearer {TOKEN}"}).json()["version"]
        form = {"csrf": csrf, "version": version, "direction": "backup", "architecture": "single-site",
                "mode": "auto", "labels_primary": "Recorder P1\nRecorder P2",
                "labels_secondary": "Recorder S1\nRecorder S2",
                "links": "Recorder P1 -> Recorder S1\nRecorder P2 -> Recorder S2", "selection": "all"}
        saved = client.post("/", data=form, follow_redirects=True)
        assert saved.status_code == 200 and "Configuration saved." in saved.text
        assert "flash-warn" in saved.text
        assert "Warning: sites[0]: the password of admin on http://ms-primary/" in saved.text
        assert "shorter than 8 characters" in saved.text and "abc12" not in saved.text

        refused = client.post("/", data=form | {"links": "Recorder P1 Recorder S1"})
        assert refused.status_code == 422 and 'id="warnings"' in refused.text
        assert "shorter than 8 characters" in refused.text

        checked = client.post("/api/config/validate", headers={"Authorization": f"Bearer {TOKEN}"},
                              json={"direction": "backup"})
        assert any("shorter than 8 characters" in w for w in checked.json()["warnings"]), checked.json()


def test_a_mistyped_page_address_gets_a_page_not_json(browser: tuple[TestClient, str]) -> None:
    client, _ = browser
    bad_id = client.get("/history/abc")
    assert bad_id.status_code == 422 and bad_id.headers["content-type"].startswith("text/html")
    assert "path.run_id" in bad_id.text and "Back to the Redundancy Configuration" in bad_id.text
    missing = client.get("/histroy")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "No such page" in missing.text and "/history" in missing.text
    api = client.get("/api/histroy")
    assert api.status_code == 404 and api.json()["message"].startswith("no such page or endpoint")

def test_a_report_lists_the_writes_it_finished_from_the_journal(browser: tuple[TestClient, str],
                                                                 app_service: AppService) -> None:
    client, _ = browser
    store = app_service.store()
    run_id = store.begin_cycle("schedule")
    resumed = [{"run_id": 7, "seq": 3, "kind": "add", "category": "", "item": "Gate", "state": "done",
                "found": "the add reached the VMS: hardware 'Gate' (10.0.1.2) is on 'Recorder S1'", "left": False},
               {"run_id": 7, "seq": 4, "kind": "add", "category": "", "item": "Dock", "state": "unknown",
                "found": "2 hardware at 10.0.1.3 on 'Recorder S1' and none paired", "left": True}]
    store.finish_cycle(run_id, "ok", {"applied": {}, "resumed": resumed})
    html = client.get(f"/history/{run_id}").text
    section = html.split('id="resumed"')[1]
    assert "Finished from the journal (2)" in section and 'href="/history/7"' in section
    assert "hardware &#39;Gate&#39; (10.0.1.2) is on" in section and "left for an administrator" in section
    assert client.get(f"/api/history/{run_id}").json()["resumed"] == resumed



def test_a_cut_writes_row_in_the_journal_says_what_the_cycle_that_settled_it_found(
        browser: tuple[TestClient, str], app_service: AppService) -> None:
    client, _ = browser
    store = app_service.store()
    run_id = store.begin_cycle("schedule")
    entry = store.journal_begin(run_id, 1, {"kind": "add", "target": {"site": "ms-main", "recorder_id": "s1",
                                                                      "name": "Gate"},
                                            "values": {"address": "http://10.0.1.2/", "name": "Gate"}}, None)
    store.journal_end(entry, "unknown", error="lost the connection")
    store.finish_cycle(run_id, "error", {"applied": {}})
    store.journal_settle(entry, run_id + 1, "done", "resumed by run 99: the add reached the VMS")
    html = client.get(f"/history/{run_id}").text.split('id="journal"')[1]
    assert '<div class="resumed">resumed by run 99: the add reached the VMS</div>' in html
