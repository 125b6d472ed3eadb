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
    out: list[Role] = []
    for r in found:
        builtin = str(r.RoleType) != USER_DEFINED
        info: dict[str, Any] = {k: (str(getattr(r, k) or "") if k == "Description" else bool(getattr(r, k)))
                                for k in INFO}
        r.UserFolder.ClearChildrenCache()
        members = {str(u.Sid): str(u.DisplayName or u.Name or u.Sid) for u in r.UserFolder.Users}
        overall: dict[str, dict[str, str]] = {}
        if not builtin:
            # Overall security does not apply to the built-in administrators role (the SDK refuses it).
            for name, ns_id in sorted(spaces.items()):
                perms = _permissions(r.ChangeOverallSecurityPermissions(ns_id))
                if perms:
                    overall[name] = perms
        out.append(Role(id=str(r.Id), name=str(r.Name), site=host, builtin=builtin, info=info, members=members,
                        overall=overall))
    return out


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


def set_info(role: Any, values: dict[str, Any]) -> None:
    changed = False
    for key, wanted in values.items():
        current = getattr(role, key)
        if (str(current or "") if key in ("Description", "Name") else bool(current)) != wanted:
            setattr(role, key, wanted)
            changed = True
    if changed:
        role.Save()


def set_members(role: Any, values: dict[str, Any], wait: Wait, host: str) -> None:
    folder = role.UserFolder
    folder.ClearChildrenCache()
    have = {str(u.Sid).upper(): u for u in folder.Users}
    for sid in sorted(values.get("add", {})):
        if sid.upper() not in have:
            wait(folder.AddRoleMember(sid), f"Adding member {sid} to role {role.Name}", host)
    for sid in sorted(values.get("remove", [])):
        user = have.get(str(sid).upper())
        if user is not None:
            wait(folder.RemoveRoleMember(str(user.Path)), f"Removing member {sid} from role {role.Name}", host)
    folder.ClearChildrenCache()


def set_overall(role: Any, wanted: dict[str, dict[str, str]], wait: Wait, host: str) -> None:
    if not wanted:
        return
    spaces = namespaces([role])
    missing = sorted(set(wanted) - set(spaces))
    if missing:
        raise VmsError(f"{host} has no security namespace {', '.join(missing)}; the two VMS versions differ.")
    for name in sorted(wanted):
        _execute_if_changed(role.ChangeOverallSecurityPermissions(spaces[name]), wanted[name], wait,
                            f"Setting the {name} overall security of role {role.Name}", host)


def set_acls(role: Any, wanted: dict[str, dict[str, str]], wait: Wait, host: str, camera: Callable[[str], Any]
             ) -> None:
    """Give the role each camera's permissions; every camera is tried, the failures are raised together."""
    failed: list[str] = []
    for cid in sorted(wanted):
        try:
            _execute_if_changed(camera(cid).ChangeSecurityPermissions(str(role.Path)), wanted[cid], wait,
                                f"Setting the permissions of role {role.Name} on camera {cid}", host)
        except VmsError as exc:
            failed.append(f"camera {cid}: {exc.message}")
    if failed:
        raise VmsError(f"Role {role.Name}: {len(failed)} of {len(wanted)} camera permission(s) were not set: "
                       + "; ".join(failed[:3]) + (" ..." if len(failed) > 3 else ""))


def set_view_group_acls(ms: Any, role: Any, wanted: dict[str, dict[str, str]], wait: Wait, host: str) -> None:
    """Give the role its permissions on top-level view groups, named by key (`VIEW_GROUP` + path)."""
    groups = top_view_groups(ms)
    missing = sorted(k[len(VIEW_GROUP):] for k in wanted if k not in groups)
    if missing:
        raise VmsError(f"{host} has no view group {', '.join(missing)}; role {role.Name}'s permissions on it were "
                       f"not set.")
    for key in sorted(wanted):
        _execute_if_changed(groups[key].ChangeSecurityPermissions(str(role.Path)), wanted[key], wait,
                            f"Setting the permissions of role {role.Name} on view group {key[len(VIEW_GROUP):]}",
                            host)


def _execute_if_changed(invoke: Any, wanted: dict[str, str], wait: Wait, what: str, host: str) -> None:
    current = _permissions(invoke)
    changed = False
    for key in sorted(set(current) | set(wanted)):
        value = wanted.get(key, "None")  # a permission the source does not grant is not granted here either
        if current.get(key, "None") != value:
            invoke.SetProperty(key, value)
            changed = True
    if changed:
        wait(invoke.ExecuteDefault(), what, host)


def remove_role(ms: Any, role_id: str, wait: Wait, host: str) -> None:
    wait(ms.RoleFolder.RemoveRole(item_path("Role", role_id)), f"Removing role {role_id}", host)
    ms.RoleFolder.ClearChildrenCache()
