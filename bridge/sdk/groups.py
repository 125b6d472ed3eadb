"""Removing a device group SmartSync made, through the SDK.

The server removes a device group only when it is empty (without the
RemoveMembers option, which SmartSync never sets): the camera memberships
the plan names are taken out first, as MilestonePSTools does, then the
group is removed from its parent's `CameraGroupFolder`. Before anything is
written the group is checked again: a camera the plan did not name (someone
put it there since the plan was made) or a subgroup still in it refuses the
delete with the reason, so nobody's membership is taken away.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import VmsError
from bridge.sdk.parse import item_path
from bridge.sdk.views import Wait, group_at


def remove_device_group(ms: Any, path: str, members: list[str], wait: Wait, host: str) -> dict[str, Any]:
    """Take `members` (camera ids) out of the device group at `path` ("/A/B"), then remove it.

    Answers {"removed_groups": [path]}, also when the group is gone already (the store forgets it either way),
    and the cameras that were in it ("before").
    """
    parent_path, _, name = path.rpartition("/")
    parent = group_at(ms, parent_path, "device", wait, host, None) if parent_path else ms
    folder = None if parent is None else parent.CameraGroupFolder
    group = None if folder is None else next((g for g in folder.CameraGroups if str(g.Name) == name), None)
    if folder is None or group is None:
        return {"removed_groups": [path]}
    below = [str(g.Name) for g in group.CameraGroupFolder.CameraGroups]
    if below:
        raise VmsError(f"Device group {path} on {host} still holds device group(s) "
                       f"{', '.join(repr(b) for b in below)}; it was left in place.")
    cameras = list(group.CameraFolder.Cameras)
    allowed = {m.lower() for m in members}
    strangers = [str(c.Name) for c in cameras if str(c.Id).lower() not in allowed]
    if strangers:
        raise VmsError(f"Device group {path} on {host} now holds camera(s) {', '.join(repr(s) for s in strangers)} "
                       f"that SmartSync did not put there; it was left in place, with its members.")
    for c in cameras:
        wait(group.CameraFolder.RemoveDeviceGroupMember(item_path("Camera", str(c.Id))),
             f"Removing {c.Name} from device group {path}", host)
    if cameras:
        group.CameraFolder.ClearChildrenCache()  # the SDK keeps a group's member list cached
    wait(folder.RemoveDeviceGroup(str(group.Path)), f"Removing device group {path}", host)
    folder.ClearChildrenCache()
    return {"removed_groups": [path], "before": {"members": sorted(str(c.Id) for c in cameras)}}
