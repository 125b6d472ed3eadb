"""Operations the way the real SDK and server do them, through the bridge's Session and the fake.

Replace through the raw Configuration API method, move with a destination
storage and the driver-version refusal, added hardware enabled like its
source, tasks that end Completed, and the hardware list cache cleared
after add, move and delete.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import VmsError
from bridge.model import Action, ActionKind, Ref
from tests.integration.conftest import load_doc, make_settings, save_doc
from tests.integration.worldtools import doc_hardware as _hw
from tests.integration.worldtools import doc_recorder as _rec
from tests.integration.worldtools import driver_name as _driver_name

pytestmark = pytest.mark.dotnet



def _edit(world: Path, host: str, change: Callable[[dict[str, Any]], None]) -> None:
    doc = load_doc(world, host)
    change(doc)
    save_doc(world, host, doc)


def _replace_action(world: Path) -> tuple[Action, dict[str, Any], dict[str, Any]]:
    p1 = _rec(load_doc(world, "ms-primary"), "Recorder P1")
    s1 = _rec(load_doc(world, "ms-secondary"), "Recorder S1")
    target, source = s1["Hardwares"][1], p1["Hardwares"][1]
    action = Action(ActionKind.REPLACE, Ref("ms-secondary", s1["Id"], target["Id"], "hardware", target["Name"]),
                    "replaced", values={"address": "https://10.77.0.1:8443/",
                                        "driver": _driver_name(p1, source["HardwareDriverPath"]),
                                        "user_name": "svc", "source_site": "ms-primary",
                                        "source_hardware_id": source["Id"]})
    return action, target, source


# ---- replace -------------------------------------------------------------------------------------------


def test_replace_goes_through_the_raw_method_and_cleans_up_its_task(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    from FakeMip import ConfigurationApiHost

    session = open_session(make_settings(two_sites, "independent"))
    action, target, source = _replace_action(two_sites)
    result = session.apply(action)
    assert result["hardware_id"] == target["Id"]
    found = _hw(load_doc(two_sites, "ms-secondary"), target["Id"])
    assert found is not None
    rec, hw = found
    driver = next(d for d in rec["HardwareDrivers"] if d["Name"] == action.values["driver"])
    assert (hw["Address"], hw["UserName"], hw["Password"]) == ("https://10.77.0.1:8443/", "svc", source["Password"])
    assert hw["HardwareDriverPath"] == f"HardwareDriver[{driver['Id']}]"
    assert [c["Id"] for c in hw["Cameras"]] == [c["Id"] for c in target["Cameras"]]
    assert ConfigurationApiHost.OpenTasks("ms-secondary") == 0, "the finished task was left on the server"


def test_replace_on_a_server_older_than_2023_r1_is_refused_naming_the_release(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    _edit(two_sites, "ms-secondary", lambda d: d["ManagementServer"].update(Version="22.3.0.100"))
    session = open_session(make_settings(two_sites, "independent"))
    action, _, _ = _replace_action(two_sites)
    before = (two_sites / "ms-secondary.json").read_bytes()
    trips = session.round_trips()
    with pytest.raises(VmsError, match=r"2023 R1 or later; this management server is 2022 R3"):
        session.apply(action)
    assert (two_sites / "ms-secondary.json").read_bytes() == before
    assert session.round_trips() == trips, "nothing is asked of either server"
    notes = session.take_notes()
    assert len(notes) == 1 and "replace hardware needs XProtect 2023 R1" in notes[0]


# ---- move ----------------------------------------------------------------------------------------------


def _move(world: Path, storage_name: str | None) -> tuple[Action, dict[str, Any], dict[str, Any]]:
    p = load_doc(world, "ms-primary")
    p1, p2 = _rec(p, "Recorder P1"), _rec(p, "Recorder P2")
    values: dict[str, Any] = {"to_recorder_id": p2["Id"]}
    if storage_name:
        values["storage_id"] = next(s["Id"] for s in p2["Storages"] if s["Name"] == storage_name)
    moving = p1["Hardwares"][0]
    return Action(ActionKind.MOVE, Ref("ms-primary", p1["Id"], moving["Id"], "hardware", moving["Name"]), "moved",
                  values=values), moving, p2


@pytest.mark.parametrize("storage", [None, "Archive"])
def test_move_records_to_the_mapped_or_default_storage_of_the_destination(
        two_sites: Path, open_session: Callable[..., Any], storage: str | None) -> None:
    session = open_session(make_settings(two_sites, "independent"))
    action, moving, p2 = _move(two_sites, storage)
    session.apply(action)
    found = _hw(load_doc(two_sites, "ms-primary"), moving["Id"])
    assert found is not None and found[0]["Id"] == p2["Id"]
    wanted = next(s for s in p2["Storages"] if (s["Name"] == storage if storage else s["IsDefault"]))
    assert {c["RecordingStorage"] for c in found[1]["Cameras"]} == {f"Storage[{wanted['Id']}]"}


def test_move_between_recorders_with_different_driver_versions_is_refused(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    def older_on_p2(doc: dict[str, Any]) -> None:
        for d in _rec(doc, "Recorder P2")["HardwareDrivers"]:
            d["DriverVersion"] = "12.1.0.0"

    _edit(two_sites, "ms-primary", older_on_p2)
    session = open_session(make_settings(two_sites, "independent"))
    action, moving, _ = _move(two_sites, None)
    before = (two_sites / "ms-primary.json").read_bytes()
    with pytest.raises(VmsError, match="same driver version") as info:
        session.apply(action)
    assert "12.1.0.0" in info.value.message and "Recorder P2" in info.value.message
    assert (two_sites / "ms-primary.json").read_bytes() == before


# ---- add -----------------------------------------------------------------------------------------------


def test_added_hardware_enables_exactly_the_devices_enabled_on_the_source(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    def one_camera_off(doc: dict[str, Any]) -> None:
        hw = _rec(doc, "Recorder P1")["Hardwares"][0]
        hw["Cameras"][1]["Enabled"] = False

    _edit(two_sites, "ms-primary", one_camera_off)
    session = open_session(make_settings(two_sites, "independent"))
    p1 = _rec(load_doc(two_sites, "ms-primary"), "Recorder P1")
    s1 = _rec(load_doc(two_sites, "ms-secondary"), "Recorder S1")
    src = p1["Hardwares"][0]
    assert len(src["Cameras"]) >= 2
    result = session.apply(Action(
        ActionKind.ADD, Ref("ms-secondary", s1["Id"], item_kind="hardware", name="Copy"), "missing",
        source=Ref("ms-primary", p1["Id"], src["Id"], "hardware"),
        values={"address": src["Address"], "driver": _driver_name(p1, src["HardwareDriverPath"]), "name": "Copy",
                "enabled": True, "user_name": src["UserName"], "source_site": "ms-primary",
                "source_hardware_id": src["Id"]}))
    found = _hw(load_doc(two_sites, "ms-secondary"), result["hardware_id"])
    assert found is not None
    hw = found[1]
    assert hw["Enabled"] is True
    by_channel = {c["Channel"]: c["Enabled"] for c in hw["Cameras"]}
    assert by_channel == {c["Channel"]: c["Enabled"] for c in src["Cameras"]}
    assert by_channel[1] is False and by_channel[0] is True
    for kind in ("Microphones", "InputEvents"):
        assert [d["Enabled"] for d in hw[kind]] == [d["Enabled"] for d in src[kind]]


# ---- tasks ---------------------------------------------------------------------------------------------


def test_a_task_that_ends_completed_is_final(two_sites: Path, open_session: Callable[..., Any]) -> None:
    _edit(two_sites, "ms-secondary",
          lambda d: d.setdefault("Faults", {}).update(FinishAs={"DeleteHardware": "Completed"}))
    session = open_session(make_settings(two_sites, "independent"))
    # A short bound, so polling a final state as if it were running fails quickly instead of after 10 minutes.
    session._applier._timeout = 3.0
    s1 = _rec(load_doc(two_sites, "ms-secondary"), "Recorder S1")
    gone = s1["Hardwares"][0]["Id"]
    session.apply(Action(ActionKind.DELETE, Ref("ms-secondary", s1["Id"], gone, "hardware"), "deleted on source"))
    assert _hw(load_doc(two_sites, "ms-secondary"), gone) is None


# ---- caches --------------------------------------------------------------------------------------------


def _listed(session: Any, host: str, recorder_id: str) -> set[str]:
    """The recorder's hardware as the SDK lists it in this process (the lazy path, no FillChildren)."""
    site = session._sites[host]
    rs = session._net.RecordingServer(site.server_id, f"RecordingServer[{recorder_id}]")
    return {str(h.Id) for h in rs.HardwareFolder.Hardwares}


def test_hardware_lists_are_fresh_after_add_move_and_delete(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(two_sites, "independent"))
    p = load_doc(two_sites, "ms-primary")
    p1, p2 = _rec(p, "Recorder P1"), _rec(p, "Recorder P2")
    s1 = _rec(load_doc(two_sites, "ms-secondary"), "Recorder S1")
    before_s1, before_p1, before_p2 = (_listed(session, "ms-secondary", s1["Id"]),
                                       _listed(session, "ms-primary", p1["Id"]),
                                       _listed(session, "ms-primary", p2["Id"]))
    src = p1["Hardwares"][0]
    added = session.apply(Action(
        ActionKind.ADD, Ref("ms-secondary", s1["Id"], item_kind="hardware", name="Copy"), "missing",
        source=Ref("ms-primary", p1["Id"], src["Id"], "hardware"),
        values={"address": src["Address"], "driver": _driver_name(p1, src["HardwareDriverPath"]), "name": "Copy",
                "enabled": True, "user_name": src["UserName"], "source_site": "ms-primary",
                "source_hardware_id": src["Id"]}))["hardware_id"]
    assert _listed(session, "ms-secondary", s1["Id"]) == before_s1 | {added}
    gone = s1["Hardwares"][0]["Id"]
    session.apply(Action(ActionKind.DELETE, Ref("ms-secondary", s1["Id"], gone, "hardware"), "deleted on source"))
    assert _listed(session, "ms-secondary", s1["Id"]) == (before_s1 | {added}) - {gone}
    session.apply(Action(ActionKind.MOVE, Ref("ms-primary", p1["Id"], src["Id"], "hardware"), "moved",
                         values={"to_recorder_id": p2["Id"]}))
    assert _listed(session, "ms-primary", p1["Id"]) == before_p1 - {src["Id"]}
    assert _listed(session, "ms-primary", p2["Id"]) == before_p2 | {src["Id"]}


def test_replace_failing_on_the_server_reports_its_text_and_cleans_up(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    from FakeMip import ConfigurationApiHost

    session = open_session(make_settings(two_sites, "independent"))
    action, target, _ = _replace_action(two_sites)
    _edit(two_sites, "ms-secondary",
          lambda d: d.setdefault("Faults", {}).update(FailTask={"ReplaceHardware": "Device did not answer"}))
    before = _hw(load_doc(two_sites, "ms-secondary"), target["Id"])
    with pytest.raises(VmsError, match="Device did not answer"):
        session.apply(action)
    assert _hw(load_doc(two_sites, "ms-secondary"), target["Id"]) == before
    assert ConfigurationApiHost.OpenTasks("ms-secondary") == 0


def test_a_fault_from_the_service_fails_the_item_with_the_vms_text(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(two_sites, "independent"))
    action, target, _ = _replace_action(two_sites)

    def forget_target(doc: dict[str, Any]) -> None:
        for r in doc["RecordingServers"]:
            r["Hardwares"] = [h for h in r["Hardwares"] if h["Id"] != target["Id"]]

    # Removed behind the bridge's back: the service answers with a WCF fault, which fails this item only.
    _edit(two_sites, "ms-secondary", forget_target)
    with pytest.raises(VmsError, match="was not found") as info:
        session.apply(action)
    assert target["Id"] in info.value.vms_text
