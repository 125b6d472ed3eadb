"""Reading and writing Smart Client views and view groups through the SDK.

Views are read apart from the recorders (only when the views kind is on):
one walk of the management server's view group tree, each group's views
with their layout and item definitions. Writing makes missing view groups
(answering which it made, so the store remembers them as SmartSync's), adds
a view with the source's layout and items, changes one, removes one, or
removes an empty view group SmartSync made; a change or removal of a view
answers the view's values before it ("before").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.errors import VmsError
from bridge.model import View
from bridge.sdk.parse import item_path, path_id

Wait = Callable[[Any, str, str], Any]


def read_views(ms: Any) -> tuple[set[str], list[View]]:
    """(every view group path, every view) of one management server."""
    groups: set[str] = set()
    views: list[View] = []

    def walk(owner: Any, prefix: str) -> None:
        for g in owner.ViewGroupFolder.ViewGroups:
            path = f"{prefix}/{g.Name}"
            groups.add(path)
            for v in g.ViewFolder.Views:
                views.append(View(id=str(v.Id), group=path, name=str(v.Name), description=str(v.Description or ""),
                                  layout=str(v.LayoutViewItems or ""), shortcut=str(v.Shortcut or ""),
                                  items=[str(i.ViewItemDefinitionXml or "") for i in v.ViewItemChildItems]))
            walk(g, path)

    walk(ms, "")
    return groups, views


def group_at(ms: Any, path: str, kind: str, wait: Wait, host: str, created: list[str] | None) -> Any:
    """The device or view group (`kind` "device" | "view") at `path` ("/A/B"); made with its parents when `created`
    is a list (each one made is added to it), else None when missing. Both trees have the same shape in the SDK."""
    folder_attr, list_attr, add = _GROUP_TREES[kind]
    owner, walked = ms, ""
    for name in (p for p in path.split("/") if p):
        walked += "/" + name
        folder = getattr(owner, folder_attr)
        found = next((g for g in getattr(folder, list_attr) if str(g.Name) == name), None)
        if found is None:
            if created is None:
                return None
            task = wait(getattr(folder, add)(name, f"Made by SmartSync: mirrors a source {kind} group"),
                        f"Making {kind} group {walked}", host)
            folder.ClearChildrenCache()
            made = path_id(str(task.Path)).lower()
            found = next((g for g in getattr(getattr(owner, folder_attr), list_attr) if str(g.Id).lower() == made),
                         None)
            if found is None:
                raise VmsError(f"{kind.capitalize()} group {walked} was made on {host} but cannot be found there.")
            created.append(walked)
        owner = found
    return owner


_GROUP_TREES = {
    "device": ("CameraGroupFolder", "CameraGroups", "AddDeviceGroup"),
    "view": ("ViewGroupFolder", "ViewGroups", "AddViewGroup"),
}
"""kind -> (folder property, list property, add method) of the two group trees."""


def view_group(ms: Any, path: str, wait: Wait, host: str, created: list[str] | None) -> Any:
    """The view group at `path` (see `group_at`)."""
    return group_at(ms, path, "view", wait, host, created)


def find_view(ms: Any, group: str, view_id: str, wait: Wait, host: str) -> Any:
    g = view_group(ms, group, wait, host, None)
    view = None if g is None else next((v for v in g.ViewFolder.Views if str(v.Id).lower() == view_id.lower()), None)
    if view is None:
        raise VmsError(f"View {view_id} is no longer in view group {group} on {host}.")
    return view


def add_view(ms: Any, values: dict[str, Any], wait: Wait, host: str) -> dict[str, Any]:
    created: list[str] = []
    group_path = str(values["group"])
    group = view_group(ms, group_path, wait, host, created)
    invoke = group.ViewFolder.AddView(str(values.get("layout", "")))
    invoke.SetProperty("Name", str(values["name"]))
    invoke.SetProperty("Description", str(values.get("description", "")))
    invoke.SetProperty("Shortcut", str(values.get("shortcut", "")))
    task = wait(invoke.ExecuteDefault(), f"Adding view {group_path}/{values['name']}", host)
    view_id = path_id(str(task.Path))
    group.ViewFolder.ClearChildrenCache()
    view = next((v for v in group.ViewFolder.Views if str(v.Id).lower() == view_id.lower()), None)
    if view is None:
        raise VmsError(f"View {group_path}/{values['name']} was added on {host} but cannot be found there.")
    set_items(view, list(values.get("items", [])))
    return {"view_id": view_id, "created_view_groups": created}


def set_items(view: Any, wanted: list[str]) -> None:
    """Give each item its definition and Save once, only when one differs."""
    items = list(view.ViewItemChildItems)
    if len(items) != len(wanted):
        raise VmsError(f"View {view.Name} has {len(items)} item(s), the source's layout {len(wanted)}.")
    changed = False
    for item, xml in zip(items, wanted, strict=True):
        if str(item.ViewItemDefinitionXml or "") != xml:
            item.ViewItemDefinitionXml = xml
            changed = True
    if changed:
        view.Save()


def _record(view: Any, group: str) -> dict[str, Any]:
    return {"id": str(view.Id), "group": group, "name": str(view.Name), "description": str(view.Description or ""),
            "layout": str(view.LayoutViewItems or ""), "shortcut": str(view.Shortcut or ""),
            "items": [str(i.ViewItemDefinitionXml or "") for i in view.ViewItemChildItems]}


def update_view(ms: Any, target_id: str, values: dict[str, Any], wait: Wait, host: str) -> dict[str, Any]:
    group = str(values["group"])
    view = find_view(ms, group, target_id, wait, host)
    had = _record(view, group)
    before = {"category": "view", "values": {"group": group} | {k: had[k] for k in ("description", "shortcut",
                                                                                     "items") if k in values}}
    changed = False
    for key, prop in (("description", "Description"), ("shortcut", "Shortcut")):
        if key in values and str(getattr(view, prop) or "") != str(values[key]):
            setattr(view, prop, str(values[key]))
            changed = True
    if changed:
        view.Save()
    if "items" in values:
        set_items(view, list(values["items"]))
    return {"before": before}


def delete_view(ms: Any, target_id: str, group_path: str, wait: Wait, host: str) -> dict[str, Any]:
    """Remove a view; answers {"removed_views": [id]} (also when it is gone already) and the view as it was."""
    group = view_group(ms, group_path, wait, host, None)
    if group is None:
        return {"removed_views": [target_id]}  # its group is gone, and the view with it
    view = next((v for v in group.ViewFolder.Views if str(v.Id).lower() == target_id.lower()), None)
    if view is None:
        return {"removed_views": [target_id]}  # removed already
    before = {"view": _record(view, group_path)}
    wait(group.ViewFolder.RemoveView(item_path("View", target_id)), f"Removing view {target_id}", host)
    group.ViewFolder.ClearChildrenCache()
    return {"removed_views": [target_id], "before": before}


def remove_view_group(ms: Any, path: str, wait: Wait, host: str) -> dict[str, Any]:
    """Remove the empty view group at `path`; answers {"removed_view_groups": [path]} (also when gone already).

    It is removed without recursion, so the server keeps it should a view or group have come into it since the
    plan was made; that is checked first too, to say so plainly."""
    parent_path, _, name = path.rpartition("/")
    parent = view_group(ms, parent_path, wait, host, None) if parent_path else ms
    folder = None if parent is None else parent.ViewGroupFolder
    group = None if folder is None else next((g for g in folder.ViewGroups if str(g.Name) == name), None)
    if folder is None or group is None:
        return {"removed_view_groups": [path]}
    held = [str(v.Name) for v in group.ViewFolder.Views] + [str(g.Name) for g in group.ViewGroupFolder.ViewGroups]
    if held:
        raise VmsError(f"View group {path} on {host} now holds {', '.join(repr(h) for h in held)}; it was left in "
                       f"place.")
    wait(folder.RemoveViewGroup(False, str(group.Path)), f"Removing view group {path}", host)
    folder.ClearChildrenCache()
    return {"removed_view_groups": [path]}
