"""`smartsync serve`, `status`, `schedule ...`, `run-now`, `service restart|stop` and `log show|clear`.

All of them meet a running service only through the store (schedule, cycle
lock, service state): they behave the same whether or not `serve` runs, and
a running service notices their changes at its next poll (a few seconds).

The context may carry `cycle_factory(settings, store) -> cycle` to run
something other than the engine's cycle (tests do), and `clock` / `tz`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from datetime import tzinfo
from pathlib import Path
from typing import Any

import click
from loguru import logger

from bridge import logs
from bridge.cli.context import app_of
from bridge.errors import BridgeError
from bridge.scheduler import (
    ALLOWED_RANGE,
    decide,
    format_ahead,
    format_interval,
    format_local,
    local_zone,
)
from bridge.service import POLL_SECONDS, STOP_TIMEOUT, CycleFn, Service, describe, engine_cycle
from bridge.settings import check_passwords
from bridge.store import Clock, Store, SystemClock

_EXIT_BY_STATUS = {"ok": 0, "interrupted": 130, "guard": 4}


def _settings(ctx: click.Context) -> Any:
    return ctx.obj["settings_loader"]()


def _store(ctx: click.Context, settings: Any) -> Store:
    return Store(Path(settings.service.store), clock=_clock(ctx))


def _clock(ctx: click.Context) -> Clock:
    clock: Clock = ctx.obj.get("clock") or SystemClock()
    return clock


def _tz(ctx: click.Context) -> tzinfo:
    tz: tzinfo = ctx.obj.get("tz") or local_zone()
    return tz


def _cycle(ctx: click.Context, settings: Any, store: Store) -> CycleFn:
    factory = ctx.obj.get("cycle_factory") or engine_cycle
    cycle: CycleFn = factory(settings, store)
    return cycle


def _zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


# -- serve ----------------------------------------------------------------------------------------------


@click.command("serve")
@click.option("--detailed-logs", is_flag=True, help="Write detailed (debug) lines to the log from the start.")
@click.option("--stop-timeout", type=click.FloatRange(1, 600), default=STOP_TIMEOUT, show_default=True,
              help="Seconds a running cycle gets to finish its current action on SIGTERM or Ctrl-C.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(0.2, 60), default=POLL_SECONDS, show_default=True,
              help="Seconds between looks at the store for schedule changes.")
@click.option("--no-web", is_flag=True, help="Only the scheduler: no Redundancy Configuration page or API.")
@click.pass_context
def serve_command(ctx: click.Context, detailed_logs: bool, stop_timeout: float, poll_seconds: float,
                  no_web: bool) -> None:
    """Run the SmartSync service (scheduler, and the web page on [web] host:port) until SIGTERM or Ctrl-C."""
    settings = _settings(ctx)
    # The service logs in at every cycle: a password that cannot be read is refused now, not at 3 a.m.
    check_passwords(settings)
    store = _store(ctx, settings)
    detailed = detailed_logs or store.service_state().detailed_logs
    logs.setup_logging(Path(settings.service.log_dir), detailed)

    def reload() -> tuple[CycleFn, str]:
        fresh = _reread_settings(ctx, settings)
        check_passwords(fresh)
        return _cycle(ctx, fresh, store), reread_words(fresh, settings)

    if not no_web:
        from bridge.cli.web_hook import serve_with_web, web_token

        token = web_token(settings)
        if token is not None:
            # Ends the process like the branch below: the web server's lifespan starts and stops the scheduler.
            serve_with_web(ctx, settings, store, token, stop_timeout=stop_timeout, poll_seconds=poll_seconds,
                           detailed_logs=detailed_logs)
    service = Service(store, _cycle(ctx, settings, store), clock=_clock(ctx), tz=_tz(ctx),
                      poll_seconds=poll_seconds, manage_logs=True, reload=reload)

    stop_requested = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame: Any) -> None:
        # No logging here: the handler may interrupt the main thread inside a log call (loguru's lock).
        received.append(signal.Signals(signum).name)
        stop_requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        service.start()  # ServiceRunning (exit 5) when another service runs on this store
        if detailed_logs:
            store.set_service_state(detailed_logs=True)
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop_requested.wait(0.5) and not service.displaced.is_set():
            pass
        if service.displaced.is_set():
            logger.error("Stopping: another service has taken this store over")
        else:
            logger.info("Received {}: stopping", received[0] if received else "a stop request")
        clean = service.stop(timeout=stop_timeout)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code = 0 if clean and not service.displaced.is_set() else 1
    # Leave now that the service has said it stopped: a scheduler or SDK thread must not keep the process
    # alive past that line (systemd would wait, then SIGKILL it and mark it failed). Everything durable is
    # written: the store commits per transaction and the log is flushed here.
    logger.complete()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _reread_settings(ctx: click.Context, settings: Any) -> Any:
    """The settings as they are now on disk (a test may hand in `settings_reloader`)."""
    reloader = ctx.obj.get("settings_reloader")
    if reloader is not None:
        return reloader()
    from bridge.settings import load_settings

    return load_settings(settings.config_path)


def reread_words(fresh: Any, old: Any) -> str:
    """What a restart re-read, in one sentence: the file, and where each site's password comes from."""
    where = getattr(fresh, "config_path", None)
    parts = [f"settings re-read from {where}" if where else "settings re-read"]
    files = [f"{s.name} ({s.password_file})" for s in fresh.sites if getattr(s, "password_file", None)]
    envs = [f"{s.name} ({s.password_env})" for s in fresh.sites if getattr(s, "password_env", None)]
    if files:
        parts.append(f"password files are read afresh at every log-in: {', '.join(files)}")
    if envs:
        parts.append(f"passwords from environment variables keep the value this process started with: "
                     f"{', '.join(envs)}; to change one, restart the process through its service manager "
                     f"(`systemctl restart smartsync`, or restart the Windows service)")
    old_service = getattr(old, "service", None)
    if old_service is not None and (fresh.service.store, fresh.service.log_dir) != (old_service.store,
                                                                                   old_service.log_dir):
        parts.append("[service] store and log_dir changes take effect only after a full restart of the process")
    return "; ".join(parts)


# -- status and schedule --------------------------------------------------------------------------------


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="The status document of the page and GET /api/status.")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Scheduling on or off, the interval, what the service is doing, and the last cycle."""
    settings = _settings(ctx)
    if as_json:
        import json

        click.echo(json.dumps(app_of(ctx).status(), indent=2))
        return
    store = _store(ctx, settings)
    view = describe(store, _clock(ctx).now(), _tz(ctx))
    for line in view.lines():
        click.echo(line)


@click.group("schedule")
def schedule_group() -> None:
    """Turn scheduled cycles on or off and show the schedule."""


@schedule_group.command("enable")
@click.option("--interval", required=True, metavar="DURATION",
              help=f"Idle time between the end of one cycle and the start of the next, e.g. 10m, 1h30m "
                   f"({ALLOWED_RANGE}).")
@click.option("--start-now", is_flag=True, help="Run the first cycle at once (the default when turning it on).")
@click.option("--start-at", metavar="YYYY-MM-DDTHH:MM", help="Run the first cycle at this local date and time.")
@click.option("--deny", "deny", multiple=True, metavar="WINDOW",
              help='No scheduled cycle inside this local window, e.g. "Mon-Fri 08:00-18:00" (repeatable).')
@click.option("--no-deny", is_flag=True, help="Remove every deny window.")
@click.pass_context
def schedule_enable(ctx: click.Context, interval: str, start_now: bool, start_at: str | None,
                    deny: tuple[str, ...], no_deny: bool) -> None:
    """Turn scheduling on, or change the interval (the next start moves to last end + new interval)."""
    app = app_of(ctx)
    change = app.schedule_enable(interval, start_now=start_now, start_at=start_at, deny=list(deny) or None,
                                 no_deny=no_deny)
    state, now = change.state, app.clock.now()
    if change.note:
        click.echo(f"Note: {change.note}")
    click.echo(f"Scheduling on: every {format_interval(state.interval_seconds or 0)} from the end of a cycle; "
               f"next cycle {_next_start_text(state, now, app.tz)}.")
    if state.deny_windows:
        click.echo(f"No scheduled cycles during: {', '.join(state.deny_windows)}.")
    if not change.service_running:
        _hint_service()


@schedule_group.command("disable")
@click.pass_context
def schedule_disable(ctx: click.Context) -> None:
    """Turn scheduling off: a running cycle finishes, no other starts by itself."""
    app = app_of(ctx)
    current = app.schedule_disable()
    click.echo("Scheduling off.")
    if current is not None:
        click.echo(f"The cycle running since {format_local(current.started_at, app.tz, app.clock.now())} "
                   "finishes; no other starts by itself.")


@schedule_group.command("show")
@click.pass_context
def schedule_show(ctx: click.Context) -> None:
    """The schedule as stored, in local time."""
    app = app_of(ctx)
    state = app.store().schedule()
    tz, now = app.tz, app.clock.now()
    click.echo(f"Scheduling: {'on' if state.enabled else 'off'}")
    if state.interval_seconds:
        click.echo(f"Interval:   {format_interval(state.interval_seconds)} (idle time after each cycle ends)")
    if state.enabled:
        click.echo(f"Next start: {_next_start_text(state, now, tz)}")
    if state.start_at is not None:
        click.echo(f"Start at:   {format_local(state.start_at, tz, now)}")
    click.echo(f"Deny:       {', '.join(state.deny_windows) if state.deny_windows else 'none'}")


def _next_start_text(state: Any, now: Any, tz: tzinfo) -> str:
    """The next start as `status` shows it too (one function decides it: `bridge.scheduler.decide`)."""
    decision = decide(state, now, tz)
    if decision.action == "off":
        return f"none ({decision.reason})"
    if decision.action == "run" or decision.at is None:
        return "now"
    return f"at {format_local(decision.at, tz, now)} {_zone_name(tz)} ({_ahead_text(decision, now)})"


def _ahead_text(decision: Any, now: Any) -> str:
    held = f", held by the {decision.reason}" if decision.reason.startswith("deny window") else ""
    return f"{format_ahead(decision.at, now)}{held}"


def _hint_service() -> None:
    click.echo("No service is running: scheduled cycles start once `smartsync serve` (or its system service) "
               "runs.")


# -- run-now --------------------------------------------------------------------------------------------


@click.command("run-now")
@click.pass_context
def run_now_command(ctx: click.Context) -> None:
    """Run one cycle now (refused while another runs; overrides a deny window with a warning)."""
    settings = _settings(ctx)
    store = _store(ctx, settings)
    logs.setup_logging(Path(settings.service.log_dir), store.service_state().detailed_logs)
    from bridge.cli.sync_cmds import stop_on_signals

    with stop_on_signals(lambda text: click.echo(text, err=True)) as stop_event:
        report = app_of(ctx).run_now(stop_event)
    click.echo(report.summary())
    code = _EXIT_BY_STATUS.get(report.status, 1)
    if code:
        sys.exit(code)


# -- service --------------------------------------------------------------------------------------------


@click.group("service")
def service_group() -> None:
    """Control the running service through the store."""


@service_group.command("restart")
@click.option("--detailed-logs/--normal-logs", default=False,
              help="Write detailed (debug) lines from now on, or go back to normal ones.")
@click.option("--wait", type=click.FloatRange(0, 600), default=3 * POLL_SECONDS, show_default=True,
              help="Seconds to wait for the service to say what it re-read.")
@click.pass_context
def service_restart(ctx: click.Context, detailed_logs: bool, wait: float) -> None:
    """Ask the running service to re-read its settings, reload its schedule, retry its log-in now and switch
    the log level; prints what it re-read once it has."""
    settings = _settings(ctx)
    store = _store(ctx, settings)
    asked = _clock(ctx).now()
    store.set_service_state(detailed_logs=detailed_logs, restart_requested_at=asked)
    level = "detailed" if detailed_logs else "normal"
    if not store.service_alive():
        click.echo(f"No service is running; the next `smartsync serve` reads the settings and passwords afresh "
                   f"and starts with {level} logs.")
        return
    state = store.service_state()
    click.echo(f"Asked the running service (process {state.pid} on {state.host}) to restart with {level} logs...")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        done = store.service_state()
        if done.restarted_at is not None and done.restarted_at >= asked:
            click.echo(f"Restarted: {done.restart_note}.")
            return
        time.sleep(0.2)
    click.echo(f"The service has not answered within {wait:.0f} s; it acts on the request at its next poll "
               f"(`smartsync log show` tells when).")


@service_group.command("stop")
@click.option("--timeout", type=click.FloatRange(1, 600), default=STOP_TIMEOUT + 5, show_default=True,
              help="Seconds to wait for the service to end before saying it has not.")
@click.pass_context
def service_stop(ctx: click.Context, timeout: float) -> None:
    """Stop the service running on this host (SIGTERM: the running cycle finishes its current action)."""
    settings = _settings(ctx)
    store = _store(ctx, settings)
    state = store.service_state()
    if not store.service_alive() or state.pid is None:
        click.echo("No service is running.")
        return
    if state.host != store.host:
        raise BridgeError(f"the service runs on {state.host}, not on this host; stop it there")
    if sys.platform == "win32":
        # os.kill would terminate the process outright on Windows, without letting the cycle finish.
        raise BridgeError("on Windows stop the service through its service manager: `nssm stop SmartSync` "
                          "(see docs/windows-service.md)")
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not store.service_alive():
            click.echo(f"Service (process {state.pid}) stopped.")
            return
        time.sleep(0.2)
    raise BridgeError(f"the service (process {state.pid}) did not stop within {timeout:.0f} s")


# -- log ------------------------------------------------------------------------------------------------


@click.group("log")
def log_group() -> None:
    """Show or clear the service's log."""


@log_group.command("show")
@click.option("--lines", "-n", type=click.IntRange(0), default=50, show_default=True,
              help="How many of the last lines to show.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.pass_context
def log_show(ctx: click.Context, lines: int, follow: bool) -> None:
    """The last lines of the log (and, with --follow, what comes next)."""
    app = app_of(ctx)
    log_dir = app.log_dir()
    if not logs.log_file(log_dir).exists() and not follow:
        click.echo(f"No log yet in {log_dir}.")
        return
    shown = app.log_show(lines)
    if not shown and not follow:
        click.echo(f"The log in {log_dir} is empty.")
    for line in shown:
        click.echo(line)
    if follow:
        try:
            for line in logs.follow(log_dir, stop=lambda: False):
                click.echo(line)
        except KeyboardInterrupt:
            pass


@log_group.command("clear")
@click.pass_context
def log_clear(ctx: click.Context) -> None:
    """Empty the log and delete its rotated files."""
    n = app_of(ctx).log_clear()
    click.echo(f"Log cleared ({n} file(s)).")


service_commands: list[click.Command] = [
    serve_command, status_command, schedule_group, run_now_command, service_group, log_group,
]
