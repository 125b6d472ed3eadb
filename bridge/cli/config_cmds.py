"""`smartsync config check`: is the configuration right, on its own and against the VMS?

Exit codes: 0 when everything fits, 2 for configuration problems (all of them
printed at once: the file's own, then, when every value has its type, the
mismatches with the recording servers and the cameras `[camera_map]` names),
3 when the management server cannot be reached or the SDK cannot be loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bridge.config_check import camera_map_problems
from bridge.errors import ConnectError, SdkLoadError


@click.group("config")
def config_group() -> None:
    """Check the configuration file."""


@config_group.command("check")
@click.option("--offline", is_flag=True, help="Only check the file and the environment; do not connect.")
@click.option("--config", "-c", "config_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Configuration file to check (default: the one given to smartsync, SMARTSYNC_CONFIG, or "
                   "./smartsync.toml).")
@click.pass_context
def check(ctx: click.Context, offline: bool, config_path: Path | None) -> None:
    """Report every problem in the configuration, then (unless --offline) every mismatch with the VMS."""
    from bridge.config_check import check_settings

    # The same checks as the page's Save (bridge.config_check); this command only says the outcome.
    result = check_settings(lambda: _load(ctx, config_path), None if offline else _connect)
    settings = result.settings
    if result.file_ok and settings is not None:
        click.echo(f"{settings.config_path}: the file is valid ({settings.architecture}, {settings.direction}, "
                   f"{settings.mode} mode, {len(settings.sites)} site(s)).")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if offline and not result.problems:
        click.echo("Configuration OK (offline: recorders not checked).")
        return
    unreachable = result.unreachable
    if unreachable is not None and not result.problems:
        if isinstance(unreachable, ConnectError | SdkLoadError):
            click.echo(f"Cannot connect: {unreachable.message}", err=True)
            ctx.exit(3)
        click.echo(f"Cannot read the recording servers: {unreachable.message}", err=True)
        ctx.exit(unreachable.exit_code)
    if result.problems:
        _print_problems(result.headline, result.problems)
        if unreachable is not None:
            click.echo(f"({result.note})", err=True)
        ctx.exit(2)
    click.echo("Configuration OK")
    for line in result.summary:
        click.echo(f"  {line}")


def _connect(settings: Any) -> Any:
    # Imported here: loading the SDK module is only needed when connecting.
    from bridge.sdk import connect

    return connect(settings)


def _load(ctx: click.Context, config_path: Path | None) -> Any:
    if config_path is not None:
        from bridge.settings import load_settings

        return load_settings(config_path)
    loader = (ctx.obj or {}).get("settings_loader")
    if loader is not None:
        return loader()
    from bridge.settings import load_settings

    return load_settings(None)


def _print_problems(headline: str, problems: list[str]) -> None:
    click.echo(headline, err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)


__all__ = ["camera_map_problems", "config_group"]
