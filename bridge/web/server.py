"""Runs the web app with uvicorn, the scheduler inside its lifespan: what `smartsync serve` starts.

Uvicorn's own logging is turned off: its access lines would bypass the
secret scrubber (SmartSync logs through loguru only), and a request line is
no use to an administrator.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
    # Uvicorn reports a failed start-up with a traceback on its own logger; SmartSync says it in one line.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5)
    return _Server(config)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (for tests and benches: never a fixed one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def run(app: FastAPI, host: str, port: int, stop_when: threading.Event | None = None) -> bool:
    """Serve until SIGTERM, Ctrl-C or `stop_when` is set; True when the scheduler stopped cleanly.

    A start-up error of the lifespan (another service runs on this store) is raised here, once uvicorn is
    down, so the command reports it in its own words.
    """
    server = make_server(app, host, port)
    if stop_when is not None:
        def watch() -> None:
            while not server.should_exit:
                if stop_when.wait(0.5):
                    server.should_exit = True
        threading.Thread(target=watch, name="smartsync-web-stop", daemon=True).start()
    try:
        server.run()
    except SystemExit:
        # Uvicorn leaves with exit 3 when the lifespan's start-up failed; say why instead.
        if app.state.startup_error is not None:
            raise app.state.startup_error from None
        raise
    return bool(app.state.stopped_clean)
