"""Runs the web app with uvicorn, the scheduler inside its lifespan: what `smartsync serve` starts.

Uvicorn's own logging is turned off: its access lines would bypass the
secret scrubber (SmartSync logs through loguru only), and a request line is
no use to an administrator.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    """Uvicorn's server, but a SIGTERM or Ctrl-C is a clean stop of the service (exit 0).

    Uvicorn re-raises the signal it caught once it has shut down, so the process would die by it; a
    service manager would read that as a crash.
    """

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def make_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5)
    return _Server(config)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (for tests and benches: never a fixed one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def run(app: FastAPI, host: str, port: int) -> Any:
    """Serve until SIGTERM or Ctrl-C (uvicorn handles both and runs the lifespan's shut-down)."""
    server = make_server(app, host, port)
    server.run()
    return app.state.stopped_clean
