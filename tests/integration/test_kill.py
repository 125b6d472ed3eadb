"""SIGKILL during apply: the next start records the cycle as interrupted and the next cycle finishes the work.

The real command runs in its own process against a slowed fake (SMARTSYNC_FAKE_DELAY_MS) and is killed
once the journal shows a write done; a second `smartsync sync` runs on the same store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bridge.engine import run_cycle
from tests.integration.faultcheck import Pair, drift, target_view
from tests.integration.test_engine_cycle import first_primary_secondary, make_site

pytestmark = pytest.mark.dotnet
__all__ = ["make_site"]  # the fixture, used by name
REPO = Path(__file__).resolve().parents[2]


def smartsync(config: Path, *args: str, delay_ms: int = 0) -> subprocess.Popen[str]:
    env = dict(os.environ, SMARTSYNC_FAKE_DELAY_MS=str(delay_ms))
    return subprocess.Popen([sys.executable, "-m", "bridge", "-c", str(config), *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_during_apply_then_a_new_run_ends_where_a_clean_cycle_ends(make_site: Any) -> None:
    site = make_site(hardware=3)
    site.cycle()
    p, _ = first_primary_secondary(site)
    drift(site.world, p)
    secondaries = site.config["labels"]["secondary"]
    pair = Pair(site.root, {"guard": site.config["guard"]})
    settings, store, world = pair.copy("clean")
    assert run_cycle(settings, store, trigger="clean").status == "ok"
    expected = target_view(world, secondaries)

    _, store, world = pair.copy("killed")
    config = world.parent / "smartsync.toml"
    victim = smartsync(config, "sync", delay_ms=40)
    deadline = time.monotonic() + 120
    run = None
    while time.monotonic() < deadline and victim.poll() is None:
        run = store.current_cycle()
        if run is not None and any(e.state == "done" for e in store.journal(run.id)):
            break
        time.sleep(0.05)
    if run is None or victim.poll() is not None:
        victim.communicate(timeout=30)
        pytest.fail("the cycle ended before it could be killed")
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)
    done_before = sum(1 for e in store.journal(run.id) if e.state == "done")

    again = smartsync(config, "sync")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-2000:]
    killed = store.run(run.id)
    assert killed is not None and killed.status == "interrupted"
    assert "ended without finishing it" in killed.report["message"]
    assert [e.state for e in store.journal(run.id)][:done_before] == ["done"] * done_before
    assert target_view(world, secondaries) == expected
    resumed = store.runs()[0]
    assert any(f"cycle {run.id} was interrupted" in n for n in resumed.notes)
    # What was under way at the kill was settled from the target before planning, none of it left pending.
    journal = store.journal(run.id)
    under_way = [e for e in journal if e.resumed_by is not None]
    assert all(e.state != "pending" for e in journal) and not store.unsettled()
    assert [r["seq"] for r in resumed.report.get("resumed", [])] == [e.seq for e in under_way]
    assert all(e.resumed_by == resumed.id for e in under_way)

    history = smartsync(config, "history", str(run.id))
    shown, _ = history.communicate(timeout=120)
    assert "Cycle interrupted" in shown and "ended without finishing it" in shown
    if under_way:
        # As `history ID --json` gives them (the table folds long text to the terminal's width).
        cut = smartsync(config, "history", str(run.id), "--json")
        cut_doc = json.loads(cut.communicate(timeout=120)[0])
        assert [e["resumed"] for e in cut_doc["journal"] if e.get("resumed_by")] == [e.resumed for e in under_way]
        assert all(e.resumed.startswith(f"resumed by run {resumed.id}: ") for e in under_way)
        later = smartsync(config, "history", str(resumed.id))
        assert "settled from the journal" in later.communicate(timeout=120)[0]
