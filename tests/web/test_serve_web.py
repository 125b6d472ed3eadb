"""`smartsync serve` in its own process: the scheduler and the web server together, and no web without a token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bridge.store import Store
from bridge.web.server import free_port
from tests.helpers import end_process
from tests.helpers import wait_until as _wait

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "serve-test-token-0123456789"

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    import click

    from bridge.cli.service_cmds import service_commands

    root, port = Path(sys.argv[1]), int(sys.argv[2])
    settings = SimpleNamespace(service=SimpleNamespace(store=root / "smartsync.db", log_dir=root / "logs"), sites=[],
                               web=SimpleNamespace(host="127.0.0.1", port=port, token_file=None))

    def factory(settings, store):
        def cycle(*, trigger, notes, stop_event):
            run_id = store.begin_cycle(trigger, notes)
            store.finish_cycle(run_id, "ok", {"summary": "ok"})
            return SimpleNamespace(status="ok", summary=lambda: "ok", to_json=lambda: {})
        return cycle

    @click.group()
    def cli():
        pass

    for command in service_commands:
        cli.add_command(command)

    from bridge.errors import BridgeError

    try:  # as bridge.cli.main does: a BridgeError is one line and its exit code
        cli.main(["serve", "--poll", "0.3", "--stop-timeout", "5"], standalone_mode=False,
                 obj={"settings_loader": lambda: settings, "cycle_factory": factory})
    except BridgeError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        sys.exit(exc.exit_code)
""")



def _call(port: int, method: str, path: str, body: dict[str, Any] | None = None,
          token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return 0, {}


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int, Path]:
    script = tmp_path / "serve.py"
    script.write_text(SCRIPT, encoding="utf-8")
    port = free_port()
    out = tmp_path / "serve.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, str(script), str(tmp_path), str(port)], cwd=ROOT,
                                env={**env, "PYTHONPATH": str(ROOT)}, stdout=sink, stderr=subprocess.STDOUT)
    return proc, port, out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")
def test_serve_runs_the_page_and_the_scheduler_in_one_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SMARTSYNC_SERVICE_TOKEN"} | {"SMARTSYNC_SERVICE_TOKEN": TOKEN}
    proc, port, out = _start(tmp_path, env)
    store = Store(tmp_path / "smartsync.db")
    try:
        assert _wait(lambda: _call(port, "GET", "/api/status")[0] == 200, 30), out.read_text()
        assert _call(port, "GET", "/api/status", token=None)[0] == 401
        assert _wait(lambda: _call(port, "GET", "/api/status")[1]["service"]["running"], 10)
        # Start Now through the API: the scheduler in the same process runs the cycle at once.
        code, doc = _call(port, "PUT", "/api/schedule", {"interval": "10m", "start": "now"})
        assert code == 200, doc
        assert _wait(lambda: any(r.status == "ok" for r in store.runs()), 10), "Start Now ran no cycle"
        assert _wait(lambda: _call(port, "GET", "/api/status")[1]["state"] == "idle", 10)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        end_process(proc, 10)
    text = out.read_text()
    assert TOKEN not in text and TOKEN not in (tmp_path / "logs" / "smartsync.log").read_text()
    assert store.service_state().status == "stopped"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")
def test_serve_without_a_token_refuses_the_page_and_says_how(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SMARTSYNC_SERVICE_TOKEN"}
    proc, port, out = _start(tmp_path, env)
    store = Store(tmp_path / "smartsync.db")
    try:
        assert _wait(store.service_alive, 30), out.read_text()
        assert _call(port, "GET", "/api/status")[0] == 0  # nothing listens
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        end_process(proc, 10)
    text = out.read_text()
    assert "The web page does not start: the web page needs a service token" in text
    assert "secrets.token_urlsafe" in text and "SMARTSYNC_SERVICE_TOKEN" in text


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")
def test_a_second_serve_on_the_same_store_is_refused_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SMARTSYNC_SERVICE_TOKEN"} | {"SMARTSYNC_SERVICE_TOKEN": TOKEN}
    first, port, out = _start(tmp_path, env)
    try:
        assert _wait(lambda: _call(port, "GET", "/api/status")[0] == 200, 30), out.read_text()
        script = tmp_path / "serve.py"
        other = subprocess.run([sys.executable, str(script), str(tmp_path), str(free_port())], cwd=ROOT,
                               env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
        assert other.returncode == 5, other.stdout + other.stderr
        assert "Traceback" not in other.stdout + other.stderr
        assert "already runs on this store" in other.stderr and other.stderr.count("\n") == 1
        assert _call(port, "GET", "/api/status")[0] == 200  # the first goes on
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(20) == 0
