"""The long-running SmartSync service: runs cycles when the schedule says so, one at a time.

APScheduler (3.x, in-memory job store, this process only) does the waking
up; every decision is taken by the pure rules in `bridge.scheduler` from the
store's schedule and the clock, so the durable truth stays in the store:

- one "cycle" job with a one-shot DateTrigger, re-planted after every cycle
  (next = end + interval) and whenever the stored schedule changes: APScheduler
  would count an interval from the start of a run, the product counts it
  from the end;
- one "poll" job every few seconds: heartbeat, notices schedule edits made
  by other processes (CLI, web), and the detailed-logs / restart flag.

One service per store: `start()` claims the store's service record (a live
holder refuses the start, naming its process and host; a dead or silent one
is taken over with a warning) and every poll re-checks it, so a service that
finds itself displaced stops scheduling. The cycle lock is the store's
(`begin_cycle`, taken by the engine), so a run-now in another process and
this service never overlap. A refused
log-in (ConnectError) starts no cycle; the status line names the site and
its reason and the log-in is retried after growing pauses.

A restart request (`smartsync service restart`) re-reads the settings through
`reload` (passwords are read afresh at every log-in anyway) and records what
it re-read for the command to print.

`run_now` is the administrator's trigger used by `smartsync run-now`;
`describe` is what `smartsync status` (and the web page) shows.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger

from bridge import logs
from bridge.errors import BridgeError, ConnectError, CycleRunning, GuardTripped, PasswordUnavailable
from bridge.pause import GUARD, RESUME_HINT, pause_store, paused_text
from bridge.scheduler import (
    Decision,
    after_cycle,
    decide,
    deny_until,
    format_ahead,
    format_interval,
    format_local,
    format_until,
    local_zone,
    login_backoff,
    parse_deny_window,
)
from bridge.store import Clock, RunInfo, ScheduleState, Store, SystemClock

POLL_SECONDS = 5.0
STOP_TIMEOUT = 30.0
HEARTBEAT_SECONDS = 30.0
"""How often a running cycle's lock is refreshed (well inside the store's STALE_AFTER)."""
BUSY_RETRY = timedelta(seconds=30)
"""How soon a scheduled cycle that found another process's cycle running looks again."""


class CycleReport(Protocol):
    """What `bridge.engine.run_cycle` returns (only what the service reads)."""

    status: str

    def summary(self) -> str: ...

    def to_json(self) -> dict[str, Any]: ...


CycleFn = Callable[..., CycleReport]
"""Called as cycle(trigger=str, notes=list[str], stop_event=threading.Event); takes the store lock itself."""

Reload = Callable[[], tuple[CycleFn, str]]
"""Re-read the settings: the cycle to run from now on, and one sentence saying what was re-read."""


def engine_cycle(settings: Any, store: Store) -> CycleFn:
    """The real cycle: `bridge.engine.run_cycle` bound to these settings and this store."""

    def run(*, trigger: str, notes: list[str], stop_event: threading.Event) -> CycleReport:
        from bridge.engine import run_cycle
        from bridge.sdk.memory import release_memory

        try:
            report: CycleReport = run_cycle(settings, store, trigger=trigger, notes=notes, stop_event=stop_event)
        finally:
            # The service lives for months: give the cycle's garbage back before the next cycle piles on it.
            release_memory()
        return report

    return run


def run_one(store: Store, cycle: CycleFn, *, trigger: str, notes: list[str], stop_event: threading.Event,
            clock: Clock, tz: tzinfo) -> CycleReport:
    """One cycle, then the schedule's next start moved to end + interval and the "Idle until" line.

    The engine writes the "Processing started" and "Processing ended" lines (it knows the run id and the
    counts). CycleRunning, ConnectError and PasswordUnavailable pass through with the schedule untouched: no
    cycle ran. Any other error (the delete guard, a VMS error, a bug) ended a cycle: the schedule moves on,
    then it is re-raised for the caller.
    """
    try:
        with store.keep_alive(HEARTBEAT_SECONDS):
            report = cycle(trigger=trigger, notes=notes, stop_event=stop_event)
    except (CycleRunning, ConnectError, PasswordUnavailable) as exc:
        logger.warning("No cycle ran: {}", exc.message)
        raise
    except GuardTripped as exc:
        if trigger == "schedule":
            # Every later attempt would trip again, or pass after an outage with a stale threshold.
            pause_store(store, f"the delete guard stopped the scheduled cycle: {exc.message}", GUARD)
            logger.warning("Scheduling paused: the delete guard stopped the scheduled cycle; {}",
                           RESUME_HINT)
        _after(store, clock, tz)
        raise
    except BaseException:
        _after(store, clock, tz)
        raise
    _after(store, clock, tz)
    return report


def _after(store: Store, clock: Clock, tz: tzinfo) -> ScheduleState:
    ended = clock.now()
    state = store.update_schedule(lambda s: after_cycle(s, ended))
    decision = decide(state, ended, tz)
    if decision.action != "off" and decision.at is not None:
        held = f", held by the {decision.reason}" if decision.reason.startswith("deny window") else ""
        logger.info("Idle until {} (local, {}{}), every {} from the end of a cycle",
                    format_local(decision.at, tz, ended), format_ahead(decision.at, ended), held,
                    format_interval(state.interval_seconds or 0))
    else:
        logger.info("Idle: scheduling is off, no further cycle starts by itself")
    return state


def run_now(store: Store, cycle: CycleFn, *, clock: Clock | None = None, tz: tzinfo | None = None,
            stop_event: threading.Event | None = None) -> CycleReport:
    """The administrator's trigger: refused while a cycle runs; overrides a deny window with a warning and a note."""
    clock = clock or SystemClock()
    tz = tz or local_zone()
    now = clock.now()
    current = store.current_cycle()
    if current is not None:
        raise CycleRunning(
            f"a cycle has been running since {format_local(current.started_at, tz, now)} "
            f"(trigger {current.trigger}); wait for it to end"
        )
    notes: list[str] = []
    state = store.schedule()
    denied = deny_until([parse_deny_window(w) for w in state.deny_windows], now, tz)
    if denied is not None:
        until, window = denied
        note = (f"run-now overrides the deny window {window.text} (in force until "
                f"{format_local(until, tz, now)})")
        logger.warning(note)
        notes.append(note)
    return run_one(store, cycle, trigger="run-now", notes=notes, stop_event=stop_event or threading.Event(),
                   clock=clock, tz=tz)


class Service:
    """The scheduler side of `smartsync serve`. Construct, `start()`, and `stop()` on SIGTERM/Ctrl-C.

    Tests pass a ManualClock, start with `paused=True` (APScheduler keeps the jobs but runs none), read
    `next_wakeup()` and call `fire()` / `poll()` themselves: the same code the jobs run.
    """

    def __init__(self, store: Store, cycle: CycleFn, *, clock: Clock | None = None, tz: tzinfo | None = None,
                 poll_seconds: float = POLL_SECONDS, manage_logs: bool = False, reload: Reload | None = None) -> None:
        self.store = store
        self.cycle = cycle
        self.reload = reload
        """Called on a restart request; None: the cycle is kept as it is (tests)."""
        self.displaced = threading.Event()
        """Set when the store names another service (it took over this one): this one stops scheduling."""
        self.clock: Clock = clock or SystemClock()
        self.tz: tzinfo = tz or local_zone()
        self.poll_seconds = poll_seconds
        self.manage_logs = manage_logs
        """Follow the store's detailed-logs flag (only when this process owns the log configuration)."""
        self.stop_event = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._fire_lock = threading.Lock()
        self._hold_until: datetime | None = None
        self._hold_reason = ""
        self._login_attempts = 0
        self._seen_schedule: datetime | None = None
        self._seen_choice: tuple[Any, ...] | None = None
        self._seen_restart: datetime | None = None
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            # The cycle has its own single worker so the poll job keeps beating while a cycle runs.
            executors={"default": ThreadPoolExecutor(1), "cycle": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )

    # -- life cycle -------------------------------------------------------------------------------------

    def start(self, *, paused: bool = False) -> None:
        """Claim the store (ServiceRunning when another live service has it), then start the jobs."""
        # A cycle whose process was killed is recorded as interrupted now, not "abandoned" at the next cycle.
        self.store.recover_dead_cycle()
        now = self.clock.now()
        previous = self.store.service_state()
        self._seen_restart = previous.restart_requested_at
        took_over = self.store.claim_service(now)
        if took_over:
            logger.warning("{}", took_over[:1].upper() + took_over[1:])
        if self.manage_logs:
            logs.set_detailed(previous.detailed_logs or logs.is_detailed())
        state = self.store.schedule()
        logger.info("SmartSync service started (process {}); scheduling {}", os.getpid(), _schedule_words(state))
        if state.enabled and state.next_run_at is not None and state.next_run_at < now - timedelta(seconds=1):
            logger.info("The cycle due at {} was missed while the service was down: one cycle runs now",
                        format_local(state.next_run_at, self.tz, now))
        self.scheduler.add_job(self._poll_job, IntervalTrigger(seconds=self.poll_seconds), id="poll",
                               executor="default", replace_existing=True)
        self.scheduler.start(paused=paused)
        self._reschedule()

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop: no new cycle; a running one is asked to finish its current action and end "interrupted".

        Returns False when the cycle did not end within `timeout`; its run is then recorded as interrupted
        here, and the caller should exit the process.
        """
        self.stop_event.set()
        busy = not self._idle.is_set()
        if busy:
            logger.info("Stopping: the running cycle finishes its current action first (up to {:.0f} s)", timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # fire() clears _idle before it looks at stop_event: either it saw the stop, or this waits for it.
        clean = self._idle.wait(timeout)
        if not clean:
            current = self.store.current_cycle()
            if current is not None and current.pid == os.getpid() and current.host == self.store.host:
                self.store.finish_cycle(current.id, "interrupted", {
                    "status": "interrupted",
                    "summary": "the service stopped before the cycle finished its current action",
                })
            logger.error("The cycle did not stop within {:.0f} s; recorded as interrupted", timeout)
        if self.store.owns_service():  # a service that took over this one keeps its own record
            self.store.set_service_state(stopped_at=self.clock.now(), status="stopped")
        logger.info("SmartSync service stopped")
        return clean

    # -- jobs -------------------------------------------------------------------------------------------

    def next_wakeup(self) -> datetime | None:
        """When the cycle job fires next (None: scheduling off, or stopping)."""
        job = self.scheduler.get_job("cycle")
        return None if job is None else job.next_run_time

    def _cycle_job(self) -> None:
        try:
            self.fire()
        except Exception:
            logger.exception("The scheduled cycle failed; the service carries on")
            self._reschedule()

    def _poll_job(self) -> None:
        try:
            self.poll()
        except Exception:
            # A locked or briefly unreadable store must not kill the poller: try again next time.
            logger.exception("Reading the store failed; retrying in {:.0f} s", self.poll_seconds)

    def fire(self) -> Decision:
        """What the cycle job does: decide from the store and the clock; run a cycle if due; plant the next."""
        with self._fire_lock:
            # Busy from here on, before stop_event is read: a stop() arriving now waits for this job instead
            # of reporting "stopped" while the job goes on to log in and run a cycle behind its back.
            self._idle.clear()
            try:
                if self.stop_event.is_set():
                    return Decision("off", None, "stopping")
                now = self.clock.now()
                decision = decide(self.store.schedule(), now, self.tz, hold_until=self._hold_until,
                                  hold_reason=self._hold_reason)
                if decision.action == "run" and not self.stop_event.is_set():
                    self._run_scheduled(now)
                self._reschedule()
                return decision
            finally:
                self._idle.set()

    def _run_scheduled(self, now: datetime) -> None:
        self._hold_until, self._hold_reason = None, ""
        try:
            report = run_one(self.store, self.cycle, trigger="schedule", notes=[], stop_event=self.stop_event,
                             clock=self.clock, tz=self.tz)
        except ConnectError as exc:
            self._login_refused(exc, now)
        except PasswordUnavailable as exc:
            # A password file removed or unreadable since start-up: no log-in was tried; like a refusal.
            self._login_refused(ConnectError(exc.message, cause=exc.message), now,
                                f"waiting to log in: the password cannot be read: {exc.message}")
        except CycleRunning as exc:
            self._hold_until, self._hold_reason = now + BUSY_RETRY, "another cycle is running"
            self.store.set_service_state(status=f"waiting: {exc.message}")
        except BridgeError as exc:
            # The cycle ran and ended badly (delete guard, VMS error): recorded by the engine; carry on.
            logger.warning("The scheduled cycle ended with an error: {}", exc.message)
            self.store.set_service_state(last_error=exc.message)
        except Exception as exc:
            logger.exception("The scheduled cycle failed unexpectedly; the service carries on")
            self.store.set_service_state(last_error=f"{type(exc).__name__}: {exc}")
        else:
            if self._login_attempts:
                logger.info("Log-in accepted again after {} refusal(s)", self._login_attempts)
            self._login_attempts = 0
            self.store.set_service_state(login_attempts=0, next_login_retry_at=None,
                                         last_error="" if report.status == "ok" else report.summary())

    def _login_refused(self, exc: ConnectError, now: datetime, status: str | None = None) -> None:
        self._login_attempts += 1
        interval = self.store.schedule().interval_seconds
        retry_at = now + login_backoff(self._login_attempts, interval)
        site = exc.server or "a management server"
        status = status or f"waiting to log in: {site} refused: {exc.cause or exc.message}"
        self._hold_until, self._hold_reason = retry_at, "next log-in attempt"
        self.store.set_service_state(status=status, last_error=exc.message, login_attempts=self._login_attempts,
                                     next_login_retry_at=retry_at)
        logger.warning("No cycle runs: {}; next log-in attempt at {} (attempt {})", status.removeprefix(
            "waiting to log in: "), format_local(retry_at, self.tz, now), self._login_attempts + 1)

    def poll(self) -> None:
        """What the poll job does: heartbeat, follow the logs flag, pick up schedule edits and restarts."""
        if self.stop_event.is_set():
            return
        now = self.clock.now()
        if not self.store.beat_service(now):
            self._displaced(now)
            return
        state = self.store.service_state()
        if self.manage_logs:
            logs.set_detailed(state.detailed_logs)
        if state.restart_requested_at is not None and state.restart_requested_at != self._seen_restart:
            self._seen_restart = state.restart_requested_at
            self._restart(state.detailed_logs)
            self._seen_schedule = None  # force the reschedule below
        schedule = self.store.schedule()
        # While a cycle runs the job is left alone: the cycle's end re-plants it from the latest schedule.
        if schedule.updated_at != self._seen_schedule and self._idle.is_set():
            # A cycle's end (a run-now, here or in another process) moves only the next start, and says so in
            # its "Idle until" line; only a change an administrator made is a "Schedule changed".
            if _schedule_choice(schedule) != self._seen_choice:
                logger.info("Schedule changed: scheduling {}", _schedule_words(schedule))
            self._reschedule()

    def _restart(self, detailed_logs: bool) -> None:
        """A restart request: re-read the settings (when this service can), reload the schedule, log in now."""
        words = "settings kept as they are (this service has no way to re-read them)"
        if self.reload is not None:
            try:
                self.cycle, words = self.reload()
            except BridgeError as exc:
                words = (f"the settings could NOT be re-read, the ones in use are kept: {exc.message}"
                         + "".join(f"; {p}" for p in getattr(exc, "problems", [])))
                logger.error("Restart requested: {}", words)
        logger.info("Restart requested: {}; schedule reloaded, log-in retried at once, detailed logs {}",
                    words, "on" if detailed_logs else "off")
        self._login_attempts = 0
        self._hold_until, self._hold_reason = None, ""
        self.store.set_service_state(login_attempts=0, next_login_retry_at=None, restart_note=words,
                                     restarted_at=self.clock.now())

    def _displaced(self, now: datetime) -> None:
        state = self.store.service_state()
        logger.error("The store now names another service (process {} on {}): this one stops scheduling and exits",
                     state.pid, state.host)
        self.displaced.set()
        self.stop_event.set()

    def _reschedule(self) -> None:
        if self.stop_event.is_set():
            return
        now = self.clock.now()
        state = self.store.schedule()
        self._seen_schedule = state.updated_at
        self._seen_choice = _schedule_choice(state)
        decision = decide(state, now, self.tz, hold_until=self._hold_until, hold_reason=self._hold_reason)
        if decision.action == "off":
            if self.scheduler.get_job("cycle") is not None:
                self.scheduler.remove_job("cycle")
            self.store.set_service_state(status=paused_text(state) or "off")
            return
        at = decision.at or now
        self.scheduler.add_job(self._cycle_job, DateTrigger(run_date=at), id="cycle", executor="cycle",
                               replace_existing=True)
        if self._hold_reason == "next log-in attempt":
            return  # keep the "waiting to log in: ..." status line
        # Stored, so read later: an absolute time only ("in N min" would be stale by then).
        status = "due now" if decision.action == "run" else f"idle until {format_local(at, self.tz, now)}"
        if decision.reason.startswith("deny window"):
            status += f" ({decision.reason})"
        self.store.set_service_state(status=status)


def _schedule_choice(state: ScheduleState) -> tuple[Any, ...]:
    """What an administrator sets in a schedule (not the next start, which every cycle's end moves)."""
    return (state.enabled, state.interval_seconds, state.start_at, tuple(state.deny_windows), state.paused_reason)


def _schedule_words(state: ScheduleState) -> str:
    if not state.enabled:
        return "off"
    words = f"on, every {format_interval(state.interval_seconds)}" if state.interval_seconds else "on, no interval"
    if state.deny_windows:
        words += f", no cycles {', '.join(state.deny_windows)}"
    if state.paused_reason:
        words += ", paused"
    return words


# -- what `smartsync status` shows --------------------------------------------------------------------


@dataclass(slots=True)
class StatusView:
    scheduling: str
    """"on, every 10m" or "off"."""
    state: str
    """"processing since 10:15 (trigger schedule)", "idle until 10:45", "off", "waiting to log in: ..."."""
    service: str
    last_cycle: str
    next_run_at: datetime | None = None
    current: RunInfo | None = None
    last: RunInfo | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"Scheduling: {self.scheduling}", f"State:      {self.state}", f"Service:    {self.service}",
                f"Last cycle: {self.last_cycle}", *self.notes]


def summary_of(run: RunInfo) -> str:
    """A finished run's one-line summary (the engine's own when the report carries one)."""
    report = run.report or {}
    text = report.get("summary")
    if isinstance(text, str) and text:
        return text
    parts: list[str] = []
    applied = report.get("applied")
    if isinstance(applied, dict):
        detail = ", ".join(f"{k} {v}" for k, v in sorted(applied.items()))
        parts.append(f"{sum(applied.values())} applied" + (f" ({detail})" if detail else ""))
    failures = report.get("failures")
    if isinstance(failures, list) and failures:
        parts.append(f"{len(failures)} failed")
    message = report.get("message") or report.get("error")
    if isinstance(message, str) and message:
        parts.append(message)
    return ", ".join(parts) or "no details recorded"


def running_cycle_note(store: Store, now: datetime, tz: tzinfo) -> str | None:
    """One line for commands that read the VMS while another process's cycle changes it (`plan`), or None."""
    current = store.current_cycle()
    if current is None:
        return None
    note = (f"a cycle is running since {format_local(current.started_at, tz, now)} (trigger {current.trigger}, "
            f"process {current.pid} on {current.host}); this reads both sides while that cycle changes them, "
            f"so it may wait for the VMS and its result may be out of date once the cycle ends")
    lost = store.abandoned(current)
    return note if lost is None else f"{note} (it looks abandoned: {lost})"


def describe(store: Store, now: datetime, tz: tzinfo) -> StatusView:
    """The status as read from the store: the same with or without a running service."""
    schedule = store.schedule()
    service = store.service_state()
    alive = store.service_alive()
    current = store.current_cycle()
    last = store.last_finished()
    notes: list[str] = []

    if alive:
        service_text = f"running (process {service.pid} on {service.host}"
        if service.started_at is not None:
            service_text += f", since {format_local(service.started_at, tz, now)}"
        service_text += ", detailed logs)" if service.detailed_logs else ")"
    else:
        service_text = "not running (start it with `smartsync serve` or its system service)"

    if current is not None:
        state = f"processing since {format_local(current.started_at, tz, now)} (trigger {current.trigger})"
        lost = store.abandoned(current)
        if lost is not None:
            state += f", apparently abandoned ({lost}): the next cycle takes its lock over"
    elif schedule.paused_reason:
        # Shown even while scheduling is off: turning it on would not start cycles until resumed.
        state = paused_text(schedule) + ("" if schedule.enabled else " (scheduling itself is off)")
    elif not schedule.enabled:
        state = "off"
    elif alive and service.status.startswith("waiting to log in"):
        state = service.status
        if service.next_login_retry_at is not None:
            state += f" (next attempt at {format_until(service.next_login_retry_at, tz, now)})"
    else:
        decision = decide(schedule, now, tz)
        if decision.action == "run":
            state = "due now" if alive else "due now, waiting for the service to start"
        elif decision.action == "off":
            state = f"off ({decision.reason})"
        else:
            at = decision.at or now
            held = f", held by the {decision.reason}" if decision.reason.startswith("deny window") else ""
            state = f"idle until {format_local(at, tz, now)} ({format_ahead(at, now)}{held})"
    if schedule.enabled and not alive:
        notes.append("No service is running: scheduled cycles start only while `smartsync serve` runs.")

    if last is None:
        last_text = "none yet"
    else:
        ended = format_local(last.ended_at or last.started_at, tz, now)
        last_text = f"#{last.id} ({last.trigger}) ended {ended}: {last.status}, {summary_of(last)}"
        if last.notes:
            last_text += f" [{'; '.join(last.notes)}]"
    return StatusView(scheduling=_schedule_words(schedule), state=state, service=service_text,
                      last_cycle=last_text, next_run_at=schedule.next_run_at if schedule.enabled else None,
                      current=current, last=last, notes=notes)
