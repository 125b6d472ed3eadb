"""`smartsync schedule resume`, `revert RUN_ID`: acknowledging a paused schedule and undoing a cycle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bridge import pause


def _store(ctx: click.Context) -> Any:
    from bridge.store import Store

    settings = ctx.obj["settings_loader"]()
    return Store(Path(settings.service.store), clock=ctx.obj.get("clock"))


@click.command("resume")
@click.pass_context
def schedule_resume(ctx: click.Context) -> None:
    """Resume scheduling paused by a tripped delete guard or a revert (the administrator's acknowledgement)."""
    store = _store(ctx)
    lifted = pause.acknowledge(store)
    if lifted is None:
        click.echo("Scheduling is not paused; nothing to resume.")
        return
    state = store.schedule()
    click.echo(f"Scheduling resumed (it was paused: {lifted.paused_reason}).")
    if not state.enabled:
        click.echo("Scheduling itself is off: `smartsync schedule enable --interval ...` turns it on.")


schedule_subcommands = [schedule_resume]
"""Sub-commands of `smartsync schedule` defined here (added to the group by `bridge.cli._register`)."""
journal_commands: list[click.Command] = []
