"""The one real-time test: `smartsync serve` in its own process, a 2-second interval, stopped by SIGTERM.

Needs no .NET: the cycle is a quick fake that behaves like the engine towards the store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.store import ScheduleState, Store
from tests.helpers import end_process
from tests.helpers import wait_until as _wait

ROOT = Path(__file__).resolve().parents[2]

SERVE_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    import click

    from bridge.cli.service_cmds import service_commands

    root = Path(sys.argv[1])
    settings = SimpleNamespace(service=SimpleNamespace(store=root / "smartsync.db", log_dir=root / "logs"), sites=[])

    def factory(settings, store):
        def cycle(*, trigger, notes, stop_event):
            run_id = store.begin_cycle(trigger, notes)
            stop_event.wait(float(sys.argv[2]))  # the cycle's actions; the engine checks the event between them
            status = "interrupted" if stop_event.is_set() else "ok"
            store.finish_cycle(run_id, status, {"summary": status})
            return SimpleNamespace(status=status, summary=lambda: status, to_json=lambda: {})
        return cycle

    @click.group()
    def cli():
        pass

    for command in service_commands:
        cli.add_command(command)

    cli.main(["serve", "--poll", "0.3", "--stop-timeout", "5"],
             obj={"settings_loader": lambda: settings, "cycle_factory": factory})
""")



@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")
def test_serve_keeps_the_interval_from_the_end_and_stops_on_sigterm(tmp_path: Path) -> None:
    store = Store(tmp_path / "smartsync.db")
    # 2 s is below what an administrator may choose (30 s); written straight into the store for the test.
    store.save_schedule(ScheduleState(enabled=True, interval_seconds=2, next_run_at=datetime.now(UTC)))
    script = tmp_path / "serve.py"
    script.write_text(SERVE_SCRIPT, encoding="utf-8")
    out = tmp_path / "serve.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, str(script), str(tmp_path), "0.6"], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=sink, stderr=subprocess.STDOUT)
    try:
        assert _wait(lambda: any(r.status == "ok" for r in store.runs()), 15), "no first cycle"
        assert _wait(lambda: store.current_cycle() is not None, 10), "no second cycle"
        first = next(r for r in store.runs() if r.status == "ok")
        second = store.current_cycle()
        assert first.ended_at is not None and second is not None
        gap = (second.started_at - first.ended_at).total_seconds()
        assert 1.9 <= gap <= 3.5, f"idle gap {gap:.2f}s, expected the 2 s interval from the end of the cycle"

        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        end_process(proc)
    output = out.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, output
    assert took < 5, f"stopping took {took:.1f}s"
    interrupted = store.run(second.id)
    assert interrupted is not None and interrupted.status == "interrupted"
    assert store.current_cycle() is None and store.service_state().status == "stopped"
    log = (tmp_path / "logs" / "smartsync.log").read_text(encoding="utf-8")
    assert "Idle until" in log and "Received SIGTERM" in log and "SmartSync service stopped" in log
