"""The one object of service calls that every front door uses: the CLI and the web page.

`AppService` holds the business rules the front doors share: what the status
is, what "a cycle now" does to the schedule, how scheduling is turned on
(interval, Start Now / Start Later, deny windows), the history and a cycle's
report with its journal, the plan preview, the log, reading, checking and
saving the configuration file, reverting a cycle and resuming a paused
schedule. A front door parses its input, calls one method and
renders what comes back; it holds no rule of its own.

Its dependencies are handed in (the settings loader, the clock, the time
zone, the cycle to run, where recorders are read from), so tests pass fakes.
Errors are bridge errors: `InputError` for a bad argument, `ConfigError`
(with every problem) for an invalid configuration, `CycleRunning` while a
cycle runs, `NotFound` and `Conflict`; a revert adds `RevertRefused` and
`GuardTripped`.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from loguru import logger

from bridge import configdoc, logs, runs_view
from bridge.config_check import CheckResult, check_settings
from bridge.errors import BridgeError, ConfigError, CycleRunning
from bridge.events import EVENT_ACTION_AFTER, EVENT_CYCLE_PLANNED, CycleEvent, Listeners
from bridge.live import ProgressRecorder, read_progress
from bridge.model import Action, ActionKind
from bridge.pause import GUARD, acknowledge, acknowledge_guard, how_to_resume, paused_text
from bridge.scheduler import (
    after_cycle,
    decide,
    disable,
    enable,
    format_ahead,
    format_interval,
    local_zone,
    parse_deny_window,
    parse_interval,
    parse_start_at,
)
from bridge.service import CycleFn, run_now, summary_of
from bridge.store import Clock, RunInfo, ScheduleState, Store, SystemClock


class InputError(ConfigError):
    """A request or argument is wrong (bad interval, a start time in the past...): exit 2, HTTP 400."""


class NotFound(BridgeError):
    """What was asked for does not exist (a cycle id): HTTP 404."""

    exit_code = 2


class Conflict(BridgeError):
    """The configuration file changed since it was loaded: HTTP 409, nothing written."""

    exit_code = 2


CycleFactory = Callable[[Any, Store, Callable[..., None] | None], CycleFn]
"""(settings, store, progress) -> cycle(trigger=, notes=, stop_event=)."""
DryRun = Callable[[Any, Store, bool], Any]
"""(settings, store, check_passwords) -> the report of a dry run (`report.plan`, `report.notes`)."""
Connect = Callable[[Any], Any]
"""settings -> an open VMS session (`recorders()`, `read(ids, side)`, `close()`): the check against the VMS."""


def engine_cycle_factory(settings: Any, store: Store, progress: Callable[..., None] | None) -> CycleFn:
    """The real cycle: the engine on `settings` (AppService loads them afresh for every cycle)."""

    def run(*, trigger: str, notes: list[str], stop_event: threading.Event, allow_mass_delete: bool = False) -> Any:
        from bridge.engine import run_cycle

        return run_cycle(settings, store, trigger=trigger, notes=notes, stop_event=stop_event, progress=progress,
                         allow_mass_delete=allow_mass_delete)

    return run


def engine_dry_run(settings: Any, store: Store, check_passwords: bool) -> Any:
    """The engine's dry run: read both sides and plan, writing nothing."""
    from bridge.engine import run_cycle

    return run_cycle(settings, store, trigger="plan", dry_run=True, check_passwords=check_passwords)


def sdk_connect(settings: Any) -> Any:
    """A session through the SDK (what `config check` compares the configuration with)."""
    from bridge.sdk import connect

    return connect(settings)


@dataclass(slots=True)
class ScheduleChange:
    """What turning scheduling on (or changing it) did, for the front door to say."""

    state: ScheduleState
    note: str | None
    starts_now: bool
    service_running: bool


@dataclass(slots=True)
class ConfigView:
    """The configuration file as the page edits it."""

    path: Path
    version: str
    blocks: dict[str, Any]
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "version": self.version, "config": self.blocks}


def zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


class AppService:
    """SmartSync's service calls. Cheap to build; the store is opened on first use."""

    def __init__(
        self,
        settings_loader: Callable[[], Any],
        *,
        config_path: Path | None = None,
        clock: Clock | None = None,
        tz: tzinfo | None = None,
        cycle_factory: CycleFactory | None = None,
        connect: Connect | None = None,
        dry_run: DryRun | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._load = settings_loader
        self._config_path = config_path
        self.clock: Clock = clock or SystemClock()
        self.tz: tzinfo = tz or local_zone()
        self.cycle_factory: CycleFactory = cycle_factory or engine_cycle_factory
        self.connect: Connect = connect or sdk_connect
        self.dry_run: DryRun = dry_run or engine_dry_run
        self.env = os.environ if env is None else env
        self.on_schedule_change: Callable[[], None] | None = None
        """Set by `serve`: wakes the scheduler in this process at once instead of at its next poll."""
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._background: threading.Thread | None = None

    # -- plumbing ---------------------------------------------------------------------------------------

    def settings(self) -> Any:
        return self._load()

    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(Path(self.settings().service.store), clock=self.clock)
            return self._store

    def config_path(self) -> Path:
        if self._config_path is not None:
            return self._config_path.absolute()
        return Path(self.settings().config_path)

    def cycle(self, progress: Callable[..., None] | None = None) -> CycleFn:
        # The settings are read now, so a configuration saved from the page counts from the next cycle on.
        return self.cycle_factory(self.settings(), self.store(), progress)

    def zone(self) -> str:
        return zone_name(self.tz)

    def local(self, when: datetime | None, seconds: bool = True) -> str:
        """Local wall time: "10:45:12" today, "2026-12-01 22:00:00" on another day."""
        if when is None:
            return ""
        local, today = when.astimezone(self.tz), self.clock.now().astimezone(self.tz).date()
        fmt = "%H:%M:%S" if seconds else "%H:%M"
        return local.strftime(fmt) if local.date() == today else local.strftime(f"%Y-%m-%d {fmt}")

    def _changed_schedule(self) -> None:
        if self.on_schedule_change is not None:
            try:
                self.on_schedule_change()
            except Exception:  # the service picks the change up at its next poll anyway
                logger.exception("Could not wake the scheduler; it notices the change at its next poll")

    # -- status -----------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The status document (the page's Status panel, `GET /api/status`, `smartsync status --json`)."""
        store = self.store()
        now = self.clock.now()
        schedule, service = store.schedule(), store.service_state()
        alive, current, last = store.service_alive(), store.current_cycle(), runs_view.last_finished(store)
        doc: dict[str, Any] = {
            "now": now.isoformat(), "timezone": self.zone(),
            "scheduling": self._schedule_json(schedule),
            "service": {"running": alive, "pid": service.pid if alive else None,
                        "detailed_logs": service.detailed_logs},
            "state": "", "text": "", "since": None, "until": None, "in_minutes": None, "reason": "",
            "progress": None, "current": None, "paused": self.paused_json(schedule),
            "last_cycle": self.run_json(last) if last else None,
        }
        if current is not None:
            doc.update(state="processing", since=current.started_at.isoformat(),
                       text=f"processing since {self.local(current.started_at)}",
                       current={"id": current.id, "trigger": current.trigger})
            lost = store.abandoned(current)
            if lost:
                doc["reason"] = f"apparently abandoned ({lost}): the next cycle takes its lock over"
            doc["progress"] = read_progress(store, last.ended_at if last else None)
        elif schedule.paused_reason:
            # As `smartsync status`: shown even while scheduling is off, since turning it on would not start cycles.
            doc.update(state="paused", since=schedule.paused_at.isoformat() if schedule.paused_at else None,
                       text=f"scheduling paused since {self.local(schedule.paused_at)}" if schedule.paused_at
                       else "scheduling paused", reason=schedule.paused_reason)
        elif not schedule.enabled:
            doc.update(state="off", text="scheduling off")
        elif alive and service.status.startswith("waiting to log in"):
            doc.update(state="waiting", text=service.status, reason=service.status.partition(": ")[2])
            if service.next_login_retry_at is not None:
                doc["until"] = service.next_login_retry_at.isoformat()
                doc["text"] += f" (next attempt at {self.local(service.next_login_retry_at)})"
        else:
            decision = decide(schedule, now, self.tz)
            if decision.action == "run" or decision.at is None:
                doc.update(state="due", text="due now" if alive else "due now, waiting for the service to start")
            else:
                minutes = max(0, math.ceil((decision.at - now).total_seconds() / 60))
                doc.update(state="idle", until=decision.at.isoformat(), in_minutes=minutes,
                           text=f"idle until {self.local(decision.at)} ({format_ahead(decision.at, now)})")
                if decision.reason.startswith("deny window"):
                    doc["reason"] = decision.reason
                    doc["text"] += f" ({decision.reason})"
        if schedule.enabled and not alive:
            doc["reason"] = doc["reason"] or "no service is running: scheduled cycles start only while " \
                                              "`smartsync serve` runs"
        return doc

    def paused_json(self, s: ScheduleState) -> dict[str, Any] | None:
        """Why scheduling is paused (a tripped delete guard or a revert), since when, how to resume; None if not."""
        if not s.paused_reason:
            return None
        return {"reason": s.paused_reason, "by": s.paused_by,
                "since": s.paused_at.isoformat() if s.paused_at else None, "since_local": self.local(s.paused_at),
                "text": paused_text(s), "how_to_resume": how_to_resume(s),
                "override_resumes": s.paused_by == GUARD, "scheduling_enabled": s.enabled}

    def _schedule_json(self, s: ScheduleState) -> dict[str, Any]:
        return {
            "enabled": s.enabled,
            "interval": format_interval(s.interval_seconds) if s.interval_seconds else None,
            "interval_seconds": s.interval_seconds,
            "next_run_at": s.next_run_at.isoformat() if s.enabled and s.next_run_at else None,
            "start_at": s.start_at.isoformat() if s.start_at else None,
            "deny_windows": list(s.deny_windows),
        }

    def run_json(self, run: RunInfo) -> dict[str, Any]:
        report = run.report or {}
        return {
            "id": run.id, "trigger": run.trigger, "status": run.status,
            "started_at": run.started_at.isoformat(), "ended_at": run.ended_at.isoformat() if run.ended_at else None,
            "started_local": self.local(run.started_at), "ended_local": self.local(run.ended_at),
            "duration_seconds": (run.ended_at - run.started_at).total_seconds() if run.ended_at else None,
            "summary": summary_of(run) if run.ended_at else "running",
            "applied": sum((report.get("applied") or {}).values()),
            "failed": len(report.get("failures") or []),
            "skipped": len(report.get("skips") or []),
            "notes": list(run.notes),
        }

    # -- schedule ---------------------------------------------------------------------------------------

    def schedule_show(self) -> dict[str, Any]:
        return self._schedule_json(self.store().schedule()) | {"timezone": self.zone()}

    def schedule_enable(self, interval: str, *, start_now: bool = False, start_at: str | None = None,
                        deny: list[str] | None = None, no_deny: bool = False) -> ScheduleChange:
        """Turn scheduling on or change it; the next start per the product's rules (see bridge.scheduler)."""
        try:
            seconds = parse_interval(interval)
            if start_now and start_at:
                raise ConfigError("choose --start-now or --start-at, not both")
            if deny and no_deny:
                raise ConfigError("choose --deny or --no-deny, not both")
            for window in deny or []:
                parse_deny_window(window)
            now = self.clock.now()
            start_utc, note = parse_start_at(start_at, self.tz, now) if start_at else (None, None)
        except InputError:
            raise
        except ConfigError as exc:
            raise InputError(exc.message, exc.problems) from None
        store = self.store()
        last = runs_view.last_finished(store)
        windows = [] if no_deny else (list(deny) if deny else None)
        state = store.update_schedule(lambda s: enable(
            s, seconds, now, start_at=start_utc, start_now=start_now, deny_windows=windows,
            last_end=last.ended_at if last else None,
        ))
        self._changed_schedule()
        starts_now = state.next_run_at is not None and state.next_run_at <= now
        return ScheduleChange(state=state, note=note, starts_now=starts_now, service_running=store.service_alive())

    def schedule_disable(self) -> RunInfo | None:
        """Scheduling off; returns the running cycle (it finishes), if any."""
        store = self.store()
        store.update_schedule(disable)
        self._changed_schedule()
        return store.current_cycle()

    def schedule_resume(self) -> dict[str, Any]:
        """The administrator's acknowledgement of a paused schedule (`smartsync schedule resume`, the page's
        Resume): `resumed` False when it was not paused; `was` the pause that was lifted."""
        store = self.store()
        lifted = acknowledge(store)
        if lifted is not None:
            logger.info("Scheduling resumed (it was paused: {})", lifted.paused_reason)
            self._changed_schedule()
        state = store.schedule()
        return {"resumed": lifted is not None, "was": self.paused_json(lifted) if lifted else None,
                "scheduling": self._schedule_json(state)}

    # -- cycles -----------------------------------------------------------------------------------------

    def recorded_cycle(self, *, allow_mass_delete: bool = False) -> CycleFn:
        """The cycle, reporting its live progress to the store (what the service's scheduler runs)."""
        override = {"allow_mass_delete": True} if allow_mass_delete else {}

        def run(*, trigger: str, notes: list[str], stop_event: threading.Event) -> Any:
            recorder = ProgressRecorder(self.store())
            try:
                return self.cycle(recorder)(trigger=trigger, notes=notes, stop_event=stop_event, **override)
            finally:
                recorder.finish()

        return run

    def run_now(self, stop_event: threading.Event | None = None, *, allow_mass_delete: bool = False) -> Any:
        """One cycle now, in this thread: refused while another runs (CycleRunning); the schedule idles after it.

        With `allow_mass_delete` (past the delete guard) a pause the guard caused is lifted, as by
        `smartsync sync --allow-mass-delete`."""
        report = run_now(self.store(), self.recorded_cycle(allow_mass_delete=allow_mass_delete), clock=self.clock,
                         tz=self.tz, stop_event=stop_event)
        if allow_mass_delete:
            self._lift_guard_pause(report)
        return report

    def _lift_guard_pause(self, report: Any) -> bool:
        """After a cycle run with the guard overridden: it decided on the deletes, so the guard's pause ends."""
        if report.status not in ("ok", "failed") or not acknowledge_guard(self.store()):
            return False
        note = "scheduling resumed: this cycle ran with the delete guard overridden"
        logger.info("Scheduling resumed: a cycle ran with the delete guard overridden")
        report.notes.append(note)
        self._changed_schedule()
        return True

    def _refuse_while_running(self, what: str) -> None:
        current = self.store().current_cycle()
        if current is not None and self.store().abandoned(current) is None:
            raise CycleRunning(f"a cycle has been running since {self.local(current.started_at)} "
                               f"(trigger {current.trigger}); wait for it to end, then {what}")

    def _start_background(self, target: Callable[[], None], name: str) -> None:
        with self._lock:
            if self._background is not None and self._background.is_alive():
                # No cycle holds the lock (checked before): the last one is only winding down (its schedule update).
                self._background.join(timeout=5)
            if self._background is not None and self._background.is_alive():
                raise CycleRunning("a cycle or a revert is starting; wait for it to end")
            self._background = threading.Thread(target=target, name=name, daemon=True)
            self._background.start()

    def start_run_now(self, *, allow_mass_delete: bool = False) -> dict[str, Any]:
        """Run now without waiting (the page's button): refused at once while a cycle runs."""
        self._refuse_while_running("run one")
        self._start_background(lambda: self._run_in_background(allow_mass_delete), "smartsync-run-now")
        if allow_mass_delete:
            return {"started": True, "message": "a cycle starts now, with the delete guard overridden"}
        return {"started": True, "message": "a cycle starts now"}

    def _run_in_background(self, allow_mass_delete: bool = False) -> None:
        try:
            self.run_now(allow_mass_delete=allow_mass_delete)
        except BridgeError as exc:
            logger.warning("Run now: {}", exc.message)
        except Exception:
            logger.exception("Run now failed unexpectedly")

    # -- revert -----------------------------------------------------------------------------------------

    def revert(self, run_id: int, *, dry_run: bool = False, force: bool = False, allow_mass_delete: bool = False,
               listeners: Listeners | None = None) -> Any:
        """Put back what cycle `run_id` changed (`smartsync revert`, the page's Revert); returns the revert's report.

        `dry_run` plans only (the plan is `report.plan`). Refused while a cycle runs (CycleRunning); NotFound
        for an unknown id; RevertRefused (LaterCyclesTouched naming the later cycles, unless `force`) and
        GuardTripped (unless `allow_mass_delete`) from bridge.revert. A revert pauses scheduling.
        """
        from bridge.revert import revert

        store = self.store()
        if store.run(run_id) is None:
            raise NotFound(f"no cycle with id {run_id}; the history lists them")
        current = store.current_cycle()
        if current is not None and current.id == run_id and store.abandoned(current) is None:
            raise CycleRunning(f"cycle {run_id} is still running; wait for it to end, then revert it")
        self._refuse_while_running("revert")
        settings = self.settings()
        events = Listeners()
        if listeners is not None:
            events.extend(listeners)
        recorder: ProgressRecorder | None = None
        if not dry_run:
            def progress(event: CycleEvent) -> None:
                nonlocal recorder
                if event.code == EVENT_CYCLE_PLANNED:
                    recorder = ProgressRecorder(store)  # the page's status shows the revert's progress live
                elif recorder is not None and event.action is not None:
                    recorder(event.done, event.total, event.action)

            events.add(progress, EVENT_CYCLE_PLANNED | EVENT_ACTION_AFTER)
        session = self.connect(settings)
        try:
            report = revert(settings, store, run_id, dry_run=dry_run, force=force,
                            allow_mass_delete=allow_mass_delete, session=session, listeners=events)
        finally:
            if recorder is not None:
                recorder.finish()
            session.close()
            if not dry_run:
                self._changed_schedule()  # the revert paused scheduling: the service's status says so at once
        return report

    def start_revert(self, run_id: int, *, force: bool = False, allow_mass_delete: bool = False) -> dict[str, Any]:
        """The revert in the background (the page's Confirm): returns once it has started writing, with its run
        id, so the page can open its report; a refusal (or a failed log-in) before that is raised here."""
        started = threading.Event()
        outcome: dict[str, Any] = {}

        def planned(event: CycleEvent) -> None:
            outcome["run_id"] = event.report.run_id
            started.set()

        listeners = Listeners()
        listeners.add(planned, EVENT_CYCLE_PLANNED)

        def work() -> None:
            try:
                self.revert(run_id, force=force, allow_mass_delete=allow_mass_delete, listeners=listeners)
            except BridgeError as exc:
                outcome["error"] = exc
                logger.warning("Revert of cycle {}: {}", run_id, exc.message)
            except Exception as exc:
                outcome["error"] = BridgeError(f"the revert of cycle {run_id} failed unexpectedly "
                                               f"({type(exc).__name__}); the service log has the details")
                logger.exception("Revert of cycle {} failed unexpectedly", run_id)
            finally:
                started.set()

        # The quick refusals here, in the request: no thread for an unknown id or while a cycle runs.
        if self.store().run(run_id) is None:
            raise NotFound(f"no cycle with id {run_id}; the history lists them")
        self._refuse_while_running("revert")
        self._start_background(work, "smartsync-revert")
        started.wait()
        if "run_id" in outcome:
            return {"started": True, "run_id": outcome["run_id"], "reverting": run_id,
                    "message": f"the revert of cycle {run_id} runs as cycle {outcome['run_id']}; scheduling is "
                               f"paused until it is resumed"}
        error = outcome.get("error")
        raise error if isinstance(error, BridgeError) else BridgeError(f"the revert of cycle {run_id} did not start")

    def sync(self, *, allow_mass_delete: bool = False, check_passwords: bool = False,
             progress: Callable[[int, int, Action], None] | None = None,
             stop_event: threading.Event | None = None) -> Any:
        """`smartsync sync`: one cycle now; afterwards a scheduled service idles a full interval from its end."""
        from bridge.engine import run_cycle

        store = self.store()
        recorder = ProgressRecorder(store)  # the page shows a cycle started from the command line live too

        def both(done: int, total: int, action: Action) -> None:
            recorder(done, total, action)
            if progress is not None:
                progress(done, total, action)

        try:
            report = run_cycle(self.settings(), store, trigger="manual", allow_mass_delete=allow_mass_delete,
                               progress=both, check_passwords=check_passwords, stop_event=stop_event)
        finally:
            recorder.finish()
        if report.ended_at is not None:
            ended = report.ended_at
            store.update_schedule(lambda state: after_cycle(state, ended))
        if allow_mass_delete:
            self._lift_guard_pause(report)
        return report

    def dry_run_report(self, *, check_passwords: bool = False) -> Any:
        """The engine's dry run: its report carries the plan, the notes and the round trips."""
        return self.dry_run(self.settings(), self.store(), check_passwords)

    def plan(self, *, check_passwords: bool = False) -> dict[str, Any]:
        """What the next cycle would do (dry run), grouped by target recorder and category."""
        settings = self.settings()
        report = self.dry_run(settings, self.store(), check_passwords)
        plan = report.plan
        actions = plan.actions if plan else []
        # The engine names the recorders it resolved; no second log-in for it.
        names: dict[str, str] = dict(getattr(report, "recorder_names", None) or {})
        edits: list[dict[str, Any]] = list(getattr(report, "target_edits", None) or [])
        grouped = group_plan(actions, settings, names)
        # Marked where they are: an update that would overwrite a value edited by hand on the target.
        overwrites = {(e.get("item_id"), e.get("category")) for e in edits if e.get("handled") == "overwritten"}
        for rec in grouped["recorders"]:
            for cat in rec["categories"]:
                for a in cat["actions"]:
                    a["overwrites_edit"] = (a["target"].get("item_id"), a.get("category")) in overwrites
        return grouped | {
            "skips": [s.to_json() for s in plan.skips] if plan else [], "notes": report.notes,
            "counts": plan.counts() if plan else {}, "target_edits": edits,
        }

    # -- history ----------------------------------------------------------------------------------------

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        """The most recent cycles, newest first (one line each)."""
        if not 1 <= limit <= 10_000:
            raise InputError(f"limit {limit} is outside 1..10000")
        return [self.run_json(r) for r in runs_view.summaries(self.store(), limit)]

    def report(self, run_id: int) -> dict[str, Any]:
        """One cycle's stored report in full (what `smartsync history ID` shows)."""
        run = self.store().run(run_id)
        if run is None:
            raise NotFound(f"no cycle with id {run_id}; the history lists them")
        local = {"started_local": self.local(run.started_at), "ended_local": self.local(run.ended_at)}
        journal = [e.to_json() for e in self.store().journal(run_id)]  # every write, with what it replaced
        return cycle_report(run) | local | {"journal": journal}

    # -- log --------------------------------------------------------------------------------------------

    def log_dir(self) -> Path:
        return Path(self.settings().service.log_dir)

    def log_show(self, lines: int = 200) -> list[str]:
        if lines < 0:
            raise InputError(f"lines {lines} is negative; ask for 0 or more")
        return logs.tail(self.log_dir(), lines)

    def log_clear(self) -> int:
        return logs.clear(self.log_dir())

    # -- configuration ----------------------------------------------------------------------------------

    def config_read(self) -> ConfigView:
        path = self.config_path()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {path}", [f"{exc.strerror or exc}: check the path and permissions"]) \
                from None
        return ConfigView(path, configdoc.version_of(text), configdoc.read_blocks(configdoc.parse(text)), text)

    def config_check(self, text: str | None = None, *, online: bool = True) -> CheckResult:
        """Exactly `smartsync config check`: the file (or `text` as the file) on its own, then against the VMS."""
        from bridge.settings import load_settings

        path = self.config_path()

        def load() -> Any:
            return load_settings(path, env=self.env) if text is None else _settings_from_text(text, path, self.env)

        return check_settings(load, self.connect if online else None)

    def config_validate(self, blocks: dict[str, Any]) -> CheckResult:
        """The checks of `config check` on the file as it would be with these blocks; nothing written."""
        view = self.config_read()
        doc = configdoc.apply_blocks(configdoc.parse(view.text), blocks)
        import tomlkit

        return self.config_check(tomlkit.dumps(doc))

    def config_save(self, blocks: dict[str, Any], version: str) -> tuple[ConfigView, CheckResult]:
        """Validate and write the blocks into the file, keeping its comments; refused if it changed meanwhile."""
        import tomlkit

        view = self.config_read()
        if version != view.version:
            raise Conflict(f"{view.path} changed since it was loaded (someone else saved, or it was edited); "
                           "reload the page to see the current configuration, then make your change again")
        new_text = tomlkit.dumps(configdoc.apply_blocks(configdoc.parse(view.text), blocks))
        result = self.config_check(new_text)
        if result.problems:
            raise ConfigError(result.headline or f"{len(result.problems)} problem(s)", result.problems)
        if new_text != view.text:
            with self._lock:
                # Re-read under the lock: two saves in this process must not both pass the version check.
                if configdoc.version_of(view.path.read_text(encoding="utf-8")) != view.version:
                    raise Conflict(f"{view.path} changed since it was loaded; reload the page and save again")
                tmp = view.path.with_name(view.path.name + ".saving")
                tmp.write_text(new_text, encoding="utf-8")
                os.replace(tmp, view.path)
            logger.info("Configuration saved from the page ({})", view.path)
        saved = ConfigView(view.path, configdoc.version_of(new_text), configdoc.read_blocks(configdoc.parse(new_text)),
                           new_text)
        return saved, result


def _settings_from_text(text: str, path: Path, env: Mapping[str, str]) -> Any:
    """The settings `text` would give if it were the file at `path` (the same checks as load_settings)."""
    import tomllib

    from bridge.settings import MAX_DEPTH, settings_from_dict

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML", [f"{exc}: fix the syntax at that place"]) from None
    except RecursionError:
        raise ConfigError(f"{path} is not a usable configuration",
                          [f"tables or arrays are nested more than {MAX_DEPTH} deep; flatten them"]) from None
    return settings_from_dict(data, base_dir=path.parent, env=env, config_path=path)


# -- what a report and a plan look like to a person -----------------------------------------------------


def cycle_report(run: RunInfo) -> dict[str, Any]:
    """A stored report with its counts per kind and category (older reports without actions still show)."""
    report = dict(run.report or {})
    actions = report.get("applied_actions") or []
    per_category: dict[str, int] = {}
    for a in actions:
        key = f"{a.get('kind', '')} {a.get('category', '')}".strip()
        per_category[key] = per_category.get(key, 0) + 1
    return report | {
        # The run's notes (given at its start, added while it ran) and those its report gathered during the cycle.
        "id": run.id, "trigger": run.trigger, "status": run.status,
        "notes": list(dict.fromkeys([*run.notes, *(n for n in report.get("notes") or [] if isinstance(n, str))])),
        "started_at": run.started_at.isoformat(), "ended_at": run.ended_at.isoformat() if run.ended_at else None,
        "applied_actions": actions, "failures": report.get("failures") or [], "skips": report.get("skips") or [],
        "applied": report.get("applied") or {}, "per_category": per_category, "summary": summary_of(run),
    }


JOURNAL_STATES = {"done": "done", "failed": "failed", "pending": "unfinished (under way when the cycle ended)",
                  "unknown": "outcome unknown (cut off during the write: killed, or the connection lost)"}
"""A journal entry's state as a person reads it."""


def journal_rows(journal: list[dict[str, Any]], names: Mapping[str, str] | None = None,
                 edits: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Each write of a cycle as a person reads it: what, on which item (and recorder), before -> after where that
    means something, its state, and whether it overwrote an edit made by hand on the target."""
    names = names or {}
    edited = {(str(e.get("item_id", "")), str(e.get("category", ""))): e for e in edits or []
              if e.get("handled") == "overwritten"}
    rows = []
    for e in journal:
        action: dict[str, Any] = e.get("action") or {}
        target: dict[str, Any] = action.get("target") or {}
        kind, category = str(action.get("kind", "")), str(action.get("category") or "")
        before, after = _before_after(kind, category, action, e.get("before"), e.get("result") or {}, names,
                                      str(target.get("item_kind") or "hardware"))
        rows.append({
            "seq": e.get("seq"), "state": str(e.get("state", "")),
            "state_text": JOURNAL_STATES.get(str(e.get("state", "")), str(e.get("state", ""))),
            "what": f"{kind} {category}".strip(),
            "item": f"{target.get('item_kind', '')} {target.get('name') or target.get('item_id', '')}".strip(),
            # A site-wide item (a view, a device group) has no recorder: its site says where it is.
            "recorder": names.get(str(target.get("recorder_id", "")), str(target.get("recorder_id", "")))
            if target.get("recorder_id") else str(target.get("site", "")),
            "before": before, "after": after, "error": str(e.get("error") or ""),
            # An unfinished write settled by a later cycle (bridge.resume), or why none could: what it found.
            "resumed": str(e.get("resumed") or ""),
            "overwrote_edit": (str(target.get("item_id", "")), category) in edited,
        })
    return rows


def _before_after(kind: str, category: str, action: dict[str, Any], before: Any, result: dict[str, Any],
                  names: Mapping[str, str], item_kind: str = "hardware") -> tuple[dict[str, Any], dict[str, Any]]:
    """Two small {label: value} maps; a credential is never among them (the journal keeps none in plain text)."""
    values: dict[str, Any] = action.get("values") or {}
    was: dict[str, Any] = before if isinstance(before, dict) else {}
    if kind == ActionKind.UPDATE.value:
        if category == "password":
            return {"password": "(not shown)"}, {"password": "changed (not shown)"}
        old = was.get("values")
        old = old if isinstance(old, dict) else ({} if not was else {"value": old})
        return ({k: old.get(k) for k in values} if old else {}), dict(values)
    if kind == ActionKind.ADD.value:
        new = {"hardware": values.get("name", ""), "address": values.get("address", "")}
        if result.get("hardware_id"):
            new["new id"] = result["hardware_id"]
        return {}, new
    if kind == ActionKind.DELETE.value:
        hw: dict[str, Any] = was.get("hardware") or {}
        if not hw:
            gone: dict[str, Any] = {item_kind: "removed"}
            if values.get("remove_members"):
                gone["cameras taken out first"] = len(values["remove_members"])
            return ({k: v for k, v in was.items() if k != "password_kept"}, gone)
        return ({"hardware": hw.get("name", ""), "address": hw.get("address", ""),
                 "devices": len(hw.get("devices") or [])}, {"hardware": "removed"})
    if kind == ActionKind.MOVE.value:
        to = str(values.get("to_recorder_id", ""))
        return ({"recorder": was.get("recorder_name") or was.get("recorder_id", "")} if was else {},
                {"recorder": names.get(to, to)})
    if kind == ActionKind.REPLACE.value:
        keys = ("address", "driver", "user_name")
        return {k: was[k] for k in keys if k in was}, {k: values[k] for k in keys if k in values}
    return {}, dict(values)


def group_plan(actions: list[Action], settings: Any, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Actions grouped by target recorder, then category; an add lists the settings that follow it."""
    follow = [c for c in configdoc.SYNC_SWITCHES if getattr(settings.sync, c, False)]
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for a in actions:
        category = a.kind.value if a.kind is not ActionKind.UPDATE else (a.category or "update")
        item = a.to_json()
        if a.kind is ActionKind.ADD:
            item["then"] = ("once added, its devices get the source's settings: "
                            + (", ".join(follow) if follow else "none (every settings switch is off)"))
        groups.setdefault(a.target.recorder_id or "(no recorder)", {}).setdefault(category, []).append(item)
    names = names or {}
    return {"recorders": [{"recorder_id": rid, "recorder": names.get(rid, rid),
                           "categories": [{"category": c, "actions": items} for c, items in cats.items()]}
                          for rid, cats in groups.items()],
            "total": len(actions)}


__all__ = ["AppService", "CheckResult", "ConfigView", "Conflict", "InputError", "NotFound", "ScheduleChange",
           "cycle_report", "engine_cycle_factory", "group_plan", "journal_rows"]
