"""`smartsync serve` in real processes: one service per store, and a restart that re-reads the settings.

No .NET: the cycle is a quick fake that records, in the run's report, what settings it was given.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.store import ScheduleState, Store
from tests.helpers import one_site_config
from tests.helpers import wait_until as _wait

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "restart-Secret-58"

# The real CLI group and the real settings loader; only the cycle is a stand-in.
SERVE_SCRIPT = textwrap.dedent("""
    import sys
    from types import SimpleNamespace

    from bridge.cli import _register, cli, main

    def factory(settings, store):
        def cycle(*, trigger, notes, stop_event):
            run_id = store.begin_cycle(trigger, notes)
            ok = settings.sites[0].password.get_secret_value() == sys.argv[1]
            summary = f"share {settings.guard.max_delete_share}, password {'right' if ok else 'wrong'}"
            store.finish_cycle(run_id, "ok", {"summary": summary})
            return SimpleNamespace(status="ok", summary=lambda: summary, to_json=lambda: {})
        return cycle

    _register()
    cli.context_settings["obj"] = {"cycle_factory": factory}
    main(sys.argv[2:])
""")

CONFIG = one_site_config('password_file = "primary.pw"', "[guard]\nmax_delete_share = {share}",
                         '[service]\nstore = "smartsync.db"\nlog_dir = "logs"')


class Folder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "smartsync.toml"
        self.write(share=0.1, password=PASSWORD)
        self.script = root / "serve.py"
        self.script.write_text(SERVE_SCRIPT, encoding="utf-8")
        self.store = Store(root / "smartsync.db")

    def write(self, share: float, password: str) -> None:
        self.config.write_text(CONFIG.replace("{share}", str(share)), encoding="utf-8")
        (self.root / "primary.pw").write_text(password + "\n", encoding="utf-8")

    def serve(self, *extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(self.script), PASSWORD, "-c", str(self.config), "serve", "--poll", "0.3", *extra],
            cwd=self.root, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)

    def smartsync(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bridge", "-c", str(self.config), *args], cwd=self.root,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                              timeout=60)


def _stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_a_second_service_on_the_same_store_is_refused_and_a_dead_one_is_taken_over(tmp_path: Path) -> None:
    folder = Folder(tmp_path)
    first = folder.serve()
    try:
        assert _wait(lambda: folder.store.service_alive(), 30), "the first service never started"
        second = folder.serve()
        out, _ = second.communicate(timeout=20)
        assert second.returncode == 5, out
        assert f"process {first.pid} on {folder.store.host}" in out and "already runs on this store" in out
        assert "Traceback" not in out
        # The refused one changed nothing: the first still owns the store and beats.
        state = folder.store.service_state()
        assert state.pid == first.pid and state.stopped_at is None

        first.kill()  # a crash: no "stopped" is recorded
        first.wait()
        third = folder.serve()
        try:
            assert _wait(lambda: folder.store.service_state().pid == third.pid, 30), "no take-over"
            assert _wait(lambda: folder.store.service_alive(), 10)
        finally:
            out = _stop(third)
        assert third.returncode == 0, out
        assert f"process {first.pid} on {folder.store.host}): its process is gone" in out
    finally:
        _stop(first)


def test_service_restart_rereads_the_settings_and_the_password_file_and_says_so(tmp_path: Path) -> None:
    folder = Folder(tmp_path)
    folder.write(share=0.1, password="the-old-wrong-one")
    serve = folder.serve()
    try:
        assert _wait(lambda: folder.store.service_alive(), 30), "the service never started"
        # 2 s is below what an administrator may choose (30 s); written straight into the store for the test.
        folder.store.save_schedule(ScheduleState(enabled=True, interval_seconds=2, next_run_at=datetime.now(UTC)))
        assert _wait(lambda: folder.store.last_finished() is not None, 30)
        assert folder.store.last_finished().report["summary"] == "share 0.1, password wrong"  # type: ignore[union-attr]

        folder.write(share=0.3, password=PASSWORD)  # the administrator fixes the file and the password
        restart = folder.smartsync("service", "restart")
        assert restart.returncode == 0, restart.stdout + restart.stderr
        assert f"Restarted: settings re-read from {folder.config}" in restart.stdout
        assert "password files are read afresh at every log-in: primary" in restart.stdout
        seen = folder.store.last_finished().id  # type: ignore[union-attr]
        assert _wait(lambda: folder.store.last_finished().id > seen + 1, 30)  # type: ignore[union-attr]
        assert folder.store.last_finished().report["summary"] == "share 0.3, password right"  # type: ignore[union-attr]
    finally:
        out = _stop(serve)
    assert serve.returncode == 0, out
    assert PASSWORD not in out and PASSWORD not in json.dumps([r.report for r in folder.store.runs(100)])
