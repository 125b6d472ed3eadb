"""How `smartsync serve` starts the web part: the token check, the app over AppService, uvicorn.

Without a service token the web part is refused (one message saying how to
make a token) and `serve` goes on with the scheduler alone.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import Any

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
    """The AppService of this process, with the test hooks the click context may carry."""
    from bridge.app import AppService

    factory = ctx.obj.get("cycle_factory")
    loader = ctx.obj["settings_loader"]
    path = getattr(settings, "config_path", None)
    if path is not None:
        from bridge.settings import load_settings

        def loader() -> Any:
            # Not the command's cached settings: the page saves the file, and every cycle reads it afresh.
            return load_settings(path)

    return AppService(
        loader, clock=ctx.obj.get("clock"), tz=ctx.obj.get("tz"),
        cycle_factory=(lambda s, st, _progress: factory(s, st)) if factory else None,
    )


def _check_port(host: str, port: int) -> None:
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise BridgeError(f"the web page cannot listen on {host}:{port} ({exc.strerror or exc}); choose another "
                          f"[web] port or host, or stop what uses it") from None


def serve_with_web(ctx: click.Context, settings: Any, store: Any, token: str, *, stop_timeout: float,
                   poll_seconds: float) -> None:
    """The scheduler and the web server in one process; the app's lifespan starts and stops the scheduler."""
    from bridge.service import Service
    from bridge.web import create_app
    from bridge.web.server import run

    host, port = settings.web.host, int(settings.web.port)
    _check_port(host, port)
    app_service = app_service_for(ctx, settings)
    service = Service(store, app_service.recorded_cycle(), clock=app_service.clock, tz=app_service.tz,
                      poll_seconds=poll_seconds, manage_logs=True)

    def wake() -> None:
        service.scheduler.modify_job("poll", next_run_time=datetime.now(UTC))

    app_service.on_schedule_change = wake
    app = create_app(app_service, token=token, service=service, stop_timeout=stop_timeout)
    logger.info("Redundancy Configuration page on http://{}:{}/ (API at /docs)", host, port)
    click.echo(f"Redundancy Configuration page: http://{host}:{port}/  (API documentation: /docs)", err=True)
    clean = run(app, host, port)
    if not clean:
        logger.complete()
        os._exit(1)
