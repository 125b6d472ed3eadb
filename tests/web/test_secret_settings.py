"""A driver setting holding a credential is shown masked on the plan page, in `/api/plan` and in stored reports."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient

from bridge import logs
from bridge.app import AppService
from bridge.model import Action, ActionKind, Plan, Ref
from bridge.settings import load_settings
from bridge.store import Store
from bridge.web import create_app
from tests.web.fakeworld import ENV, RECORDERS, TOKEN, FakeCycles, FakeSession, write_config

RTSP_NEW, RTSP_OLD, API_KEY = "Rtsp-New-4f1d9c0b", "Rtsp-Old-8e27a5d3", "Key-Web-61c0e9f2"


def _action() -> Action:
    hw = Ref("ms-primary", "rec-S1", "hw-1", "hardware", "Axis 1")
    return Action(ActionKind.UPDATE, hw, "hardware 'Axis 1': driver settings differs from source (RtspPwd, ApiKey)",
                  category="driver_settings", values={"RtspPwd": RTSP_NEW, "ApiKey": API_KEY, "HTTPSEnabled": "yes"},
                  before={"RtspPwd": RTSP_OLD, "HTTPSEnabled": "no"})


def _dry_run(settings: Any, store: Store, check_passwords: bool) -> Any:
    return SimpleNamespace(plan=Plan(actions=[_action()]), notes=[], recorder_names={r.id: r.name for r in RECORDERS})


def test_plan_page_api_and_history_show_credential_settings_masked(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    service = AppService(lambda: load_settings(path, env=ENV), config_path=path, cycle_factory=FakeCycles(),
                         connect=lambda settings: FakeSession(), dry_run=_dry_run, env=ENV)
    store = service.store()
    run_id = store.begin_cycle("manual")
    store.finish_cycle(run_id, "ok", {"applied": {"update": 1}, "applied_actions": [_action().to_json()]})
    try:
        with TestClient(create_app(service, token=TOKEN), base_url="http://127.0.0.1") as client:
            client.headers["Authorization"] = f"Bearer {TOKEN}"
            plan = client.get("/api/plan").json()
            history = client.get(f"/api/history/{run_id}").text
            del client.headers["Authorization"]
            client.post("/login", data={"token": TOKEN})
            pages = client.get("/plan").text + client.get(f"/history/{run_id}").text
    finally:
        logs.setup_logging(None)
    shown = plan["recorders"][0]["categories"][0]["actions"][0]
    assert shown["values"] == {"RtspPwd": "***", "ApiKey": "***", "HTTPSEnabled": "yes"}
    assert shown["before"] == {"RtspPwd": "***", "HTTPSEnabled": "no"}
    assert "Axis 1" in pages and "RtspPwd" in history
    for secret in (RTSP_NEW, RTSP_OLD, API_KEY):
        assert secret not in str(plan) + history + pages
