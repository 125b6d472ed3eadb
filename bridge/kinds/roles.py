"""Roles: the roles chosen by name copied to the target, their camera permissions landing on the counterparts.

Only the roles named in `sync.role_names` are synced, matched by name. A role
missing on the target is created with everything below; one that exists is
brought in step: its info (description, Smart Client / web / mobile log-on,
dual authorisation, anonymous PTZ), its members (by SID, added and removed to
match), its overall security (per security namespace) and its permissions on
cameras (PTZ ones included). A permission on a source camera becomes the same
permission on the camera's counterpart; a permission on a camera with no
counterpart is a skip with its reason. Cameras outside the device selection
are left alone. A chosen role gone from the source is deleted on the target
only when SmartSync created it (the store remembers); otherwise its name is a
configuration error (`unknown_roles`). Only meaningful with two management
servers (federated, independent): on one server both sides share the roles.

Camera permissions cost a round trip per role per camera to read, so the
engine reads them only at a periodic check, or for a camera or role it has
not read before, and otherwise plans from what it remembers
(`bridge.roleacl`); a role whose permissions are not known (`Role.acl` None)
gets no camera update.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from bridge.kinds.base import Kind, Scope, Switch
from bridge.model import ADDED_DEVICE, Action, ActionKind, Ref, Role, Skip

if TYPE_CHECKING:
    from bridge.plan.context import Context

INFO = "role_info"
MEMBERS = "role_members"
SECURITY = "role_security"
CAMERAS = "role_cameras"
VIEW_GROUPS = "role_view_groups"
CATEGORIES = (INFO, MEMBERS, SECURITY, CAMERAS, VIEW_GROUPS)
VIEW_GROUP = "viewgroup:"
"""Prefix of a top-level view group's key among a role's permissions ("viewgroup:/Control Room"); the prefix
alone marks that the site's view groups were read (so a group missing from them is not on that site)."""
ITEM_KIND = "role"
NAME_KIND = "role_name"
"""The store's `created_items` kind for the names of the roles SmartSync made (the ids are kept as `ITEM_KIND`)."""


class RolesKind(Kind):
    name = "roles"
    label = "Roles"
    scope = Scope.SITE
    item_kinds = (ITEM_KIND,)
    categories = CATEGORIES
    switches = (Switch("roles", "Roles named in `sync.role_names`: info, members, overall security, camera and PTZ "
                                "permissions (on the counterparts), view-group permissions; federated and "
                                "independent only", CATEGORIES, default=False),)
    writer = "roles"

    def plan_site(self, ctx: Context, on: Collection[str]) -> None:
        if ctx.source.roles is None or ctx.target.roles is None or ctx.settings.architecture == "single-site":
            return
        chosen = sorted(set(ctx.settings.sync.role_names))
        source: dict[str, Role] = {}
        for r in ctx.source.roles:
            if r.name in source:
                ctx.plan.skips.append(Skip(Ref(r.site, "", r.id, ITEM_KIND, r.name),
                                           f"role '{r.name}' is on more than one source site; ambiguous, skipped"))
                chosen = [n for n in chosen if n != r.name]
            source.setdefault(r.name, r)
        counterpart, unselected = camera_counterparts(ctx)
        names = {d.id.lower(): d.name for r in ctx.src_recs.values() for h in r.hardware for d in h.devices}
        for name in chosen:
            s = source.get(name)
            if s is not None and s.acl is not None and not s.builtin:
                _report_unpaired(ctx, s, counterpart, unselected, names)
        camera_site = {d.id.lower(): rec.site.lower() for rec in ctx.tgt_recs.values() for h in rec.hardware
                       for d in h.devices if d.kind == "camera"}
        created = {(site, item.lower()) for site, item in ctx.created.get(ITEM_KIND, ())}
        created |= {(site, f"name:{item}") for site, item in ctx.created.get(NAME_KIND, ())}
        for site in sorted({r.site for r in ctx.tgt_recs.values()}):
            here = {sid: tid for sid, tid in counterpart.items() if camera_site.get(tid) == site.lower()}
            target = {r.name: r for r in ctx.target.roles if r.site.lower() == site.lower()}
            groups = {k for r in target.values() for k in (r.acl or {}) if k.startswith(VIEW_GROUP + "/")}
            for name in chosen:
                self._plan_role(ctx, site, name, source.get(name), target.get(name), here, created, groups)

    @staticmethod
    def _plan_role(ctx: Context, site: str, name: str, s: Role | None, t: Role | None, counterpart: dict[str, str],
                   created: set[tuple[str, str]], groups: set[str]) -> None:
        if s is None:
            if t is not None and (site.lower(), t.id.lower()) in created:
                ctx.plan.actions.append(Action(ActionKind.DELETE, Ref(site, "", t.id, ITEM_KIND, name),
                                               f"role '{name}' was made by SmartSync and is gone from the source",
                                               category=INFO))
            elif t is None and (site.lower(), f"name:{name}") in created:
                ctx.plan.skips.append(Skip(Ref(site, "", "", ITEM_KIND, name),
                                           f"role '{name}' is gone from the source and SmartSync's copy from the "
                                           f"target; remove it from sync.role_names"))
            return
        src_ref = Ref(s.site, "", s.id, ITEM_KIND, name)
        acl = None if s.builtin or s.acl is None else {counterpart[c]: p for c, p in s.acl.items() if c in counterpart}
        # View groups are matched by path; the new role's own group is made with it.
        wanted_groups = {} if s.builtin or s.acl is None else {
            k: p for k, p in s.acl.items() if k.startswith(VIEW_GROUP + "/")}
        on_target = set(groups) | {f"{VIEW_GROUP}/{name}"} if t is None else {
            k for k in (t.acl or {}) if k.startswith(VIEW_GROUP + "/")}
        if t is None or (t.acl is not None and VIEW_GROUP in t.acl):
            for key in sorted(k for k, p in wanted_groups.items() if p and k not in on_target):
                ctx.plan.skips.append(Skip(Ref(s.site, "", s.id, ITEM_KIND, name),
                                           f"role '{name}': its permissions on view group '{key[len(VIEW_GROUP):]}' "
                                           f"are not copied: the target has no such view group"))
        wanted_groups = {k: p for k, p in wanted_groups.items() if k in on_target}
        if t is None:
            values: dict[str, Any] = {"name": name, "info": dict(s.info), "members": dict(s.members),
                                      "overall": {} if s.builtin else dict(s.overall),
                                      "acl": {k: v for k, v in sorted(((acl or {}) | wanted_groups).items()) if v}}
            ctx.plan.actions.append(Action(ActionKind.ADD, Ref(site, "", "", ITEM_KIND, name),
                                           f"role '{name}' is not on the target", source=src_ref, category=INFO,
                                           values=values))
            return
        for category, changed, what in _differences(s, t, acl, wanted_groups):
            ctx.plan.actions.append(Action(ActionKind.UPDATE, Ref(site, "", t.id, ITEM_KIND, name),
                                           f"role '{name}': {what} differ from the source", source=src_ref,
                                           category=category, values=changed))


def _differences(s: Role, t: Role, acl: dict[str, dict[str, str]] | None, view_groups: dict[str, dict[str, str]]
                 ) -> Iterable[tuple[str, dict[str, Any], str]]:
    """(category, values, what differs) of every update that brings target role `t` in step with `s`."""
    info = {k: v for k, v in s.info.items() if t.info.get(k) != v}
    if info:
        yield INFO, info, ", ".join(sorted(info))
    have = {sid.upper() for sid in t.members}
    want = {sid.upper() for sid in s.members}
    add = {sid: n for sid, n in s.members.items() if sid.upper() not in have}
    remove = sorted(sid for sid in t.members if sid.upper() not in want)
    if add or remove:
        yield MEMBERS, {"add": add, "remove": remove}, f"members ({len(add)} to add, {len(remove)} to remove)"
    if s.builtin or t.builtin:
        return
    overall = {ns: s.overall.get(ns, {}) for ns in sorted(set(s.overall) | set(t.overall))
               if s.overall.get(ns, {}) != t.overall.get(ns, {})}
    if overall:
        yield SECURITY, overall, "overall security (" + ", ".join(overall) + ")"
    if acl is not None and t.acl is not None:
        cameras = {cid: perms for cid, perms in acl.items() if cid in t.acl and t.acl[cid] != perms}
        if cameras:
            yield CAMERAS, {"acl": cameras}, f"permissions on {len(cameras)} camera(s)"
    if t.acl is not None:
        groups = {k: p for k, p in view_groups.items() if t.acl.get(k) != p}
        if groups:
            yield VIEW_GROUPS, {"acl": groups}, "permissions on view group(s) " + ", ".join(
                repr(k[len(VIEW_GROUP):]) for k in sorted(groups))


def _report_unpaired(ctx: Context, s: Role, counterpart: dict[str, str], unselected: set[str],
                     names: dict[str, str]) -> None:
    """A skip for each camera the source role has permissions on that has no counterpart on the target."""
    for cid, perms in sorted((s.acl or {}).items()):
        if perms and cid not in counterpart and cid not in unselected and not cid.startswith(VIEW_GROUP):
            ctx.plan.skips.append(Skip(Ref(s.site, "", s.id, ITEM_KIND, s.name),
                                       f"role '{s.name}': its permissions on camera '{names.get(cid, cid)}' are not "
                                       f"copied: the camera has no counterpart on the target"))


def camera_counterparts(ctx: Context) -> tuple[dict[str, str], set[str]]:
    """(source camera id -> target camera id of every paired camera within the device selection, the paired source
    cameras outside it), lower case."""
    selected = ctx.selected
    pairs: dict[str, str] = {}
    unselected: set[str] = set()
    for _, sd, td in ctx.pairs.devices:
        if sd.kind != "camera" or td.id.startswith(ADDED_DEVICE):
            continue
        if selected(sd):
            pairs[sd.id.lower()] = td.id.lower()
        else:
            unselected.add(sd.id.lower())
    return pairs, unselected


def unknown_roles(names: Iterable[str], source: Iterable[Role], created_names: Collection[str]) -> list[str]:
    """Chosen role names the source does not have, leaving out those SmartSync made a copy of on the target (that
    copy is deleted, or already was)."""
    have = {r.name for r in source}
    return sorted(n for n in set(names) if n not in have and n not in created_names)


ROLES = RolesKind()
SWITCH = ROLES.switches[0]
