"""`smartsync config check`: is the configuration right, on its own and against the VMS?

Exit codes: 0 when everything fits, 2 for configuration problems (all of them
printed at once: the file's own, then, when every value has its type, the
mismatches with the recording servers and the cameras `[camera_map]` names),
3 when the management server cannot be reached or the SDK cannot be loaded.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from bridge.errors import BridgeError, ConfigError, ConnectError, SdkLoadError
from bridge.model import Side, Snapshot
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
    file_problems: list[str] = []
    headline = ""
    try:
        settings = _load(ctx, config_path)
        # Loading does not read passwords (only a log-in does); a check reads them all.
        check_passwords(settings)
    except ConfigError as exc:
        if offline or exc.settings is None:
            _print_problems(f"Configuration error: {exc.message}", exc.problems)
            ctx.exit(2)
        # The file's values all have their types: compare it with the VMS too, so every problem shows at once.
        settings, file_problems, headline = exc.settings, exc.problems, exc.message
        try:
            check_passwords(settings)
        except ConfigError as unreadable:
            # Without its password no site can be logged in to: report these with the file's problems.
            _print_problems(f"Configuration error: {headline}", file_problems + unreadable.problems)
            ctx.exit(2)
    else:
        click.echo(f"{settings.config_path}: the file is valid ({settings.architecture}, {settings.direction}, "
                   f"{settings.mode} mode, {len(settings.sites)} site(s)).")
        if offline:
            click.echo("Configuration OK (offline: recorders not checked).")
            return

    # Imported here: loading the SDK module is only needed when connecting.
    from bridge.sdk import connect
    from bridge.topology import resolve_topology, validate_topology

    session: Any = None
    try:
        session = connect(settings)
        inventory = session.recorders()
        vms_problems = validate_topology(settings, inventory)
        topology = None if vms_problems else resolve_topology(settings, inventory)
        if settings.mode == "manual" and settings.camera_map:
            primary = _primary_ids(settings, inventory)
            snapshot = session.read(primary, Side.PRIMARY) if primary else Snapshot(side=Side.PRIMARY)
            vms_problems += camera_map_problems(settings.camera_map, snapshot)
    except (ConnectError, SdkLoadError) as exc:
        if file_problems:
            _print_problems(f"Configuration error: {headline}", file_problems)
            click.echo(f"(the recording servers were not checked: cannot connect: {exc.message})", err=True)
            ctx.exit(2)
        click.echo(f"Cannot connect: {exc.message}", err=True)
        ctx.exit(3)
    except BridgeError as exc:
        click.echo(f"Cannot read the recording servers: {exc.message}", err=True)
        ctx.exit(exc.exit_code)
    finally:
        if session is not None and hasattr(session, "close"):
            session.close()
    # A key the file check already faults (a recorder labelled twice) is not faulted again in other words.
    faulted = {p.split(":", 1)[0] for p in file_problems}
    problems = file_problems + [p for p in vms_problems if p.split(":", 1)[0] not in faulted]
    if problems:
        n = len(problems)
        _print_problems(f"Configuration error: {n} problem{'s' if n != 1 else ''} in {settings.config_path}",
                        problems)
        ctx.exit(2)
    click.echo("Configuration OK")
    assert topology is not None
    for line in topology.summary():
        click.echo(f"  {line}")


def _primary_ids(settings: Any, inventory: Iterable[Any]) -> list[str]:
    """The ids of the recorders labelled primary (by id or by a name that names one recorder)."""
    recorders = list(inventory)
    out = []
    for word in settings.labels.primary:
        found = [r.id for r in recorders if r.id == word] or [r.id for r in recorders if r.name == word]
        if len(found) == 1 and found[0] not in out:
            out.append(found[0])
    return out


def camera_map_problems(camera_map: dict[str, list[str]], primary: Snapshot) -> list[str]:
    """Camera map keys that name no camera on the primary recorders (such a camera is never backed up)."""
    names: set[str] = set()
    ids: set[str] = set()
    for rec in primary.recorders:
        for hw in rec.hardware:
            for d in hw.devices:
                if d.kind == "camera":
                    names.add(d.name)
                    ids.add(d.id)
    problems = []
    for key in camera_map:
        if key in names or key in ids:
            continue
        close = [n for n in names if n.casefold() == key.casefold()] or \
            difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        elif not names:
            hint = "; the primary recorders have no cameras"
        else:
            hint = f"; the cameras are: {', '.join(repr(n) for n in sorted(names))}" if len(names) <= 12 else ""
        problems.append(f"camera_map.\"{key}\": no camera named '{key}' (or with that id) on the primary "
                        f"recorders, so nothing would be backed up for it{hint}")
    return problems


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
