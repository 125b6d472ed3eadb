"""How `smartsync serve` starts the web part: the token check, the app over AppService, uvicorn.

Without a service token the web part is refused (one message saying how to
make a token) and `serve` goes on with the scheduler alone.
"""

from __future__ import annotations

import os
import socket
import sys
from datetime import UTC, datetime
from typing import Any, NoReturn

import click
from loguru import logger

from bridge.errors import BridgeError, ConfigError


def web_token(settings: Any) -> str | None:
    """The service token, or None after saying why the page does not start."""
    from bridge.web.auth import load_token

    web = getattr(settings, "web", None)
    try:
        return load_token(getattr(web, "token_file", None))
    except ConfigError as exc:
        click.echo(f"The web page does not start: {exc.message}.", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        click.echo("The scheduler runs without it (`smartsync serve --no-web` says nothing about the page).",
                   err=True)
        return None


def app_service_for(ctx: click.Context, settings: Any) -> Any:
    """The service's AppService: it reads the configuration file afresh for every cycle and every save."""
    from bridge.cli.context import app_of

    return app_of(ctx, reread=True)


def _check_port(host: str, port: int) -> None:
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise BridgeError(f"the web page cannot listen on {host}:{port} ({exc.strerror or exc}); choose another "
                          f"[web] port or host, or stop what uses it") from None


def serve_with_web(ctx: click.Context, settings: Any, store: Any, token: str, *, stop_timeout: float,
                   poll_seconds: float, detailed_logs: bool = False) -> NoReturn:
    """The scheduler and the web server in one process; the app's lifespan starts and stops the scheduler.

    Leaves the process like the scheduler-only `serve`: exit 0 after a clean stop, 1 when the cycle did not
    stop in time or another service took the store over.
    """
    from bridge.cli.service_cmds import _reread_settings, reread_words
    from bridge.service import Service
    from bridge.settings import check_passwords
    from bridge.web import create_app
    from bridge.web.server import run

    host, port = settings.web.host, int(settings.web.port)
    _check_port(host, port)
    app_service = app_service_for(ctx, settings)

    def reload() -> tuple[Any, str]:
        # Every cycle reads the file afresh through app_service; a restart checks it and says what it re-read.
        fresh = _reread_settings(ctx, settings)
        check_passwords(fresh)
        return app_service.recorded_cycle(), reread_words(fresh, settings)

    service = Service(store, app_service.recorded_cycle(), clock=app_service.clock, tz=app_service.tz,
                      poll_seconds=poll_seconds, manage_logs=True, reload=reload)

    def wake() -> None:
        service.scheduler.modify_job("poll", next_run_time=datetime.now(UTC))

    def started() -> None:
        if detailed_logs:
            store.set_service_state(detailed_logs=True)
        logger.info("Redundancy Configuration page on http://{}:{}/ (API at /docs)", host, port)
        click.echo(f"Redundancy Configuration page: http://{host}:{port}/  (API documentation: /docs)", err=True)

    app_service.on_schedule_change = wake
    app = create_app(app_service, token=token, service=service, stop_timeout=stop_timeout, on_started=started)
    clean = run(app, host, port, stop_when=service.displaced)
    if service.displaced.is_set():
        logger.error("Stopped: another service has taken this store over")
    code = 0 if clean and not service.displaced.is_set() else 1
    # As the scheduler-only serve: leave once the service has said it stopped (no thread keeps us alive).
    logger.complete()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
