"""The one rule for credential-looking setting keys: which keys, and every output of an action masks them."""

from __future__ import annotations

import json
from pathlib import Path

from bridge import logs
from bridge.edits import TargetEdit
from bridge.engine import run_cycle
from bridge.model import Action, ActionKind, Plan, Ref
from bridge.secret_keys import MASK, is_secret_key, mask_secret_values
from tests.unit.test_revert import world


def test_credential_looking_keys() -> None:
    for key in ("RtspPwd", "password", "Passwd", "ClientSecret", "AccessToken", "ApiKey", "api_key", "SNMPPassPhrase"):
        assert is_secret_key(key), key
    for key in ("HTTPSEnabled", "Name", "FPS", "Codec", "UserName", 3):
        assert not is_secret_key(key), key


def test_values_under_secret_keys_are_masked_at_any_depth() -> None:
    value = {"RtspPwd": "s3cr3t-a", "Streams": [{"StreamToken": 42, "FPS": "15"}], "ApiKey": "",
             "TokenAuth": True, "Secrets": {"Inner": "kept-structure"}}
    assert mask_secret_values(value) == {"RtspPwd": MASK, "Streams": [{"StreamToken": MASK, "FPS": "15"}],
                                         "ApiKey": "", "TokenAuth": True, "Secrets": {"Inner": "kept-structure"}}
    assert value["RtspPwd"] == "s3cr3t-a", "the action itself keeps the value: it is written to the target"


def test_an_action_as_json_masks_credentials_in_values_and_before() -> None:
    hw = Ref("site", "rec", "hw-1", "hardware", "Axis")
    action = Action(ActionKind.UPDATE, hw, "driver settings differ", category="driver_settings",
                    values={"RtspPwd": "new-Rtsp-91ab", "HTTPSEnabled": "yes"}, before={"RtspPwd": "old-Rtsp-27cd"})
    shown = action.to_json()
    assert shown["values"] == {"RtspPwd": MASK, "HTTPSEnabled": "yes"} and shown["before"] == {"RtspPwd": MASK}
    assert "new-Rtsp-91ab" not in str(Plan(actions=[action]).to_json())
    assert action.values["RtspPwd"] == "new-Rtsp-91ab"
    edit = TargetEdit(action, ["RtspPwd"], {"RtspPwd": "new-Rtsp-91ab"}, {"RtspPwd": "hand-Rtsp-55ef"}, "kept")
    assert "Rtsp-" not in str(edit.to_json())


def test_a_refusal_quoting_a_credential_setting_shows_it_masked(tmp_path: Path) -> None:
    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)
    source = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h1")
    source.settings["driver_settings"]["ApiKey"] = "Key-Refused-3c8e0d71"
    session.refuse["t1"] = "value 'Key-Refused-3c8e0d71' of ApiKey is not accepted by the device"
    logs.setup_logging(tmp_path / "logs", detailed=True)
    try:
        cycle = run_cycle(settings, store, session=session)
    finally:
        logs.setup_logging(None)
    assert cycle.failures and "of ApiKey is not accepted" in cycle.failures[0].error
    text = json.dumps(store.runs()[0].report) + "".join(p.read_text() for p in (tmp_path / "logs").rglob("*.log"))
    assert "not accepted" in text and "Key-Refused-3c8e0d71" not in text
