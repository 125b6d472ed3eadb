"""The one rule for credential-looking setting keys: which keys, and every output of an action masks them."""

from __future__ import annotations

from bridge.edits import TargetEdit
from bridge.model import Action, ActionKind, Plan, Ref
from bridge.secret_keys import MASK, is_secret_key, mask_secret_values


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
