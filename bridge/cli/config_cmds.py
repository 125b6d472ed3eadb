"""`smartsync config check`: is the configuration right, on its own and against the VMS?

Exit codes: 0 when everything fits, 2 for configuration problems (all of them
printed at once), 3 when the management server cannot be reached or the SDK
cannot be loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bridge.errors import ConfigError, ConnectError, SdkLoadError
from bridge.settings import check_passwords


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
    try:
        settings = _load(ctx, config_path)
        # Loading does not read passwords (only a log-in does); a check reads them all.
        check_passwords(settings)
    except ConfigError as exc:
        _print_problems(f"Configuration error: {exc.message}", exc.problems)
        ctx.exit(2)
    click.echo(f"{settings.config_path}: the file is valid ({settings.architecture}, {settings.direction}, "
               f"{settings.mode} mode, {len(settings.sites)} site(s)).")
    if offline:
        click.echo("Configuration OK (offline: recorders not checked).")
        return

    # Imported here: loading the SDK module is only needed when connecting.
    from bridge.sdk import connect
    from bridge.topology import resolve_topology

    session: Any = None
    try:
        session = connect(settings)
        inventory = session.recorders()
    except (ConnectError, SdkLoadError) as exc:
        click.echo(f"Cannot connect: {exc.message}", err=True)
        ctx.exit(3)
    finally:
        if session is not None and hasattr(session, "close"):
            session.close()
    try:
        topology = resolve_topology(settings, inventory)
    except ConfigError as exc:
        _print_problems(f"Configuration does not fit the recording servers: {exc.message}", exc.problems)
        ctx.exit(2)
    click.echo("Configuration OK")
    for line in topology.summary():
        click.echo(f"  {line}")


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


__all__ = ["config_group"]
