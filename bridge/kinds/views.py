"""Views: the source's view groups and views copied to the target, each camera item showing the counterpart.

Views are matched by path (view group path and view name). A source view
with no namesake on the target is added with its layout; a namesake
SmartSync made is brought in step (description, shortcut, items), one it
did not make is an operator's and only reported when it differs. Every item that shows a
source camera shows its counterpart instead; an item whose camera has no
counterpart is left empty and reported. A target view whose source is gone
is deleted only when SmartSync made it (the store remembers); views an
operator made on the target are never touched. In single-site both sides
share one view tree: SmartSync keeps a mirror tree under `MIRROR_TOP` that
holds the same views showing only secondary cameras. A layout that changed
on the source replaces a view SmartSync made.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from html import unescape
from typing import TYPE_CHECKING, Any

from bridge.kinds.base import Kind, Scope, Switch
from bridge.model import ADDED_DEVICE, Action, ActionKind, Ref, Skip, View

if TYPE_CHECKING:
    from bridge.plan.context import Context

CATEGORY = "view"
GROUP = "view_group"
"""Store kind of the view groups SmartSync made (item: the group's path)."""
VIEW_GROUP = "view_group"
"""`Ref.item_kind` of a view group deletion (its item id is the group's path)."""
MIRROR_TOP = "/SmartSync secondary views"
"""Single-site: the top view group of the mirror tree (below it, the source's tree)."""
_CAMERA = re.compile(r'cameraid="([^"]*)"', re.IGNORECASE)
_ITEM_ID = re.compile(r'<viewitem\b[^>]*\bid="([^"]*)"', re.IGNORECASE)
_SHOWN = re.compile(r'lastknowncameradisplayname="([^"]*)"', re.IGNORECASE)
_ITEM_ID_ATTR = re.compile(r'(?<=<viewitem)\s+id="[^"]*"', re.IGNORECASE)
_EMPTY = ('<viewitem id="{id}" displayname="Empty ViewItem" '
          'type="VideoOS.RemoteClient.Application.Data.ContentTypes.EmptyContentType"><properties /></viewitem>')


class ViewsKind(Kind):
    name = "views"
    label = "Views"
    scope = Scope.SITE
    item_kinds = ("view", VIEW_GROUP)
    categories = (CATEGORY,)
    switches = (Switch("views", "Views and view groups, each camera item showing the counterpart", (CATEGORY,),
                       default=False),)
    writer = "views"

    def plan_site(self, ctx: Context, on: Collection[str]) -> None:
        single = ctx.settings.architecture == "single-site"
        site = _target_site(ctx)
        created = {item for s, item in ctx.created.get("view", ()) if s == site.lower()}
        source = [v for v in ctx.source.views if not (single and _mirrored(v.group))]
        target = [v for v in ctx.target.views if _mirrored(v.group) or not single]
        by_path: dict[str, list[View]] = {}
        for v in target:
            by_path.setdefault(v.path, []).append(v)
        names = {d.id.lower(): d.name for r in ctx.src_recs.values() for h in r.hardware for d in h.devices}
        counterpart = {k.lower(): v for k, v in ctx.counterpart.items() if not v.startswith(ADDED_DEVICE)}
        own = {d.id.lower() for r in ctx.tgt_recs.values() for h in r.hardware for d in h.devices
               if d.kind == "camera"}
        src_site = _source_site(ctx)
        wanted_paths: set[str] = set()
        for s in sorted(source, key=lambda v: (v.group, v.name, v.id)):
            group = MIRROR_TOP + s.group if single else s.group
            path = f"{group}/{s.name}"
            if path in wanted_paths:
                ctx.plan.skips.append(Skip(_ref(src_site, s), f"view '{s.path}': another view of that name is in "
                                                              f"the same group; ambiguous, skipped"))
                continue
            wanted_paths.add(path)
            items = self._items(ctx, src_site, s, counterpart, names, own)
            found = by_path.get(path, [])
            if len(found) > 1:
                ctx.plan.skips.append(Skip(_ref(src_site, s), f"view '{s.path}': the target has {len(found)} views "
                                                              f"at '{path}'; ambiguous, skipped"))
                continue
            values = {"group": group, "name": s.name, "description": s.description, "layout": s.layout,
                      "shortcut": s.shortcut, "items": items}
            if not found:
                ctx.plan.actions.append(Action(ActionKind.ADD, Ref(site, "", "", "view", path),
                                               f"view '{s.path}' is not on the target", source=_ref(src_site, s),
                                               category=CATEGORY, values=values))
                continue
            t = found[0]
            relayout = t.layout != s.layout or len(t.items) != len(items)
            changed: dict[str, Any] = {k: values[k] for k, have in (("description", t.description),
                                                                    ("shortcut", t.shortcut)) if values[k] != have}
            if not relayout and [_content(x) for x in items] != [_content(x) for x in t.items]:
                # Each item keeps its own id on the target; what it shows comes from the source.
                changed["items"] = [_with_id(x, t_item) for x, t_item in zip(items, t.items, strict=True)]
            if t.id not in created:
                # A namesake SmartSync did not make is an operator's, however alike: never written to.
                if relayout or changed:
                    ctx.plan.skips.append(Skip(_ref(src_site, s), _not_ours(s.path, path, relayout, changed)))
                continue
            if relayout:
                ctx.plan.actions.append(Action(ActionKind.DELETE, Ref(site, "", t.id, "view", path),
                                               f"view '{s.path}' has a new layout on the source: replaced",
                                               category=CATEGORY, values={"group": group}))
                ctx.plan.actions.append(Action(ActionKind.ADD, Ref(site, "", "", "view", path),
                                               f"view '{s.path}' has a new layout on the source",
                                               source=_ref(src_site, s), category=CATEGORY, values=values))
                continue
            if changed:
                ctx.plan.actions.append(Action(ActionKind.UPDATE, Ref(site, "", t.id, "view", path),
                                               f"view '{s.path}': {', '.join(sorted(changed))} differ from source",
                                               source=_ref(src_site, s), category=CATEGORY,
                                               values={"group": group, **changed}))
        gone: set[str] = set()
        for t in target:
            if t.path not in wanted_paths and t.id in created:
                gone.add(t.id)
                ctx.plan.actions.append(Action(ActionKind.DELETE, Ref(site, "", t.id, "view", t.path),
                                               f"view '{t.path}' was made by SmartSync and is gone from the source",
                                               category=CATEGORY, values={"group": t.group}))
        _group_deletes(ctx, site, single, {p.rpartition("/")[0] for p in wanted_paths}, gone)

    @staticmethod
    def _items(ctx: Context, src_site: str, s: View, counterpart: dict[str, str], names: dict[str, str],
               own: set[str]) -> list[str]:
        """The source view's items as the target shows them: each camera its counterpart (a camera of the
        target side itself, as a federated parent's view may show, stays); an item naming a camera with
        neither is left empty, so the target never shows a source camera."""
        out: list[str] = []
        for k, xml in enumerate(s.items):
            missing = next((m for m in _CAMERA.finditer(xml) if m.group(1).lower() not in counterpart
                            and m.group(1).lower() not in own), None)
            if missing is None:
                out.append(_CAMERA.sub(lambda m: f'cameraid="{counterpart.get(m.group(1).lower(), m.group(1))}"',
                                       xml))
                continue
            item_id = _ITEM_ID.search(xml)
            out.append(_EMPTY.format(id=item_id.group(1) if item_id else ""))
            shown = _SHOWN.search(xml)
            camera_id = missing.group(1)
            camera = names.get(camera_id.lower()) or (unescape(shown.group(1)) if shown else camera_id)
            ctx.plan.skips.append(Skip(_ref(src_site, s), f"view '{s.path}': item {k + 1} shows camera '{camera}', "
                                                          f"which has no counterpart on the target: left empty"))
        return out


def _not_ours(path: str, target_path: str, relayout: bool, changed: Collection[str]) -> str:
    """Why a target view SmartSync did not make is left as it is, and how an operator hands it over."""
    where = "at that path" if target_path == path else f"'{target_path}'"
    differs = ", ".join(sorted({*changed, *(["layout"] if relayout else [])}))
    return (f"view '{path}': the target view {where} differs from it ({differs}), but SmartSync did not make it: "
            f"left alone (delete or rename it on the target to let SmartSync make its own copy there)")


def _group_deletes(ctx: Context, site: str, single: bool, wanted: set[str], gone: set[str]) -> None:
    """Delete the view groups SmartSync made that no source view needs any more, deepest first, once empty.

    A made group still holding a view that stays (an operator's own), or a group below it that stays, is kept
    with a skip. The store forgets a made group that is gone from the target (should someone make one at that
    path again, it is theirs)."""
    made = {item for s, item in ctx.created.get(GROUP, ()) if s == site.lower()}
    existing = {g for g in ctx.target.view_groups if _mirrored(g) or not single}
    ctx.plan.remember[(GROUP, site.lower())] = made & existing
    needed = {a for g in wanted for a in _self_and_parents(g)}
    staying: dict[str, list[str]] = {}
    for v in ctx.target.views:
        if v.id not in gone:
            staying.setdefault(v.group, []).append(v.name)
    deleted: set[str] = set()
    for path in sorted(made & existing - needed, key=lambda g: (-g.count("/"), g)):
        below = sorted(g for g in existing if g.rpartition("/")[0] == path and g not in deleted)
        held = sorted(staying.get(path, []))
        why = f"view group '{path}' was made by SmartSync and no source view is in it any more"
        ref = Ref(site, "", path, VIEW_GROUP, path)
        if held or below:
            what = (f"view(s) {', '.join(repr(v) for v in held[:3])}" if held
                    else f"view group(s) {', '.join(repr(g) for g in below)}")
            ctx.plan.skips.append(Skip(ref, f"{why}, but the {what} in it stay: kept"))
            continue
        deleted.add(path)
        ctx.plan.actions.append(Action(ActionKind.DELETE, ref, why, category=CATEGORY))


def _self_and_parents(path: str) -> list[str]:
    out = []
    while path:
        out.append(path)
        path = path.rpartition("/")[0]
    return out


def _content(xml: str) -> str:
    """An item's definition without its own id (each side gives its items their own ids)."""
    return _ITEM_ID_ATTR.sub("", xml, count=1)


def _with_id(xml: str, target_xml: str) -> str:
    found = _ITEM_ID.search(target_xml)
    if found is None:
        return xml
    return _ITEM_ID_ATTR.sub(f' id="{found.group(1)}"', xml, count=1) if _ITEM_ID.search(xml) else xml


def _mirrored(group: str) -> bool:
    return group == MIRROR_TOP or group.startswith(MIRROR_TOP + "/")


def _ref(site: str, v: View) -> Ref:
    return Ref(site, "", v.id, "view", v.path)


def _target_site(ctx: Context) -> str:
    return next((r.site for r in ctx.tgt_recs.values()), "")


def _source_site(ctx: Context) -> str:
    return next((r.site for r in ctx.src_recs.values()), "")


VIEWS = ViewsKind()
SWITCH = VIEWS.switches[0]
