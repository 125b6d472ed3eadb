"""Fault safety: the VMS stops answering in the middle of a cycle, then a clean cycle finishes the work.

A sample of cut points here; `python -m bench faults` (bench/bench_faults.py) sweeps every one."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.engine import run_cycle
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
        if journal and journal[-1].state == "failed":
            break
    else:
        pytest.fail("no cut point landed on a write")
    assert cut.status == "error" and "lost" in cut.report["message"].lower()
    assert "lost" in journal[-1].error.lower()
    done = [e for e in journal if e.state == "done"]
    assert done and sum(cut.report["applied"].values()) == len(done)
    assert cut.report["failures"][-1]["error"] == journal[-1].error
    assert second.status == "ok"
