"""The in-memory session's writers: what each does and the before-values it answers, as the SDK writers do."""

from __future__ import annotations

import pytest

from bridge.errors import VmsError
from bridge.memory import MemorySession
from bridge.model import Action, ActionKind, Ref, View
from tests.unit.test_plan_builders import SITE, camera, hardware, recorder


def session() -> MemorySession:
    cam = camera("t1-c0")
    cam.settings["recording"]["RecordingFramerate"] = 5.0
    recs = [recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.1.1/", [cam], name="Gate")]),
            recorder("s2", "Recorder S2")]
    views = {SITE: [View("v1", "/Desk/Top", "Wall", description="old", layout="<l/>", items=["<a/>", "<b/>"])]}
    return MemorySession(recs, groups={SITE: {"/DR/All": {"t1-c0"}, "/DR/Empty": set()}},
                         passwords={"t1": "pw"}, views=views)


def cam_ref(item_id: str = "t1-c0") -> Ref:
    return Ref(SITE, "s1", item_id, "camera", "Gate cam")


def test_a_settings_write_answers_the_values_it_overwrote() -> None:
    s = session()
    answer = s.apply(Action(ActionKind.UPDATE, cam_ref(), "r", category="recording",
                            values={"RecordingFramerate": 12.0}))
    assert answer["before"] == {"category": "recording", "values": {"RecordingFramerate": 5.0}}
    storage = s.apply(Action(ActionKind.UPDATE, cam_ref(), "r", category="storage",
                             values={"storage_id": "s1-st1", "storage_name": "Archive"}))
    assert storage["before"] == {"category": "storage", "values": {"storage_name": "30-Day Local", "storage_id": ""}}
    with pytest.raises(VmsError, match="not a storage"):
        s.apply(Action(ActionKind.UPDATE, cam_ref(), "r", category="storage", values={"storage_id": "elsewhere"}))


def test_move_replace_and_delete_answer_the_hardware_as_it_was() -> None:
    s = session()
    hw_ref = Ref(SITE, "s1", "t1", "hardware", "Gate")
    moved = s.apply(Action(ActionKind.MOVE, hw_ref, "r", values={"to_recorder_id": "s2"}))
    assert moved["before"] == {"recorder_id": "s1", "recorder_name": "Recorder S1"}
    replaced = s.apply(Action(ActionKind.REPLACE, hw_ref, "r", values={"address": "http://10.0.9.9/",
                                                                       "driver": "Other"}))
    assert replaced["before"] == {"address": "http://10.0.1.1/", "driver": "AXIS", "user_name": "root"}
    deleted = s.apply(Action(ActionKind.DELETE, hw_ref, "r"))
    assert deleted["before"]["hardware"]["address"] == "http://10.0.9.9/"
    assert deleted["before"]["hardware"]["settings"]["general"]["Name"] == "Gate"
    assert "t1-c0" not in s.groups[SITE]["/DR/All"]


def test_groups_are_joined_and_left_made_when_missing_and_removed_only_when_empty() -> None:
    s = session()
    answer = s.apply(Action(ActionKind.UPDATE, cam_ref(), "r", category="groups",
                            values={"join": ["/New/Inner", "/DR/All"], "leave": ["/DR/Empty"]}))
    assert answer["created_groups"] == ["/New", "/New/Inner"]
    assert answer["before"] == {"category": "groups", "values": {"member_of": ["/DR/All"]}}
    assert s.groups[SITE]["/New/Inner"] == {"t1-c0"}
    gone = s.apply(Action(ActionKind.UPDATE, cam_ref(), "r", category="groups", values={"join": [],
                                                                                        "leave": ["/New/Inner"]}))
    assert gone["before"]["values"]["member_of"] == ["/New/Inner"] and "created_groups" not in gone

    def remove(path: str, members: list[str] | None = None) -> dict[str, object]:
        return s.apply(Action(ActionKind.DELETE, Ref(SITE, "", path, "device_group", path), "r", category="groups",
                              values={"remove_members": members or []}))

    with pytest.raises(VmsError, match="did not put there"):
        remove("/New")  # it still holds /New/Inner
    assert remove("/New/Inner") == {"removed_groups": ["/New/Inner"], "before": {"members": []}}
    assert remove("/New")["removed_groups"] == ["/New"]
    with pytest.raises(VmsError, match="did not put there"):
        remove("/DR/All")
    assert remove("/DR/All", ["t1-c0"])["before"] == {"members": ["t1-c0"]} and "/DR/All" not in s.groups[SITE]
    assert remove("/Nowhere") == {"removed_groups": ["/Nowhere"]}
    made = s.apply(Action(ActionKind.ADD, Ref(SITE, "", "/DR/All", "device_group", "/DR/All"), "r",
                          category="groups"))
    assert made == {"created_groups": ["/DR/All"]} and s.groups[SITE]["/DR/All"] == set()


def test_views_are_added_changed_and_removed_with_their_values_before() -> None:
    s = session()
    added = s.apply(Action(ActionKind.ADD, Ref(SITE, "", "", "view", "/Ops/North/Desk"), "r", category="view",
                           values={"group": "/Ops/North", "name": "Desk", "layout": "<l/>", "items": ["<x/>"]}))
    assert added["created_view_groups"] == ["/Ops", "/Ops/North"] and "before" not in added
    changed = s.apply(Action(ActionKind.UPDATE, Ref(SITE, "", "v1", "view", "/Desk/Top/Wall"), "r", category="view",
                             values={"group": "/Desk/Top", "description": "new", "items": ["<c/>", "<d/>"]}))
    assert changed["before"] == {"category": "view", "values": {"group": "/Desk/Top", "description": "old",
                                                                 "items": ["<a/>", "<b/>"]}}
    removed = s.apply(Action(ActionKind.DELETE, Ref(SITE, "", "v1", "view", "/Desk/Top/Wall"), "r", category="view",
                             values={"group": "/Desk/Top"}))
    assert removed["removed_views"] == ["v1"]
    assert removed["before"]["view"] == {"id": "v1", "group": "/Desk/Top", "name": "Wall", "description": "new",
                                         "layout": "<l/>", "shortcut": "", "items": ["<c/>", "<d/>"]}

    def remove(path: str) -> dict[str, object]:
        return s.apply(Action(ActionKind.DELETE, Ref(SITE, "", path, "view_group", path), "r", category="view"))

    with pytest.raises(VmsError, match="not empty"):
        remove("/Ops/North")  # the view added above is in it
    assert remove("/Desk/Top") == {"removed_view_groups": ["/Desk/Top"]}
    made = s.apply(Action(ActionKind.ADD, Ref(SITE, "", "/Desk/Top", "view_group", "/Desk/Top"), "r",
                          category="view"))
    assert made == {"created_view_groups": ["/Desk/Top"]}
