"""`smartsync schedule resume`, `revert RUN_ID`: acknowledging a paused schedule and undoing a cycle.

Both go through the service calls the page uses (`AppService.schedule_resume`, `AppService.revert`).
"""

from __future__ import annotations

import click

from bridge.cli.context import app_of
from bridge.events import EVENT_CYCLE_PLANNED, CycleEvent, Listeners


@click.command("resume")
@click.pass_context
def schedule_resume(ctx: click.Context) -> None:
    """Resume scheduling paused by a tripped delete guard or a revert (the administrator's acknowledgement)."""
    done = app_of(ctx).schedule_resume()
    if not done["resumed"]:
        click.echo("Scheduling is not paused; nothing to resume.")
        return
    click.echo(f"Scheduling resumed (it was paused: {done['was']['reason']}).")
    if not done["scheduling"]["enabled"]:
        click.echo("Scheduling itself is off: `smartsync schedule enable --interval ...` turns it on.")


@click.command("revert")
@click.argument("run_id", type=int)
@click.option("--dry-run", is_flag=True, help="Show what the revert would do, and change nothing.")
@click.option("--force", is_flag=True, help="Revert even when later cycles changed the same items (their changes to "
                                            "those items are undone too).")
@click.option("--allow-mass-delete", is_flag=True, help="Apply even if the delete guard would stop the revert.")
@click.option("--json", "as_json", is_flag=True, help="Print the revert's report as JSON.")
@click.pass_context
def revert_command(ctx: click.Context, run_id: int, dry_run: bool, force: bool, allow_mass_delete: bool,
                   as_json: bool) -> None:
    """Put back every target item cycle RUN_ID changed; pauses scheduling (the next cycle would redo it)."""
    import json

    from bridge import logs
    from bridge.app import NotFound
    from bridge.cli.sync_cmds import make_console, render_plan, render_report

    app = app_of(ctx)
    settings, store = app.settings(), app.store()
    logs.setup_logging(settings.service.log_dir, store.service_state().detailed_logs)
    console = make_console()
    listeners = Listeners()
    if not dry_run and not as_json:
        def show_plan(event: CycleEvent) -> None:
            # Shown before the first write, so the administrator sees what is being put back.
            if event.plan is not None:
                render_plan(console, event.plan, 200)

        listeners.add(show_plan, EVENT_CYCLE_PLANNED)
    try:
        report = app.revert(run_id, dry_run=dry_run, force=force, allow_mass_delete=allow_mass_delete,
                            listeners=listeners)
    except NotFound as exc:
        raise click.BadParameter(exc.message, param_hint="RUN_ID") from None
    if as_json:
        click.echo(json.dumps(report.to_json() | {"plan": (report.plan.to_json() if report.plan else None)},
                              indent=2, default=str))
    elif dry_run:
        console.print(f"[bold]Revert of cycle {run_id}, dry run[/bold]: nothing was changed")
        if report.plan is not None:
            render_plan(console, report.plan)
        for note in report.notes[1:]:
            console.print(f"[yellow]Note:[/yellow] {note}")
    else:
        render_report(console, report.to_json() | {"journal": [e.to_json() for e in store.journal(report.run_id or 0)]})
        for old, new in sorted(report.recreated.items()):
            console.print(f"  re-created: {old} -> {new}")
    ctx.exit(1 if report.failures else 0)


schedule_subcommands = [schedule_resume]
"""Sub-commands of `smartsync schedule` defined here (added to the group by `bridge.cli._register`)."""
journal_commands: list[click.Command] = [revert_command]
