"""The AppService a command works with, built once from what the click context carries.

The context holds the settings loader (`bridge.cli`), and tests may add a
`clock`, a `tz` and a `cycle_factory(settings, store)`; every command reaches
the service calls through `app_of(ctx)`.
"""

from __future__ import annotations

from typing import Any

import click

from bridge.app import AppService


def app_of(ctx: click.Context, *, reread: bool = False) -> AppService:
    """This command's AppService; `reread` (the service) reads the configuration file afresh on every use."""
    obj = ctx.ensure_object(dict)
    cached: AppService | None = obj.get("app")
    if cached is not None and not reread:
        return cached
    loader = obj["settings_loader"]
    if reread:
        path = getattr(loader(), "config_path", None)
        if path is not None:
            from bridge.settings import load_settings

            def loader() -> Any:
                # Not the command's cached settings: the page saves the file, and every cycle reads it afresh.
                return load_settings(path)

    factory = obj.get("cycle_factory")
    app = AppService(loader, clock=obj.get("clock"), tz=obj.get("tz"),
                     cycle_factory=(lambda s, st, _progress: factory(s, st)) if factory else None)
    if not reread:
        obj["app"] = app
    return app
