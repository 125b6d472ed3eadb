"""Views, the rest of issue 10's text: view groups SmartSync made go once empty, no source camera on the target.

A view group SmartSync made that no source view needs goes after its views
(deepest first); one holding an operator's view stays. An item is never
left showing a source camera: every camera it names is rewritten, a camera
of the target side itself stays, and an item naming any camera with
neither is left empty and reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bridge.model import ActionKind, Plan, Snapshot, View
from bridge.plan import make_plan
from tests.unit.test_plan_builders import make_settings, topology_for
from tests.unit.test_plan_views import INDEPENDENT, LAYOUT, item, sides, view

DR = "ms-dr"


def plan_for(src: Snapshot, tgt: Snapshot, views: Collection[str] = (), groups: Collection[str] = (),
             site: str = DR, **over: Any) -> Plan:
    settings = make_settings(**{**INDEPENDENT, **over})
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, [],
                     created={"view": {(site, v) for v in views}, "view_group": {(site, g) for g in groups}})


def deletes(plan: Plan) -> list[tuple[str, str]]:
    return [(a.target.item_kind, a.target.name) for a in plan.actions if a.kind is ActionKind.DELETE]


def _groups_of(views: list[View], *more: str) -> set[str]:
    out = set(more)
    for v in views:
        path = v.group
        while path:
            out.add(path)
            path = path.rpartition("/")[0]
    return out


def test_a_made_view_group_goes_after_its_views_and_the_groups_below_it() -> None:
    ours = view("ours", ["t1-c0"], group="/Old/Inner", name="Ours")
    src, tgt = sides([view("v1", ["c0"])], [view("w1", ["t1-c0"]), ours])
    tgt.view_groups = _groups_of(tgt.views)
    plan = plan_for(src, tgt, views={"ours"}, groups={"/Old", "/Old/Inner", "/Control Room"})
    assert deletes(plan) == [("view", "/Old/Inner/Ours"), ("view_group", "/Old/Inner"), ("view_group", "/Old")]
    assert plan.remember[("view_group", DR)] == {"/Old", "/Old/Inner", "/Control Room"}


def test_a_made_view_group_holding_an_operators_view_stays_and_so_do_the_groups_above_it() -> None:
    src, tgt = sides([], [view("mine", ["t1-c0"], group="/Old/Inner", name="Mine")])
    tgt.view_groups = _groups_of(tgt.views)
    plan = plan_for(src, tgt, groups={"/Old", "/Old/Inner"})
    assert deletes(plan) == []
    assert [s.reason for s in plan.skips] == [
        "view group '/Old' was made by SmartSync and no source view is in it any more, but the view group(s) "
        "'/Old/Inner' in it stay: kept",
        "view group '/Old/Inner' was made by SmartSync and no source view is in it any more, but the view(s) "
        "'Mine' in it stay: kept"]


def test_a_view_group_smartsync_did_not_make_is_never_deleted_and_a_made_one_gone_is_forgotten() -> None:
    src, tgt = sides([], [])
    tgt.view_groups = {"/Role A", "/Empty"}
    plan = plan_for(src, tgt, groups={"/Gone"})
    assert deletes(plan) == []
    assert plan.remember[("view_group", DR)] == set()


def test_every_camera_an_item_names_is_rewritten_and_a_target_camera_stays() -> None:
    three = ('<viewitem id="i0" type="Carousel"><carouselitem cameraid="c0" /><carouselitem cameraid="t1-c0" />'
             '<carouselitem cameraid="C0" /><properties /></viewitem>')
    src, tgt = sides([view("v1", ["c0", None])], [])
    src.views[0].items[0] = three
    plan = plan_for(src, tgt)
    assert plan.actions[0].values["items"][0] == three.replace('cameraid="c0"', 'cameraid="t1-c0"').replace(
        'cameraid="C0"', 'cameraid="t1-c0"')
    assert plan.skips == []


def test_an_item_naming_any_camera_without_a_counterpart_is_left_empty() -> None:
    two = ('<viewitem id="i0" type="Carousel"><carouselitem cameraid="c0" /><carouselitem cameraid="stranger" />'
           '<properties /></viewitem>')
    src, tgt = sides([view("v1", ["c0", None])], [])
    src.views[0].items[0] = two
    plan = plan_for(src, tgt)
    shown = plan.actions[0].values["items"][0]
    assert "cameraid" not in shown and "Empty" in shown
    assert [s.reason for s in plan.skips] == [
        "view '/Control Room/Overview/Gates': item 1 shows camera 'stranger', which has no counterpart on the "
        "target: left empty"]


def test_single_site_the_mirror_tree_shows_only_secondary_cameras() -> None:
    src, tgt = sides([], [])
    for r in tgt.recorders:
        r.site = src.recorders[0].site
    over = {"architecture": "single-site", "sites": make_settings().model_dump()["sites"][:1]}
    over["sites"][0].pop("password", None)
    shared = [view("v1", ["c0", "t1-c0"]), view("v2", ["elsewhere", None], name="Yard")]
    src.views = tgt.views = shared
    src.view_groups = tgt.view_groups = _groups_of(shared)
    plan = plan_for(src, tgt, site="ms-main", **over)
    added = {a.target.name: a.values["items"] for a in plan.actions if a.kind is ActionKind.ADD}
    assert added["/SmartSync secondary views/Control Room/Overview/Gates"] == [item("v1-i0", "t1-c0"),
                                                                              item("v1-i1", "t1-c0")]
    assert "cameraid" not in added["/SmartSync secondary views/Control Room/Overview/Yard"][0]
    # The source's own view groups are never SmartSync's, even if the store said so.
    assert deletes(plan_for(src, tgt, groups={"/Control Room"}, site="ms-main", **over)) == []


# -- after applying a plan, a fresh plan has nothing for views or view groups ---------------------------------

GROUPS = ["/Control Room/Overview", "/Control Room/Night", "/Old/Inner", "/Old"]
_ids = itertools.count()


def _apply(plan: Plan, target: Snapshot, views: set[str], groups: set[str]) -> None:
    """What the VMS does with the plan's view actions, and what the store learns."""
    for a in plan.actions:
        if a.category != "view":
            continue
        if a.kind is ActionKind.DELETE and a.target.item_kind == "view_group":
            path = a.target.item_id
            assert not [v for v in target.views if v.group == path], f"{path} still holds views"
            assert not [g for g in target.view_groups if g.startswith(path + "/")], f"{path} holds groups"
            target.view_groups.discard(path)
            groups.discard(path)
        elif a.kind is ActionKind.DELETE:
            target.views = [v for v in target.views if v.id != a.target.item_id]
            views.discard(a.target.item_id)
        elif a.kind is ActionKind.ADD:
            v = a.values
            for path in _groups_of([], *_groups_of([View("", v["group"], "")])) - target.view_groups:
                target.view_groups.add(path)
                groups.add(path)
            new = View(f"new{next(_ids)}", v["group"], v["name"], v["description"], v["layout"], v["shortcut"],
                       list(v["items"]))
            target.views.append(new)
            views.add(new.id)
        else:
            t = next(x for x in target.views if x.id == a.target.item_id)
            t.description = a.values.get("description", t.description)
            t.items = list(a.values.get("items", t.items))


@st.composite
def any_view(draw: st.DrawFn, prefix: str, cams: list[str | None]) -> View:
    return view(f"{prefix}{next(_ids)}", [draw(st.sampled_from(cams)) for _ in range(2)],
                group=draw(st.sampled_from(GROUPS)), name=draw(st.sampled_from(["Gates", "Yard"])), layout=LAYOUT)


@given(st.lists(any_view("s", ["c0", "stranger", None]), max_size=3),
       st.lists(any_view("t", ["t1-c0", None]), max_size=4), st.data())
@hyp_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_after_applying_the_plan_a_fresh_plan_has_nothing_for_views(src_views: Any, tgt_views: Any,
                                                                     data: st.DataObject) -> None:
    src, tgt = sides(src_views, tgt_views)
    src.view_groups = _groups_of(src.views)
    tgt.view_groups = _groups_of(tgt.views, *data.draw(st.lists(st.sampled_from(GROUPS))))
    made_views = {v.id for v in tgt_views if data.draw(st.booleans())}
    made_groups = {g for g in tgt.view_groups if data.draw(st.booleans())}
    operators = {v.id: v.path for v in tgt_views if v.id not in made_views}
    others = tgt.view_groups - made_groups
    plan = plan_for(src, tgt, made_views, made_groups)
    _apply(plan, tgt, made_views, made_groups)
    again = plan_for(src, tgt, made_views, made_groups)
    assert [a for a in again.actions if a.category == "view"] == []
    # An operator's view, and a view group SmartSync did not make, are never deleted.
    assert operators.items() <= {v.id: v.path for v in tgt.views}.items()
    assert others <= tgt.view_groups


def test_the_guard_counts_view_group_deletes_apart() -> None:
    from bridge.plan import guard_check

    src, tgt = sides([], [])
    tgt.view_groups = {f"/Old {i}" for i in range(7)} | {"/Keep"}
    plan = plan_for(src, tgt, groups={f"/Old {i}" for i in range(7)})
    assert len(deletes(plan)) == 7
    settings = make_settings(**INDEPENDENT)
    refused = guard_check(plan, src, tgt, topology_for(settings, src, tgt), 0.5, 5)
    assert refused is not None and refused.startswith("the plan deletes 7 of 8 view groups on the target (88%)")
    assert guard_check(plan, src, tgt, topology_for(settings, src, tgt), 0.5, 7) is None
