"""Runs the web app with uvicorn, the scheduler inside its lifespan: what `smartsync serve` starts.

Uvicorn's own logging is turned off: its access lines would bypass the
secret scrubber (SmartSync logs through loguru only), and a request line is
no use to an administrator.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from fastapi import FastAPI


def make_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


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
