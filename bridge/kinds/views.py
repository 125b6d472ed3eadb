"""Views: the source's view groups and views copied to the target, each camera item showing the counterpart.

Views are matched by path (view group path and view name). A source view
with no namesake on the target is added with its layout; one with a namesake
is brought in step (description, shortcut, items). Every item that shows a
source camera shows its counterpart instead; an item whose camera has no
counterpart is left empty and reported. A target view whose source is gone
is deleted only when SmartSync made it (the store remembers); views an
operator made on the target are never touched. In single-site both sides
share one view tree: SmartSync keeps a mirror tree under `MIRROR_TOP` that
holds the same views showing only secondary cameras. A layout that changed
on the source replaces a view SmartSync made; any other view with another
layout is reported and left alone. A revert removes a view group the cycle
it undoes made, when it is empty (item kind "view_group", same writer).
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
    item_kinds = ("view", "view_group")
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
            items = self._items(ctx, src_site, s, counterpart, names)
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
            if t.layout != s.layout or len(t.items) != len(items):
                if t.id not in created:
                    ctx.plan.skips.append(Skip(_ref(src_site, s), f"view '{s.path}': its layout differs from the "
                                                                  f"target view '{path}', which SmartSync did not "
                                                                  f"make; left alone"))
                    continue
                ctx.plan.actions.append(Action(ActionKind.DELETE, Ref(site, "", t.id, "view", path),
                                               f"view '{s.path}' has a new layout on the source: replaced",
                                               category=CATEGORY, values={"group": group}))
                ctx.plan.actions.append(Action(ActionKind.ADD, Ref(site, "", "", "view", path),
                                               f"view '{s.path}' has a new layout on the source",
                                               source=_ref(src_site, s), category=CATEGORY, values=values))
                continue
            changed: dict[str, Any] = {k: values[k] for k, have in (("description", t.description),
                                                                    ("shortcut", t.shortcut)) if values[k] != have}
            if [_content(x) for x in items] != [_content(x) for x in t.items]:
                # Each item keeps its own id on the target; what it shows comes from the source.
                changed["items"] = [_with_id(x, t_item) for x, t_item in zip(items, t.items, strict=True)]
            if changed:
                ctx.plan.actions.append(Action(ActionKind.UPDATE, Ref(site, "", t.id, "view", path),
                                               f"view '{s.path}': {', '.join(sorted(changed))} differ from source",
                                               source=_ref(src_site, s), category=CATEGORY,
                                               values={"group": group, **changed}))
        for t in target:
            if t.path not in wanted_paths and t.id in created:
                ctx.plan.actions.append(Action(ActionKind.DELETE, Ref(site, "", t.id, "view", t.path),
                                               f"view '{t.path}' was made by SmartSync and is gone from the source",
                                               category=CATEGORY, values={"group": t.group}))

    @staticmethod
    def _items(ctx: Context, src_site: str, s: View, counterpart: dict[str, str], names: dict[str, str]) -> list[str]:
        out: list[str] = []
        for k, xml in enumerate(s.items):
            found = _CAMERA.search(xml)
            if found is None:
                out.append(xml)
                continue
            wanted = counterpart.get(found.group(1).lower())
            if wanted is not None:
                out.append(xml[:found.start(1)] + wanted + xml[found.end(1):])
                continue
            item_id = _ITEM_ID.search(xml)
            out.append(_EMPTY.format(id=item_id.group(1) if item_id else ""))
            shown = _SHOWN.search(xml)
            camera = names.get(found.group(1).lower()) or (unescape(shown.group(1)) if shown else found.group(1))
            ctx.plan.skips.append(Skip(_ref(src_site, s), f"view '{s.path}': item {k + 1} shows camera '{camera}', "
                                                          f"which has no counterpart on the target: left empty"))
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
