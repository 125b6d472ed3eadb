"""Fault safety: the VMS stops answering in the middle of a cycle, then a clean cycle finishes the work.

A sample of cut points here; `python -m bench faults` (bench/bench_faults.py) sweeps every one."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.engine import run_cycle
from bridge.errors import BridgeError
from fakes import verbs
from tests.integration.faultcheck import Pair, cut_and_resume, drift, target_view
from tests.integration.test_engine_cycle import first_primary_secondary, make_site
from tests.integration.test_revert import _show_diff

pytestmark = pytest.mark.dotnet
__all__ = ["make_site"]  # the fixture, used by name


def test_a_cycle_cut_anywhere_then_a_clean_cycle_ends_where_one_clean_cycle_ends(make_site: Any) -> None:
    site = make_site(hardware=3)
    site.cycle()
    p, _ = first_primary_secondary(site)
    secondaries = site.config["labels"]["secondary"]
    drift(site.world, p)
    pair = Pair(site.root, {"guard": site.config["guard"]})
    settings, store, world = pair.copy("clean")
    clean = run_cycle(settings, store, trigger="clean")
    assert clean.status == "ok" and clean.round_trips
    expected = target_view(world, secondaries)
    (host,) = {f.stem for f in site.world.glob("*.json")}
    cuts = sorted({1, clean.round_trips // 3, clean.round_trips // 2, (clean.round_trips * 4) // 5,
                   clean.round_trips - 2})
    for n in cuts:
        first, second = cut_and_resume(pair, f"cut{n}", host, n)
        assert second.status == "ok", (n, second.failures)
        # Whatever write the cut left unknown, the resuming cycle settled it from the target (none left).
        from bridge.store import Store

        cut_store = Store(site.root.parent / f"cut{n}" / "smartsync.db")
        assert not cut_store.unsettled(), n
        assert [r["left"] for r in second.resumed] == [False] * len(second.resumed)
        got = target_view(site.root.parent / f"cut{n}" / "world", secondaries)
        _show_diff(expected, got)
        assert got == expected, f"cut after {n} round trips"


def test_a_lost_connection_mid_apply_fails_the_cycle_with_the_reason_and_the_writes_so_far(make_site: Any) -> None:
    site = make_site(hardware=3)
    site.cycle()
    p, _ = first_primary_secondary(site)
    drift(site.world, p)
    pair = Pair(site.root, {"guard": site.config["guard"]})
    settings, store, _ = pair.copy("clean")
    clean = run_cycle(settings, store, trigger="clean")
    (host,) = {f.stem for f in site.world.glob("*.json")}
    from bridge.store import Store

    # The first cut point, from the end of the cycle backwards, that lands on a write.
    for n in range(clean.round_trips - 1, 0, -1):
        first, second = cut_and_resume(pair, f"late{n}", host, n)
        cut_store = Store(pair.base.parent / f"late{n}" / "smartsync.db")
        cut = next(r for r in cut_store.runs() if r.trigger == "fault")
        journal = cut_store.journal(cut.id)
        if journal and journal[-1].state == "unknown":  # a write the lost connection cut: it may have landed
            break
    else:
        pytest.fail("no cut point landed on a write")
    assert cut.status == "error" and "lost" in cut.report["message"].lower()
    assert "lost" in journal[-1].error.lower()
    done = [e for e in journal if e.state == "done"]
    assert done and sum(cut.report["applied"].values()) == len(done)
    assert cut.report["failures"][-1]["error"] == journal[-1].error
    assert second.status == "ok"


def test_an_add_cut_after_its_task_ran_is_paired_from_the_journal_though_the_source_address_changed(
        make_site: Any) -> None:
    """The connection drops right after the SDK's add-hardware task made the hardware, before the journal could
    mark the add done; then the source hardware gets a new address, so address pairing alone would add it again."""
    from bridge.events import EVENT_ACTION_AFTER, CycleEvent, Listeners
    from bridge.sdk import connect
    from bridge.store import Store
    from tests.integration import worldtools as wt

    site = make_site(hardware=3)
    site.cycle()
    p, s = first_primary_secondary(site)
    drift(site.world, p)
    pair = Pair(site.root, {"guard": site.config["guard"]})
    settings, store, _ = pair.copy("clean")
    session = connect(settings)
    ends: list[int] = []
    heard = Listeners()

    def after(event: CycleEvent) -> None:
        if event.action is not None and event.action.kind.value == "add":
            ends.append(session.round_trips() or 0)

    heard.add(after, EVENT_ACTION_AFTER)
    try:
        assert run_cycle(settings, store, trigger="clean", session=session, listeners=heard).status == "ok"
    finally:
        session.close()
    (host,) = {f.stem for f in site.world.glob("*.json")}
    gate = "http://10.97.0.1/"
    # From the add's last round trip backwards: the first cut that leaves the hardware made and the add unknown.
    for n in range(ends[0], 0, -1):
        settings, store, world = pair.copy(f"add{n}")
        verbs.set_fault(world, host, "DropAfterRoundTrips", None, n)
        try:
            run_cycle(settings, store, trigger="fault")
        except BridgeError:
            pass  # the cut; a cut point past the cycle's end just lets it finish
        verbs.clear_faults(world, host)
        cut = store.runs()[0]
        adds = [e for e in store.journal(cut.id) if e.kind == "add"]
        if adds and adds[-1].state == "unknown" and wt.hardware_by_address(world, s, gate) is not None:
            break
    else:
        pytest.fail("no cut point landed after the add's task and before the journal marked it done")
    made = wt.hardware_by_address(world, s, gate)
    assert made is not None and not any(q.target_hardware_id == made["Id"] for q in store.pairings())
    source = wt.hardware_by_address(world, p, gate)
    assert source is not None
    verbs.replace_hardware(world, source["Id"], address="http://10.97.0.2/")

    report = run_cycle(settings, store, trigger="resume")
    assert report.status == "ok", report.failures
    on_target = [h for h in wt.hardware_on(world, s) if h["Address"].rstrip("/") in (gate.rstrip("/"),
                                                                                  "http://10.97.0.2")]
    assert [h["Id"] for h in on_target] == [made["Id"]]  # exactly one: the one the cut add made
    assert any(q.source_hardware_id == source["Id"] and q.target_hardware_id == made["Id"]
               for q in Store(store.path).pairings())
    assert report.applied.get("add") is None
    (entry,) = [e for e in store.journal(cut.id) if e.kind == "add" and e.state != "failed"]
    assert entry.state == "done" and entry.resumed_by == report.run_id
    assert [(r["run_id"], r["kind"], r["state"]) for r in report.resumed if r["kind"] == "add"] == [
        (cut.id, "add", "done")]
    assert any("from the journal" in n for n in report.notes)
