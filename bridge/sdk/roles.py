"""Reading and writing roles through the SDK: info, members, overall security, camera permissions.

The SDK has no bulk read of a role's permissions. A role's info comes with the
role list (one round trip per site), its members with its user folder (one
per role), its overall security with one invoke per security namespace. Its
permissions on a camera (PTZ ones included) are asked for on the camera,
`ChangeSecurityPermissions(rolePath)`, one round trip per role per camera;
the same invoke, changed and executed, writes them. So camera permissions are
read only when the engine asks (`read_acls`: at a periodic check, or for a
camera or role it has never read), never every cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bridge.errors import Interrupted, VmsError
from bridge.kinds.roles import VIEW_GROUP
from bridge.model import Role
from bridge.sdk.parse import item_path, path_id

Wait = Callable[[Any, str, str], Any]
StopCheck = Callable[[], bool]

INFO = ("Description", "AllowSmartClientLogOn", "AllowWebClientLogOn", "AllowMobileClientLogOn",
        "DualAuthorizationRequired", "MakeUsersAnonymousDuringPTZSession")
"""The role properties SmartSync copies besides its name (log-on rights, dual authorisation, anonymous PTZ)."""
USER_DEFINED = "UserDefined"

_NOT_PERMISSIONS = frozenset({"userpath", "securitynamespace", "rolepath"})
"""Keys of a permissions invoke that name what it is for rather than a permission."""


def _permissions(invoke: Any) -> dict[str, str]:
    """The permissions an invoke holds, those set to "None" left out (not granted, not denied: the default)."""
    out: dict[str, str] = {}
    for k in invoke.GetPropertyKeys():
        value = str(invoke.GetProperty(k))
        if str(k).lower() not in _NOT_PERMISSIONS and value != "None":
            out[str(k)] = value
    return out


def namespaces(roles: Iterable[Any]) -> dict[str, str]:
    """Security namespace name -> id, asked of the first user-defined role (one round trip), {} when none."""
    for r in roles:
        if str(r.RoleType) == USER_DEFINED:
            values = r.ChangeOverallSecurityPermissions().SecurityNamespaceValues
            return {str(k): str(values[k]) for k in values.Keys}
    return {}


def read_roles(ms: Any, names: Iterable[str], host: str) -> list[Role]:
    """The roles named (those the site has), each with its info, members and overall security.

    Round trips: one for the role list and one for the namespace list per site, then per role one for its
    members and one per security namespace.
    """
    wanted = set(names)
    folder = ms.RoleFolder
    folder.ClearChildrenCache()  # the SDK keeps the list for the process: a later cycle must see changes
    found = [r for r in folder.Roles if str(r.Name) in wanted]
    spaces = namespaces(found)
    return [_role(r, spaces, host) for r in found]


def _info(r: Any, keys: Iterable[str] = INFO) -> dict[str, Any]:
    return {k: (str(getattr(r, k) or "") if k in ("Description", "Name") else bool(getattr(r, k))) for k in keys}


def _members(r: Any) -> dict[str, str]:
    r.UserFolder.ClearChildrenCache()
    return {str(u.Sid): str(u.DisplayName or u.Name or u.Sid) for u in r.UserFolder.Users}


def _role(r: Any, spaces: dict[str, str], host: str) -> Role:
    """A role's info, members and overall security (a round trip for its members, one per namespace)."""
    builtin = str(r.RoleType) != USER_DEFINED
    overall: dict[str, dict[str, str]] = {}
    if not builtin:
        # Overall security does not apply to the built-in administrators role (the SDK refuses it).
        for name, ns_id in sorted(spaces.items()):
            perms = _permissions(r.ChangeOverallSecurityPermissions(ns_id))
            if perms:
                overall[name] = perms
    return Role(id=str(r.Id), name=str(r.Name), site=host, builtin=builtin, info=_info(r), members=_members(r),
                overall=overall)


def cameras_by_id(recorders: Iterable[Any], wanted: set[str], fill: Callable[[Any], None]) -> dict[str, Any]:
    """Camera id (lower case) -> its SDK item, for the cameras wanted: each recorder's hardware and cameras loaded
    at once (`fill`, two round trips per recorder) rather than one round trip per camera."""
    found: dict[str, Any] = {}
    for rs in recorders:
        if len(found) == len(wanted):
            break
        fill(rs)
        for hw in rs.HardwareFolder.Hardwares:
            for cam in hw.CameraFolder.Cameras:
                cid = str(cam.Id).lower()
                if cid in wanted:
                    found[cid] = cam
    return found


def top_view_groups(ms: Any) -> dict[str, Any]:
    """Key (`VIEW_GROUP` + path) -> SDK item of each top-level view group (where XProtect keeps permissions)."""
    folder = ms.ViewGroupFolder
    folder.ClearChildrenCache()
    return {f"{VIEW_GROUP}/{g.Name}": g for g in folder.ViewGroups}


def read_acls(items: dict[str, Any], role_paths: dict[str, str], stop: StopCheck | None = None
              ) -> dict[str, dict[str, dict[str, str]]]:
    """Role id -> item key (camera id, or `VIEW_GROUP` + path) -> that role's permissions on the item, asked of the
    item: one round trip per role per item."""
    out: dict[str, dict[str, dict[str, str]]] = {rid: {} for rid in role_paths}
    for n, (cid, cam) in enumerate(sorted(items.items())):
        if stop is not None and n % 50 == 0 and stop():
            raise Interrupted("stopped while reading role permissions; nothing was changed")
        for rid, path in role_paths.items():
            out[rid][cid] = _permissions(cam.ChangeSecurityPermissions(path))
    return out


def role_at(ms: Any, role_id: str, host: str) -> Any:
    folder = ms.RoleFolder
    folder.ClearChildrenCache()
    found = next((r for r in folder.Roles if str(r.Id).lower() == role_id.lower()), None)
    if found is None:
        raise VmsError(f"Role {role_id} is no longer on {host}.")
    return found


def add_role(ms: Any, values: dict[str, Any], wait: Wait, host: str, camera: Callable[[str], Any]) -> dict[str, Any]:
    """Create the role with its info, then give it the members, overall security and camera permissions."""
    name = str(values["name"])
    info = dict(values.get("info", {}))
    task = wait(ms.RoleFolder.AddRole(name, str(info.get("Description", "")),
                                      bool(info.get("DualAuthorizationRequired", False)),
                                      bool(info.get("MakeUsersAnonymousDuringPTZSession", False)),
                                      bool(info.get("AllowMobileClientLogOn", True)),
                                      bool(info.get("AllowSmartClientLogOn", True)),
                                      bool(info.get("AllowWebClientLogOn", True)), None, None),
                f"Adding role {name}", host)
    role_id = path_id(str(task.Path))
    role = role_at(ms, role_id, host)
    set_members(role, {"add": values.get("members", {}), "remove": []}, wait, host)
    set_overall(role, values.get("overall", {}), wait, host)
    acl = dict(values.get("acl", {}))
    set_acls(role, {k: v for k, v in acl.items() if not k.startswith(VIEW_GROUP)}, wait, host, camera)
    set_view_group_acls(ms, role, {k: v for k, v in acl.items() if k.startswith(VIEW_GROUP)}, wait, host)
    return {"role_id": role_id}


def set_info(role: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the info values given; answers what they were (for the journal)."""
    before = _info(role, values)
    changed = False
    for key, wanted in values.items():
        current = getattr(role, key)
        if (str(current or "") if key in ("Description", "Name") else bool(current)) != wanted:
            setattr(role, key, wanted)
            changed = True
    if changed:
        role.Save()
    return before


def set_members(role: Any, values: dict[str, Any], wait: Wait, host: str) -> dict[str, Any]:
    """Add and remove the members named; answers {"members": SID -> name} as they were (for the journal)."""
    folder = role.UserFolder
    folder.ClearChildrenCache()
    users = list(folder.Users)
    have = {str(u.Sid).upper(): u for u in users}
    before = {str(u.Sid): str(u.DisplayName or u.Name or u.Sid) for u in users}
    for sid in sorted(values.get("add", {})):
        if sid.upper() not in have:
            wait(folder.AddRoleMember(sid), f"Adding member {sid} to role {role.Name}", host)
    for sid in sorted(values.get("remove", [])):
        user = have.get(str(sid).upper())
        if user is not None:
            wait(folder.RemoveRoleMember(str(user.Path)), f"Removing member {sid} from role {role.Name}", host)
    folder.ClearChildrenCache()
    return {"members": before}


def set_overall(role: Any, wanted: dict[str, dict[str, str]], wait: Wait, host: str) -> dict[str, dict[str, str]]:
    """Set the overall security of each namespace given; answers what it was (for the journal)."""
    if not wanted:
        return {}
    spaces = namespaces([role])
    missing = sorted(set(wanted) - set(spaces))
    if missing:
        raise VmsError(f"{host} has no security namespace {', '.join(missing)}; the two VMS versions differ.")
    return {name: _execute_if_changed(role.ChangeOverallSecurityPermissions(spaces[name]), wanted[name], wait,
                                      f"Setting the {name} overall security of role {role.Name}", host)
            for name in sorted(wanted)}


def set_acls(role: Any, wanted: dict[str, dict[str, str]], wait: Wait, host: str, camera: Callable[[str], Any]
             ) -> dict[str, dict[str, str]]:
    """Give the role each camera's permissions; every camera is tried, the failures are raised together. Answers
    the permissions as they were (for the journal)."""
    failed: list[str] = []
    before: dict[str, dict[str, str]] = {}
    for cid in sorted(wanted):
        try:
            before[cid] = _execute_if_changed(camera(cid).ChangeSecurityPermissions(str(role.Path)), wanted[cid], wait,
                                f"Setting the permissions of role {role.Name} on camera {cid}", host)
        except VmsError as exc:
            failed.append(f"camera {cid}: {exc.message}")
    if failed:
        raise VmsError(f"Role {role.Name}: {len(failed)} of {len(wanted)} camera permission(s) were not set: "
                       + "; ".join(failed[:3]) + (" ..." if len(failed) > 3 else ""))
    return before


def set_view_group_acls(ms: Any, role: Any, wanted: dict[str, dict[str, str]], wait: Wait, host: str
                        ) -> dict[str, dict[str, str]]:
    """Give the role its permissions on top-level view groups, named by key (`VIEW_GROUP` + path); answers them as
    they were (for the journal)."""
    groups = top_view_groups(ms)
    missing = sorted(k[len(VIEW_GROUP):] for k in wanted if k not in groups)
    if missing:
        raise VmsError(f"{host} has no view group {', '.join(missing)}; role {role.Name}'s permissions on it were "
                       f"not set.")
    return {key: _execute_if_changed(groups[key].ChangeSecurityPermissions(str(role.Path)), wanted[key], wait,
                                     f"Setting the permissions of role {role.Name} on view group "
                                     f"{key[len(VIEW_GROUP):]}", host)
            for key in sorted(wanted)}


def _execute_if_changed(invoke: Any, wanted: dict[str, str], wait: Wait, what: str, host: str) -> dict[str, str]:
    """Set the permissions wanted where they differ; answers them as they were."""
    current = _permissions(invoke)
    changed = False
    for key in sorted(set(current) | set(wanted)):
        value = wanted.get(key, "None")  # a permission the source does not grant is not granted here either
        if current.get(key, "None") != value:
            invoke.SetProperty(key, value)
            changed = True
    if changed:
        wait(invoke.ExecuteDefault(), what, host)
    return current


def remove_role(ms: Any, role_id: str, wait: Wait, host: str) -> dict[str, Any]:
    """Remove the role; answers {"role": its name, info, members and overall security} as they were (its
    permissions on cameras are the cycle's, read or kept: the SDK has no bulk read of them)."""
    role = role_at(ms, role_id, host)
    had = _role(role, namespaces([role]), host)
    wait(ms.RoleFolder.RemoveRole(item_path("Role", role_id)), f"Removing role {role_id}", host)
    ms.RoleFolder.ClearChildrenCache()
    return {"role": {"name": had.name, "info": had.info, "members": had.members, "overall": had.overall}}
