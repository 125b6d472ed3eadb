"""A real `serve` composition for browser tests: uvicorn in a thread, the scheduler in the app's lifespan.

Everything is real except the cycle (tests.web.fakeworld.FakeCycles); the port is a free one.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.app import AppService
from bridge.service import Service
from bridge.web import create_app
from bridge.web.server import free_port, make_server
from tests.web.fakeworld import TOKEN, make_app_service


class LiveServer:
    def __init__(self, folder: Path, cycles: Any, app_service: AppService | None = None, **kwargs: Any) -> None:
        """`cycles` is FakeCycles (or, with its `app_service`, tests.web.memworld.MemoryCycles)."""
        self.cycles = cycles
        self.app_service: AppService = app_service or make_app_service(folder, cycles, **kwargs)
        store = self.app_service.store()
        self.service = Service(store, self.app_service.recorded_cycle(), tz=self.app_service.tz, poll_seconds=0.5)
        self.app_service.on_schedule_change = lambda: self.service.scheduler.modify_job(
            "poll", next_run_time=datetime.now(UTC))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server(create_app(self.app_service, token=TOKEN, service=self.service, stop_timeout=5),
                                  "127.0.0.1", self.port)
        self.thread = threading.Thread(target=self.server.run, name="test-uvicorn", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.cycles.hold.set()
        self.server.should_exit = True
        self.thread.join(20)
