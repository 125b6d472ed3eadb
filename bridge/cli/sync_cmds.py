"""`smartsync plan`, `sync` and `history`: the administrator's view of cycles."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bridge import logs
from bridge.app import NotFound
from bridge.cli.context import app_of
from bridge.engine import CycleReport
from bridge.errors import GuardTripped
from bridge.model import Action, Plan, Skip

INTERRUPTED_EXIT = 130
"""`smartsync sync` (and `run-now`) exit with this when a stop request ended the cycle early."""

DRIFT_EXIT = 10
"""`smartsync plan --check` exits with this when actions are waiting to be applied."""
SKIPPED_EXIT = 11
"""`smartsync plan --check` exits with this when nothing is to apply but skips leave items unmirrored."""

_CHECK_PASSWORDS_HELP = ("Compare hardware passwords now, even if sync.password_check_hours has not passed "
                         "(costs a VMS task per hardware per side).")


def _settings_and_store(ctx: click.Context) -> tuple[Any, Any]:
    from bridge.store import Store

    settings = ctx.obj["settings_loader"]()
    store = Store(settings.service.store)
    # Cycles run from the command line are logged to the same file as the service's.
    logs.setup_logging(settings.service.log_dir, store.service_state().detailed_logs)
    return settings, store


def _target_text(a: Action) -> str:
    t = a.target
    return f"{t.item_kind} {t.name or t.item_id}".strip() or f"recorder {t.recorder_id}"


def _kind_text(a: Action) -> str:
    # An update that waits for an add or move of the same plan says so: it is applied only once that succeeded.
    return a.kind.value if a.follows is None else f"{a.kind.value} (follows {a.follows.kind.value})"


def make_console(stderr: bool = False) -> Console:
    """A console that does not squeeze tables to 80 columns when output goes to a file or pipe."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else 140)


def render_plan(console: Console, plan: Plan, limit: int | None = None) -> None:
    """A readable table of actions with their reasons, then the skips."""
    if not plan.actions:
        console.print("[green]No actions: the target is in step with the source.[/green]")
    else:
        table = Table(title=f"Plan: {len(plan.actions)} action(s)", show_lines=False)
        for col in ("#", "action", "on the target", "category", "reason"):
            table.add_column(col, overflow="fold")
        shown = plan.actions if limit is None else plan.actions[:limit]
        for i, a in enumerate(shown, 1):
            table.add_row(str(i), _kind_text(a), _target_text(a), a.category, a.reason)
        console.print(table)
        if limit is not None and len(plan.actions) > limit:
            console.print(f"... and {len(plan.actions) - limit} more (use --all or --json to see every action)")
    if plan.skips:
        console.print(f"[yellow]{len(plan.skips)} skipped:[/yellow]")
        for s in plan.skips[: limit or len(plan.skips)]:
            console.print(f"  - {s.what.name or s.what.item_id}: {s.reason}")


@click.command("plan")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--check", is_flag=True,
              help=f"Drift check for monitoring: exit 0 when the sides are in step, {DRIFT_EXIT} when actions "
                   f"are waiting to be applied, {SKIPPED_EXIT} when nothing is to apply but skips leave items "
                   f"unmirrored (each named).")
@click.option("--all", "show_all", is_flag=True, help="Show every action (default: the first 200).")
@click.option("--check-passwords", is_flag=True, help=_CHECK_PASSWORDS_HELP)
@click.pass_context
def plan_command(ctx: click.Context, as_json: bool, check: bool, show_all: bool, check_passwords: bool) -> None:
    """Show what a cycle would do, without changing anything (dry run)."""
    settings, store = _settings_and_store(ctx)
    from bridge.scheduler import local_zone
    from bridge.service import running_cycle_note

    busy = running_cycle_note(store, store.clock.now(), local_zone())
    if busy:
        # On stderr: `plan --json` output stays parseable. Said before reading, which may take a while.
        click.echo(f"Note: {busy}.", err=True)
    report = app_of(ctx).dry_run_report(check_passwords=check_passwords)
    plan = report.plan or Plan()
    code, verdict = check_result(plan)
    if as_json:
        out = plan.to_json() | {"notes": report.notes, "round_trips": report.round_trips}
        if check:
            out["check"] = {"exit": code, "verdict": verdict,
                            "unmirrored": [_skip_text(s) for s in plan.skips] if code == SKIPPED_EXIT else []}
        click.echo(json.dumps(out, indent=2))
    else:
        console = make_console()
        render_plan(console, plan, None if show_all else 200)
        for note in report.notes:
            console.print(f"[yellow]Note:[/yellow] {note}")
        for edit in report.target_edits:
            console.print(f"[yellow]Edited on the target:[/yellow] {edit['item_kind']} {edit['item']} "
                          f"{edit['category']} ({', '.join(edit['keys'])}), would be {edit['handled']}")
        if check:
            console.print(f"Check: {verdict} (exit {code})")
            if code == SKIPPED_EXIT:
                for skip in plan.skips:
                    console.print(f"  unmirrored: {_skip_text(skip)}")
    if check and code:
        ctx.exit(code)


def check_result(plan: Plan) -> tuple[int, str]:
    """`plan --check`'s exit code and its one-line verdict: in step, actions to apply, or items left by skips."""
    if plan.actions:
        return DRIFT_EXIT, f"not in step: {len(plan.actions)} action(s) to apply"
    if plan.skips:
        return SKIPPED_EXIT, (f"nothing to apply, but {len(plan.skips)} item(s) are left unmirrored by skips; "
                              f"each needs the administrator (see the reasons)")
    return 0, "in step"


def _skip_text(skip: Skip) -> str:
    return f"{skip.what.item_kind or 'recorder'} {skip.what.name or skip.what.item_id}: {skip.reason}"


@contextmanager
def stop_on_signals(say: Callable[[str], None]) -> Iterator[threading.Event]:
    """While the block runs, the first Ctrl-C or SIGTERM sets the returned event (the cycle stops at its next
    step and is recorded as interrupted); a second Ctrl-C aborts at once (KeyboardInterrupt)."""
    stop_event = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stop_event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop_event.set()
        say(f"{signal.Signals(signum).name}: stopping at the next step (Ctrl-C again to abort at once)...")

    watched = [signal.SIGINT] + ([signal.SIGTERM] if sys.platform != "win32" else [])
    previous = {sig: signal.signal(sig, on_signal) for sig in watched}
    try:
        yield stop_event
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command("sync")
@click.option("--allow-mass-delete", is_flag=True, help="Apply even if the delete guard would stop the cycle.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--check-passwords", is_flag=True, help=_CHECK_PASSWORDS_HELP)
@click.option("--check-role-permissions", is_flag=True,
              help="Read the chosen roles' camera permissions on both sides now, even if "
                   "sync.role_permission_check_hours has not passed (a round trip per role per camera per side).")
@click.pass_context
def sync_command(ctx: click.Context, allow_mass_delete: bool, as_json: bool, check_passwords: bool,
                 check_role_permissions: bool) -> None:
    """Run one sync cycle now (the administrator's trigger)."""
    if check_role_permissions:
        from bridge import roleacl

        # Kept in the store, so a cycle the guard stops (or a stop) still checks next time.
        roleacl.request_check(_settings_and_store(ctx)[1])
    try:
        _sync(ctx, allow_mass_delete, as_json, check_passwords)
    except GuardTripped as exc:
        if not as_json:
            raise
        # A monitoring script asked for JSON: it gets the stopped cycle's report on stdout, not only a message.
        from bridge.store import Store

        click.echo(json.dumps(_guard_report(Store(ctx.obj["settings_loader"]().service.store), exc), indent=2))
        ctx.exit(exc.exit_code)


def _sync(ctx: click.Context, allow_mass_delete: bool, as_json: bool, check_passwords: bool) -> None:
    _settings_and_store(ctx)
    app = app_of(ctx)  # what a cycle now does to the schedule is the service layer's rule (bridge.app)
    console = make_console(stderr=True)
    with stop_on_signals(lambda text: click.echo(text, err=True)) as stop_event:
        if sys.stderr.isatty() and not as_json:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as bar:
                task = bar.add_task("Reading both sides and planning", total=None)

                def progress(done: int, total: int, action: Action) -> None:
                    bar.update(task, completed=done, total=total, description=f"{action.kind.value:8}")

                report = app.sync(allow_mass_delete=allow_mass_delete, progress=progress,
                                  check_passwords=check_passwords, stop_event=stop_event)
        else:
            report = app.sync(allow_mass_delete=allow_mass_delete, check_passwords=check_passwords,
                              stop_event=stop_event)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        render_report(make_console(), report)
    if report.status == "interrupted":
        ctx.exit(INTERRUPTED_EXIT)
    ctx.exit(1 if report.failures else 0)


def _guard_report(store: Any, exc: GuardTripped) -> dict[str, Any]:
    """The stored report of the cycle the guard just stopped (the engine records it before raising)."""
    latest = store.runs(1)
    if latest and latest[0].status == "guard" and isinstance(latest[0].report, dict):
        return dict(latest[0].report) | {"id": latest[0].id}
    return {"status": "guard", "message": exc.message, "applied": {}, "failures": []}


def applied_text(data: dict[str, Any]) -> str:
    """What a cycle changed, and why nothing when nothing: only a clean cycle with nothing to do is "in step"."""
    applied = data.get("applied") or {}
    done = ", ".join(f"{k} {v}" for k, v in sorted(applied.items())) or "nothing"
    failed, skipped = len(data.get("failures") or []), len(data.get("skips") or [])
    status = data.get("status")
    if failed:
        return f"{done}; {failed} failed (listed below)"
    if status == "guard":
        return f"{done}: the delete guard stopped the cycle before any change"
    if status == "interrupted":
        return f"{done} before the cycle was interrupted"
    if status == "error":
        return f"{done}: the cycle stopped on an error"
    if status == "running":
        return f"{done} yet: the cycle has not ended"
    if applied:
        return done
    return f"{done}; {skipped} skipped (listed below), the rest in step" if skipped else "nothing (in step)"


def render_report(console: Console, report: CycleReport | dict[str, Any]) -> None:
    data = report.to_json() if isinstance(report, CycleReport) else report
    started, ended = _local_text(data.get("started_at")), _local_text(data.get("ended_at")) or "..."
    console.print(f"[bold]Cycle {data['status']}[/bold] ({data['trigger']}), {started} -> {ended}")
    console.print(f"Applied: {applied_text(data)}")
    if data.get("round_trips") is not None:
        console.print(f"Round trips: {data['round_trips']}, writes: {data.get('writes')}")
    if data.get("message"):
        console.print(data["message"])
    for note in data.get("notes") or []:
        console.print(f"[yellow]Note:[/yellow] {note}")
    names = data.get("recorder_names") or {}
    actions = data.get("applied_actions") or []
    if actions:
        console.print(f"[green]{len(actions)} applied:[/green]")
        for a in actions:
            console.print("  - " + action_text(a, names), markup=False, highlight=False)
    failures = data.get("failures") or []
    if failures:
        console.print(f"[red]{len(failures)} failed:[/red]")
        for f in failures:
            t = f["action"]["target"]
            console.print(f"  - {f['action']['kind']} {t.get('name') or t.get('item_id', '')}: {f['error']}")
    skips = data.get("skips") or []
    if skips:
        console.print(f"[yellow]{len(skips)} skipped:[/yellow]")
        for s in skips[:50]:
            console.print(f"  - {s['what'].get('name') or s['what'].get('item_id', '')}: {s['reason']}")
    edits = data.get("target_edits") or []
    if edits:
        console.print(f"[yellow]{len(edits)} edit(s) on the target since SmartSync wrote there:[/yellow]")
        for e in edits:
            console.print(f"  - {e.get('item_kind', '')} {e.get('item', '')} {e.get('category', '')}: "
                          f"{', '.join(e.get('keys') or [])} is {json.dumps(e.get('now'), default=str)[:80]} "
                          f"(SmartSync wrote {json.dumps(e.get('written'), default=str)[:80]}): {e.get('handled')}")
    resumed = data.get("resumed") or []
    if resumed:
        console.print(f"[yellow]{len(resumed)} unfinished write(s) of earlier cycles, settled from the journal:"
                      f"[/yellow]")
        for r in resumed:
            what = "left for an administrator" if r.get("left") else str(r.get("state", ""))
            console.print(f"  - cycle {r.get('run_id')} #{r.get('seq')} {r.get('kind', '')} {r.get('item', '')}: "
                          f"{what}: {r.get('found', '')}", markup=False, highlight=False)
    render_journal(console, data.get("journal"))


def render_journal(console: Console, journal: list[dict[str, Any]] | None) -> None:
    """The cycle's writes as the journal recorded them: each with its state and what it changed from."""
    if journal is None:
        return
    if not journal:
        console.print("Journal: no writes")
        return
    table = Table(title=f"Journal: {len(journal)} write(s)")
    # Writes whose outcome was unknown (the cycle was cut during them) say what a later cycle found.
    settled = any(e.get("resumed") for e in journal)
    for col in ("#", "state", "action", "on the target", "category", "before", "error") + (
            ("settled later",) if settled else ()):
        table.add_column(col, overflow="fold")
    for e in journal:
        a = e.get("action") or {}
        t = a.get("target") or {}
        row = [str(e.get("seq", "")), str(e.get("state", "")), str(a.get("kind", "")),
               f"{t.get('item_kind', '')} {t.get('name') or t.get('item_id', '')}".strip(),
               str(a.get("category", "")), _before_text(e.get("before")), str(e.get("error") or "")]
        table.add_row(*row, *([str(e.get("resumed") or "")] if settled else []))
    console.print(table)


def _before_text(before: Any) -> str:
    if not isinstance(before, dict):
        return ""
    if "hardware" in before:
        hw = before["hardware"]
        return f"hardware {hw.get('name', '')} ({hw.get('address', '')}), {len(hw.get('devices', []))} device(s)"
    if "recorder_id" in before:
        return f"on {before.get('recorder_name') or before['recorder_id']}"
    if isinstance(before.get("view"), dict):
        view = before["view"]
        return f"view {view.get('group', '')}/{view.get('name', '')}, {len(view.get('items') or [])} item(s)"
    text = json.dumps(before.get("values", before), default=str)
    return text if len(text) <= 80 else text[:77] + "..."


@click.command("history")
@click.argument("run_id", required=False, type=int)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="How many of the latest cycles to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the list (or the one report) as JSON.")
@click.pass_context
def history_command(ctx: click.Context, run_id: int | None, limit: int, as_json: bool) -> None:
    """List the stored cycle reports, or show one in full."""
    _, store = _settings_and_store(ctx)
    console = make_console()
    if run_id is not None:
        try:
            # A running cycle has no report yet, and a damaged one reads as {}: the run row's fields fill in.
            report = app_of(ctx).report(run_id)
        except NotFound:
            raise click.BadParameter(f"no cycle with id {run_id}; `smartsync history` lists them",
                                     param_hint="RUN_ID") from None
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            render_report(console, report)
        return
    runs = store.runs(limit)
    if as_json:
        click.echo(json.dumps([r.report | {"id": r.id} for r in runs], indent=2))
        return
    if not runs:
        console.print("No cycles yet: `smartsync sync` runs one.")
        return
    table = Table(title="Cycles (newest first)")
    for col in ("id", "trigger", "status", "started", "ended", "applied", "failed"):
        table.add_column(col)
    for r in runs:
        rep = r.report or {}
        table.add_row(str(r.id), r.trigger, r.status, _local(r.started_at), _local(r.ended_at),
                      str(sum((rep.get("applied") or {}).values())), str(len(rep.get("failures") or [])))
    console.print(table)


def action_text(action: dict[str, Any], names: dict[str, str]) -> str:
    """One applied action: what, on which item and recorder, and each value before -> after."""
    t = action.get("target") or {}
    item = f"{t.get('item_kind', '')} {t.get('name') or t.get('item_id', '')}".strip()
    rid = t.get("recorder_id", "")
    what = f"{action.get('kind', '')} {action.get('category', '')}".strip()
    before, after = action.get("before") or {}, action.get("values") or {}
    changes = "; ".join(f"{k}: {before[k]!r} -> {v!r}" if k in before else f"{k}: {v!r}" for k, v in after.items())
    # A site-wide item (view, group) has no recorder: its site says where it is.
    where = names.get(rid, rid) if rid else t.get("site", "")
    return f"{what} {item} on {where}" + (f": {changes}" if changes else "")


def _local_text(iso: str | None) -> str:
    return _local(datetime.fromisoformat(iso)) if iso else ""


def _local(dt: Any) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M:%S") if dt is not None else ""


sync_commands = [plan_command, sync_command, history_command]
