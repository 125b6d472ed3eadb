"""bridge.sdk.configapi without .NET: the raw-method flow, final states, back-off, clean-up, replace keys."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bridge.errors import VmsError
from bridge.sdk import configapi


def prop(key: str, value: str) -> SimpleNamespace:
    return SimpleNamespace(Key=key, Value=value)


class Service:
    """Stands in for IConfigurationService: a hardware, its invoke item, a task walking through `states`."""

    def __init__(self, states: list[str], result: dict[str, str] | None = None) -> None:
        self.states = list(states)
        self.result = result or {}
        self.calls: list[str] = []
        self.sent: dict[str, str] = {}

    def _task(self) -> SimpleNamespace:
        state = self.states[0]
        text = "it broke" if state == "Error" else ""
        props = [prop("State", state), prop("Progress", "50"), prop("ErrorText", text)]
        if state in configapi.FINAL_STATES:
            props += [prop(k, v) for k, v in self.result.items()]
        return SimpleNamespace(Path="Task[7]", ItemType="Task", Properties=props, MethodIds=["TaskCleanup"])

    def GetItem(self, path: str) -> Any:  # noqa: N802 - the .NET contract's name
        self.calls.append(f"GetItem {path}")
        if path.startswith("Task["):
            if len(self.states) > 1:
                self.states.pop(0)
            return self._task()
        return SimpleNamespace(Path=path, ItemType="Hardware", Properties=[], MethodIds=["ReplaceHardware"])

    def InvokeMethod(self, item: Any, method: str) -> Any:  # noqa: N802 - the .NET contract's name
        self.calls.append(f"InvokeMethod {item.ItemType} {method}")
        if item.ItemType == "Hardware":
            return SimpleNamespace(Path=item.Path, ItemType="InvokeInfo", MethodIds=[method],
                                   Properties=[prop(k, "") for k in ("Address", "Port", "Password")])
        if item.ItemType == "InvokeInfo":
            self.sent = configapi.values_of(item)
            return self._task()
        return SimpleNamespace(Path=item.Path, ItemType="Task", Properties=[], MethodIds=[])


def site_with(service: Service) -> SimpleNamespace:
    return SimpleNamespace(info=SimpleNamespace(host="ms-x", uri="https://ms-x/"), config_api=service)


def run(service: Service, timeout: float = 60.0) -> tuple[dict[str, str], list[float]]:
    slept: list[float] = []
    out = configapi.invoke(SimpleNamespace(fake_config_api=None), site_with(service), "Hardware[h]",
                           "ReplaceHardware", {"Address": "10.0.0.9", "Port": "80", "Password": "pw"},
                           "Replacing hardware h", timeout, sleep=slept.append)
    return out, slept


@pytest.mark.parametrize("final", ["Success", "Completed"])
def test_any_state_but_a_final_one_is_polled_and_the_task_is_cleaned_up(final: str) -> None:
    service = Service(["InProgress", "Idle", "Queued", final], {"HardwareId": "h"})
    out, slept = run(service)
    assert out["State"] == final and out["HardwareId"] == "h"
    assert service.sent == {"Address": "10.0.0.9", "Port": "80", "Password": "pw"}
    assert len(slept) == 3 and slept == sorted(slept), "polls back off"
    assert service.calls[-1] == "InvokeMethod Task TaskCleanup"


def test_an_error_ends_polling_with_the_vms_text_after_clean_up() -> None:
    service = Service(["InProgress", "Error"])
    with pytest.raises(VmsError, match="it broke"):
        run(service)
    assert service.calls[-1] == "InvokeMethod Task TaskCleanup"


def test_a_task_that_never_ends_stops_at_the_timeout() -> None:
    service = Service(["InProgress"])
    with pytest.raises(VmsError, match="did not finish within 0 s"):
        run(service, timeout=0.0)


def test_a_key_the_server_does_not_offer_is_not_sent() -> None:
    service = Service(["Success"])
    with pytest.raises(VmsError, match="has no Colour"):
        configapi.invoke(SimpleNamespace(fake_config_api=None), site_with(service), "Hardware[h]",
                         "ReplaceHardware", {"Colour": "red"}, "Replacing", 5.0, sleep=lambda _: None)
    assert not any("InvokeInfo" in c for c in service.calls)


def test_replace_keys_split_the_address_as_the_server_wants() -> None:
    assert configapi.replace_values("https://cam.example:8443/", 806, "root", "pw") == {
        "Address": "cam.example", "Port": "80", "UseHttps": "True", "HttpsPort": "8443", "UserName": "root",
        "Password": "pw", "Driver": "806", "CustomDriverData": "", "AllowDeletingDisabledDevices": "False"}
    plain = configapi.replace_values("http://10.0.0.7:8080/", 5000, "u", "p")
    assert (plain["Address"], plain["Port"], plain["UseHttps"], plain["HttpsPort"]) == ("10.0.0.7", "8080", "False",
                                                                                        "443")
