"""Edits on the target noticed: a value changed by hand since SmartSync last wrote it (pure; no I/O).

From the journal SmartSync knows what it last wrote to each item's
category. When the target now holds something else there while the source
still wants what SmartSync wrote, someone edited the target by hand (a DR
operator tuning a camera); the plan's update would silently undo that. The
setting `sync.target_edits` decides:

- "overwrite" (the default, as before): the update goes ahead, marked as
  overwriting an edit on the target, and the report lists it;
- "keep": the edited values are left out of the update (the rest of it
  still applies) and the report lists them as kept;
- "stop": the update of that item's category is not applied; the item is
  listed as a skip until an administrator decides (sets the policy to
  "overwrite" or "keep").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bridge.journal import values_before
from bridge.model import Action, ActionKind, Plan, Skip, Snapshot
from bridge.secret_keys import mask_secret_values

_MISSING = object()


@dataclass(slots=True)
class TargetEdit:
    """One update that meets a hand edit on the target."""

    action: Action
    keys: list[str]
    """The edited properties ("value" for a whole sub-document)."""
    written: dict[str, Any]
    """What SmartSync last wrote there."""
    now: dict[str, Any]
    """What the target holds now."""
    handled: str
    """overwritten | kept | stopped"""

    def to_json(self) -> dict[str, Any]:
        t = self.action.target
        return {"item": t.name or t.item_id, "item_id": t.item_id, "item_kind": t.item_kind,
                "category": self.action.category, "keys": self.keys, "written": mask_secret_values(self.written),
                "now": mask_secret_values(self.now), "handled": self.handled,
                "wanted": mask_secret_values({k: self.action.values.get(k) for k in self.keys})}


def _edited_keys(action: Action, written: dict[str, Any], now: Any) -> list[str]:
    if not isinstance(now, dict):
        return []
    keys = []
    for key, wanted in action.values.items():
        last = written.get(key, _MISSING)
        if last is _MISSING:
            continue
        # The source still wants what SmartSync wrote, yet the target holds something else: a hand edit.
        if wanted == last and now.get(key, _MISSING) != last:
            keys.append(key)
    return keys


def apply_policy(plan: Plan, target: Snapshot, written: dict[tuple[str, str], dict[str, Any]],
                 policy: str) -> tuple[Plan, list[TargetEdit]]:
    """The plan with the policy applied to updates that would undo a hand edit, and those edits."""
    edits: list[TargetEdit] = []
    actions: list[Action] = []
    skips = list(plan.skips)
    for action in plan.actions:
        last = written.get((action.target.item_id, action.category)) if action.kind is ActionKind.UPDATE and \
            action.follows is None and action.category != "password" else None
        before = values_before(action, target) if last is not None else None
        now = before.get("values") if isinstance(before, dict) else None
        keys = _edited_keys(action, last, now) if last is not None else []
        if not keys:
            actions.append(action)
            continue
        shown_now = {k: now.get(k) for k in keys} if isinstance(now, dict) else {}
        shown_written = {k: last.get(k) for k in keys} if last is not None else {}
        what = ", ".join(keys if keys != ["value"] else [action.category])
        if policy == "keep":
            rest = {k: v for k, v in action.values.items() if k not in keys}
            edits.append(TargetEdit(action, keys, shown_written, shown_now, "kept"))
            if rest and set(action.values) != {"value"}:
                actions.append(replace(action, values=rest))
        elif policy == "stop":
            edits.append(TargetEdit(action, keys, shown_written, shown_now, "stopped"))
            skips.append(Skip(action.target, f"{action.target.item_kind} '{action.target.name}': {what} was edited "
                                             f"on the target since SmartSync wrote it; left alone until an "
                                             f"administrator decides (sync.target_edits = \"overwrite\" applies the "
                                             f"source's value, \"keep\" keeps the target's)"))
        else:
            edits.append(TargetEdit(action, keys, shown_written, shown_now, "overwritten"))
            actions.append(replace(action, reason=f"{action.reason}; overwrites an edit on the target ({what})"))
    return replace(plan, actions=actions, skips=skips), edits
