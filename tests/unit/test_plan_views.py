"""Views: copied by path with camera items showing counterparts; operators' views and SmartSync's own."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Collection
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bridge.model import ActionKind, Plan, Side, Snapshot, View
from bridge.plan import guard_check, make_plan
from tests.unit.test_plan_builders import camera, hardware, make_settings, recorder, topology_for, twin

INDEPENDENT: dict[str, Any] = {
    "architecture": "independent", "sync": {"views": True},
    "sites": [{"name": "primary", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"},
              {"name": "secondary", "uri": "http://ms-dr/", "user": "admin", "password_env": "PW"}],
}
LAYOUT = "<ViewItems><ViewItem /><ViewItem /></ViewItems>"


def item(item_id: str, camera_id: str | None) -> str:
    if camera_id is None:
        return f'<viewitem id="{item_id}" type="Empty"><properties /></viewitem>'
    return f'<viewitem id="{item_id}" type="Camera"><iteminfo cameraid="{camera_id}" /><properties /></viewitem>'


def view(vid: str, cameras: list[str | None], group: str = "/Control Room/Overview", name: str = "Gates",
         layout: str = LAYOUT) -> View:
    return View(vid, group, name, "", layout, "", [item(f"{vid}-i{k}", c) for k, c in enumerate(cameras)])


def sides(src_views: list[View], tgt_views: list[View]) -> tuple[Snapshot, Snapshot]:
    c0 = camera("c0")
    src = Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.1.7/", [c0])]),
                                  recorder("p2", "Recorder P2")], views=src_views)
    tgt = Snapshot(Side.SECONDARY, [
        recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.1.7/", [twin(c0, "t1-c0")])], site="ms-dr"),
        recorder("s2", "Recorder S2", site="ms-dr")], views=tgt_views)
    return src, tgt


def plan_for(src: Snapshot, tgt: Snapshot, created: Collection[str] = (), **over: Any) -> Plan:
    settings = make_settings(**{**INDEPENDENT, **over})
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, [],
                     created={"view": {("ms-dr", v) for v in created}})


def views(plan: Plan) -> list[tuple[str, str]]:
    return [(a.kind.value, a.target.name) for a in plan.actions if a.target.item_kind == "view"]


def test_a_view_is_copied_with_items_showing_the_counterpart_and_a_stranger_left_empty_and_reported() -> None:
    src, tgt = sides([view("v1", ["c0", "elsewhere", None])], [])
    plan = plan_for(src, tgt)
    assert views(plan) == [("add", "/Control Room/Overview/Gates")]
    items = plan.actions[0].values["items"]
    assert 'cameraid="t1-c0"' in items[0] and 'cameraid="c0"' not in items[0]
    assert "cameraid" not in items[1] and "Empty" in items[1]
    assert items[2] == item("v1-i2", None)
    assert [s.reason for s in plan.skips] == [
        "view '/Control Room/Overview/Gates': item 2 shows camera 'elsewhere', which has no counterpart on the "
        "target: left empty"]


def test_a_view_in_step_plans_nothing_even_though_its_items_have_their_own_ids() -> None:
    src, tgt = sides([view("v1", ["c0", None])], [view("w1", ["t1-c0", None])])
    assert views(plan_for(src, tgt)) == []


def test_a_changed_item_is_updated_keeping_the_target_items_ids() -> None:
    src, tgt = sides([view("v1", [None, "c0"])], [view("w1", ["t1-c0", None])])
    plan = plan_for(src, tgt, created={"w1"})
    assert views(plan) == [("update", "/Control Room/Overview/Gates")]
    assert plan.actions[0].values["items"] == [item("w1-i0", None), item("w1-i1", "t1-c0")]


def test_an_operators_view_at_a_source_views_path_is_left_alone_and_says_how_to_hand_it_over() -> None:
    src, tgt = sides([view("v1", [None, "c0"])], [view("mine", ["t1-c0", None])])
    tgt.views[0].description = "the night shift's own"
    plan = plan_for(src, tgt)
    assert views(plan) == []
    assert [s.reason for s in plan.skips] == [
        "view '/Control Room/Overview/Gates': the target view at that path differs from it (description, items), "
        "but SmartSync did not make it: left alone (delete or rename it on the target to let SmartSync make "
        "its own copy there)"]
    assert views(plan_for(src, tgt, created={"mine"})) == [("update", "/Control Room/Overview/Gates")]


def test_an_operators_view_already_like_the_source_needs_nothing_and_reports_nothing() -> None:
    src, tgt = sides([view("v1", ["c0", None])], [view("mine", ["t1-c0", None])])
    plan = plan_for(src, tgt)
    assert views(plan) == [] and plan.skips == []


def test_an_operators_own_view_survives_and_only_smartsyncs_views_are_deleted() -> None:
    src, tgt = sides([], [view("mine", ["t1-c0"], name="Mine"), view("ours", ["t1-c0"], name="Ours")])
    plan = plan_for(src, tgt, created={"ours"})
    assert views(plan) == [("delete", "/Control Room/Overview/Ours")]
    assert views(plan_for(src, tgt)) == []


def test_a_new_layout_replaces_smartsyncs_view_but_not_an_operators() -> None:
    wide = "<ViewItems><ViewItem /></ViewItems>"
    src, tgt = sides([view("v1", ["c0"], layout=wide)], [view("w1", ["t1-c0", None])])
    assert views(plan_for(src, tgt)) == []
    assert "differs from it (layout)" in plan_for(src, tgt).skips[0].reason
    assert views(plan_for(src, tgt, created={"w1"})) == [("delete", "/Control Room/Overview/Gates"),
                                                         ("add", "/Control Room/Overview/Gates")]


def test_single_site_builds_a_mirror_tree_of_secondary_cameras() -> None:
    src, tgt = sides([view("v1", ["c0"])], [])
    for r in tgt.recorders:
        r.site = src.recorders[0].site
    over = {"architecture": "single-site", "sites": make_settings().model_dump()["sites"][:1]}
    over["sites"][0].pop("password", None)
    src.views = tgt.views = [view("v1", ["c0"])]
    plan = plan_for(src, tgt, **over)
    assert views(plan) == [("add", "/SmartSync secondary views/Control Room/Overview/Gates")]
    assert 'cameraid="t1-c0"' in plan.actions[0].values["items"][0]


def test_single_site_an_operators_view_in_the_mirror_tree_is_left_alone_and_named_by_its_own_path() -> None:
    src, tgt = sides([], [])
    for r in tgt.recorders:
        r.site = src.recorders[0].site
    over = {"architecture": "single-site", "sites": make_settings().model_dump()["sites"][:1]}
    over["sites"][0].pop("password", None)
    src.views = tgt.views = [view("v1", ["c0"]), view("mine", [None], group="/SmartSync secondary views/Control "
                                                                             "Room/Overview")]
    plan = plan_for(src, tgt, **over)
    assert views(plan) == []
    assert [s.reason for s in plan.skips] == [
        "view '/Control Room/Overview/Gates': the target view '/SmartSync secondary views/Control Room/Overview/"
        "Gates' differs from it (items), but SmartSync did not make it: left alone (delete or rename it on the "
        "target to let SmartSync make its own copy there)"]


def test_the_guard_counts_view_deletes_apart_from_hardware() -> None:
    many = [view(f"o{i}", ["t1-c0"], name=f"V{i}") for i in range(10)]
    src, tgt = sides([], many)
    plan = plan_for(src, tgt, created={v.id for v in many})
    assert [k for k, _ in views(plan)] == ["delete"] * 10
    refused = guard_check(plan, src, tgt, topology_for(make_settings(**INDEPENDENT), src, tgt), 0.1, 5)
    assert refused is not None and "10 of 10 views" in refused


def test_views_are_off_unless_switched_on() -> None:
    src, tgt = sides([view("v1", ["c0"])], [])
    assert views(plan_for(src, tgt, sync={})) == []
    assert [a for a in plan_for(src, tgt, sync={}).actions if a.kind is ActionKind.ADD] == []


_ids = itertools.count()


def apply_views(plan: Plan, target: Snapshot, created: set[str]) -> None:
    """What the VMS does with the plan's view actions (new views get new ids; SmartSync remembers them)."""
    for a in plan.actions:
        if a.target.item_kind != "view":
            continue
        if a.kind is ActionKind.DELETE:
            target.views = [v for v in target.views if v.id != a.target.item_id]
        elif a.kind is ActionKind.ADD:
            v = a.values
            new = View(f"new{next(_ids)}", v["group"], v["name"], v["description"], v["layout"], v["shortcut"],
                       list(v["items"]))
            target.views.append(new)
            created.add(new.id)
        else:
            t = next(x for x in target.views if x.id == a.target.item_id)
            t.description = a.values.get("description", t.description)
            t.items = list(a.values.get("items", t.items))


CAMS = st.sampled_from(["c0", "stranger", None])
NAMES = st.sampled_from(["Gates", "Lobby", "Yard"])
LAYOUTS = st.sampled_from([LAYOUT, "<ViewItems><ViewItem /></ViewItems>"])


@st.composite
def any_view(draw: st.DrawFn, prefix: str, cams: st.SearchStrategy[str | None]) -> View:
    layout = draw(LAYOUTS)
    n = layout.count("<ViewItem ")
    return view(f"{prefix}{next(_ids)}", [draw(cams) for _ in range(n)], name=draw(NAMES), layout=layout)


@given(st.lists(any_view("s", CAMS), max_size=3), st.lists(any_view("t", st.sampled_from(["t1-c0", None])),
                                                           max_size=3), st.data())
@hyp_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_after_applying_the_plan_a_fresh_plan_has_nothing_for_views(src_views: Any, tgt_views: Any,
                                                                     data: st.DataObject) -> None:
    created = {v.id for v in tgt_views if data.draw(st.booleans())}
    src, tgt = sides(src_views, tgt_views)
    operators = {v.id: copy.deepcopy(v) for v in tgt_views if v.id not in created}
    apply_views(plan_for(src, tgt, created), tgt, created)
    again = plan_for(src, tgt, created)
    # Only conflicts SmartSync may not resolve (duplicates, an operator's view unlike the source) remain,
    # as skips; an operator's view is never deleted nor changed, even at a source view's path.
    assert views(again) == []
    now = {v.id: v for v in tgt.views}
    assert [i for i, v in operators.items() if now.get(i) != v] == []
