"""Page load and API latency of the Redundancy Configuration page over a 10,000-camera history of 200 cycles.

Run: .venv/bin/python bench/bench_web.py [cycles] [cameras]
Builds a store of `cycles` finished cycles of a `cameras`-camera installation (the first one mirrors
everything: one add per hardware and one update per camera; each later one applies 1% of the cameras),
serves the real app with uvicorn on a free loopback port, and prints the median of 7 requests for each
page and endpoint (after one warm-up request).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bridge.app import AppService
from bridge.model import Action, ActionKind, Ref
from bridge.settings import load_settings
from bridge.store import Store
from bridge.web import create_app
from bridge.web.server import free_port, make_server

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789abcdef"
PER_HW = 4
RUNS = 7


def _update(i: int) -> dict[str, Any]:
    ref = Ref("ms-primary", f"rec-S{i % 20}", f"cam-{i}", "camera", f"Camera {i}")
    return Action(ActionKind.UPDATE, ref, f"camera 'Camera {i}': streams differ from source (FPS)",
                  source=Ref("ms-primary", f"rec-P{i % 20}", f"src-{i}", "camera", f"Camera {i}"),
                  category="streams", values={"FPS": "15"}, before={"FPS": "8"}).to_json()


def _add(h: int) -> dict[str, Any]:
    ref = Ref("ms-primary", f"rec-S{h % 20}", item_kind="hardware", name=f"Hardware {h}")
    return Action(ActionKind.ADD, ref, f"hardware 'Hardware {h}' has no counterpart",
                  values={"address": f"http://10.1.{h // 250}.{h % 250}/", "name": f"Hardware {h}"}).to_json()


def build_history(store: Store, cycles: int, cameras: int) -> None:
    start = datetime.now(UTC) - timedelta(minutes=15 * cycles)
    conn = store._connect()  # one transaction for the whole history: the bench measures reading, not this
    try:
        conn.execute("BEGIN")
        for n in range(cycles):
            began = start + timedelta(minutes=15 * n)
            ended = began + timedelta(minutes=5)
            if n == 0:
                applied = [_add(h) for h in range(cameras // PER_HW)] + [_update(i) for i in range(cameras)]
            else:
                applied = [_update((n * 97 + k) % cameras) for k in range(cameras // 100)]
            counts: dict[str, int] = {}
            for a in applied:
                counts[a["kind"]] = counts.get(a["kind"], 0) + 1
            report = {"trigger": "schedule", "status": "ok", "started_at": began.isoformat(),
                      "ended_at": ended.isoformat(), "applied": counts, "applied_actions": applied, "failures": [],
                      "skips": [], "source_cameras": cameras, "target_cameras": cameras}
            import json

            conn.execute("INSERT INTO runs (trigger, status, started_at, ended_at, report) VALUES (?, ?, ?, ?, ?)",
                         ("schedule", "ok", began.isoformat(), ended.isoformat(), json.dumps(report)))
        conn.execute("COMMIT")
    finally:
        conn.close()


def median_ms(url: str, cookie: str | None = None) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    times = []
    size = 0
    for i in range(RUNS + 1):
        request = urllib.request.Request(url, headers=headers)
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as r:
            size = len(r.read())
        if i:  # the first is a warm-up
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), size


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    cameras = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    folder = Path(tempfile.mkdtemp(prefix="smartsync-bench-web-"))
    try:
        path = folder / "smartsync.toml"
        shutil.copy(ROOT / "smartsync.example.toml", path)
        env = {"SMARTSYNC_PASSWORD_PRIMARY": "bench"}
        app_service = AppService(lambda: load_settings(path, env=env), config_path=path, env=env,
                                 connect=lambda settings: None)
        store = app_service.store()
        t0 = time.perf_counter()
        build_history(store, cycles, cameras)
        print(f"history: {cycles} cycles of {cameras} cameras, store {store.path.stat().st_size / 1e6:.0f} MB "
              f"(built in {time.perf_counter() - t0:.1f} s)")
        port = free_port()
        server = make_server(create_app(app_service, token=TOKEN), "127.0.0.1", port)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        first = store.runs(cycles)[-1].id
        for what, url in (("GET /api/status", "/api/status"), ("GET / (configuration page)", "/"),
                          ("GET /history (chart + table of 200)", "/history"),
                          ("GET /api/history?limit=200", "/api/history?limit=200"),
                          (f"GET /history/{first} (report of the first, full mirror)", f"/history/{first}"),
                          ("GET /history/<latest> (report of 1% changed)", f"/history/{first + cycles - 1}")):
            ms, size = median_ms(base + url)
            print(f"{what:60} median {ms:8.1f} ms  ({size / 1e3:.0f} kB)")
        server.should_exit = True
        thread.join(10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
