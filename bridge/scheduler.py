"""When cycles run: the scheduling rules as pure functions of (schedule state, now).

Nothing here sleeps, reads the clock by itself or touches the store: the
service (`bridge.service`) asks these functions what to do and lets
APScheduler wake it at the answer's time. That keeps every rule testable with
a hand-driven clock:

- off by default; enabling needs an interval ("10m", "1h30m", "90s", within
  30 s .. 7 d);
- the interval counts from the END of a cycle (next = end + interval), in
  absolute (UTC) time, so a daylight-saving change never stretches or
  shrinks it;
- Start Now runs at once; Start Later runs first at a local date-time that
  must be in the future and must exist (a spring-forward gap is refused, a
  fall-back time takes its first occurrence, with a message);
- a due cycle inside a deny window ("Mon-Fri 08:00-18:00", local time) waits
  until the window closes; an administrator's run-now goes ahead with a note;
- a failed log-in is retried after growing pauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from bridge.errors import ConfigError
from bridge.store import ScheduleState

MIN_INTERVAL = 30
MAX_INTERVAL = 7 * 24 * 3600
ALLOWED_RANGE = "30s .. 7d"
LOGIN_RETRY_FIRST = 30
LOGIN_RETRY_CAP = 30 * 60

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_INTERVAL_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local_zone() -> tzinfo:
    """The server's time zone (the one Start Later times and deny windows are read in)."""
    import tzlocal

    return tzlocal.get_localzone()


class ManualClock:
    """A clock that moves only when told to: for tests and for replaying decisions."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


# -- intervals ----------------------------------------------------------------------------------------


def parse_interval(text: str) -> int:
    """"1h30m" -> 5400 seconds; anything else (zero, negative, garbage, out of range) -> ConfigError."""
    raw = text.strip().lower().replace(" ", "")
    match = _INTERVAL_RE.match(raw)
    if not raw or match is None:
        raise ConfigError(
            f"interval {text!r} is not understood: write it as a number with units d, h, m, s in that order, "
            f"e.g. 90s, 10m, 1h30m, 2h (allowed {ALLOWED_RANGE})"
        )
    seconds = sum(int(n) * _UNITS[u] for n, u in zip(match.groups(), "dhms", strict=True) if n)
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ConfigError(
            f"interval {text!r} is {format_interval(seconds) if seconds else 'zero'}: choose one between "
            f"{ALLOWED_RANGE} (a shorter pause would keep the servers busy, a longer one leaves them out of step)"
        )
    return seconds


def format_interval(seconds: int) -> str:
    """5400 -> "1h30m" (the form parse_interval reads back)."""
    out = ""
    for unit, size in _UNITS.items():
        n, seconds = divmod(seconds, size)
        if n:
            out += f"{n}{unit}"
    return out or "0s"


# -- local times --------------------------------------------------------------------------------------


def to_local(when: datetime, tz: tzinfo) -> datetime:
    return when.astimezone(tz)


def format_local(when: datetime, tz: tzinfo, now: datetime | None = None) -> str:
    """"10:45:07" when `when` is on today's local date, else "2026-12-01 22:00:00".

    Seconds are shown: "idle until 19:16" read at 19:16:18 looks like a service that missed its start.
    """
    local = when.astimezone(tz)
    if now is not None and local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")


def format_ahead(when: datetime, now: datetime) -> str:
    """How far ahead `when` is: "in 45 s", "in 4 min", "in 2 h 5 min", "in 3 d 2 h" ("now" once it is due)."""
    seconds = int((when - now).total_seconds() + 0.999)  # a part-second still to wait counts as one
    if seconds <= 0:
        return "now"
    if seconds < 60:
        return f"in {seconds} s"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"in {minutes} min"
    hours, minutes = divmod(seconds // 60, 60)
    if hours < 24:
        return f"in {hours} h {minutes} min" if minutes else f"in {hours} h"
    days, hours = divmod(hours, 24)
    return f"in {days} d {hours} h" if hours else f"in {days} d"


def format_until(when: datetime, tz: tzinfo, now: datetime) -> str:
    """A time ahead, for people: "19:20:00 (in 4 min)"."""
    return f"{format_local(when, tz, now)} ({format_ahead(when, now)})"


def _zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def resolve_local(naive: datetime, tz: tzinfo) -> tuple[datetime, str | None]:
    """A local wall time -> aware UTC; refuses one that does not exist, picks the first of an ambiguous one.

    Returns (utc time, message for the administrator or None).
    """
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    # A wall time inside a spring-forward gap does not survive the round trip through UTC.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ConfigError(
            f"{shown} does not exist in {_zone_name(tz)}: the clocks jump over it when daylight-saving time "
            "starts. Choose a time outside the skipped hour."
        )
    if first.utcoffset() != second.utcoffset():
        utc = first.astimezone(UTC)
        return utc, (
            f"{shown} occurs twice in {_zone_name(tz)} (the clocks go back that night); using the first "
            f"occurrence, {first.strftime('%H:%M %Z')} = {utc.strftime('%H:%M')} UTC"
        )
    return first.astimezone(UTC), None


def parse_start_at(text: str, tz: tzinfo, now: datetime) -> tuple[datetime, str | None]:
    """The Start Later time as typed (local unless it carries an offset) -> (UTC, message or None)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"start time {text!r} is not understood: write it as YYYY-MM-DDTHH:MM in the server's time "
            f"zone ({_zone_name(tz)}), e.g. 2026-12-01T22:00"
        ) from None
    if parsed.tzinfo is not None:
        when, note = parsed.astimezone(UTC), None
    else:
        when, note = resolve_local(parsed, tz)
    if when <= now:
        raise ConfigError(
            f"start time {when.astimezone(tz).strftime('%Y-%m-%d %H:%M')} is in the past (it is now "
            f"{now.astimezone(tz).strftime('%Y-%m-%d %H:%M')} {_zone_name(tz)}); choose a later time or start now"
        )
    return when, note


# -- deny windows -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DenyWindow:
    """Days of the week (0 = Monday) and a local time span; an end before the start runs past midnight."""

    text: str
    days: frozenset[int]
    start: time
    end_minutes: int
    """Minutes after the starting day's midnight (up to 24*60; more for a window past midnight)."""

    def occurrences(self, around: date) -> list[tuple[date, int]]:
        """(start date, start minutes) of the windows starting the day before `around` and that day."""
        out = []
        for back in (1, 0):
            d = around - timedelta(days=back)
            if d.weekday() in self.days:
                out.append((d, self.start.hour * 60 + self.start.minute))
        return out


def parse_deny_window(text: str) -> DenyWindow:
    """"Mon-Fri 08:00-18:00", "Sat,Sun 00:00-24:00", "daily 22:00-02:00" -> DenyWindow."""
    usage = ("write a deny window as DAYS HH:MM-HH:MM in the server's local time, e.g. \"Mon-Fri 08:00-18:00\", "
             "\"Sat,Sun 00:00-24:00\" or \"daily 22:00-02:00\"")
    parts = text.split()
    if len(parts) != 2:
        raise ConfigError(f"deny window {text!r} is not understood: {usage}")
    day_text, span = parts
    days: set[int] = set()
    if day_text.lower() in ("daily", "*", "mon-sun"):
        days = set(range(7))
    else:
        for piece in day_text.lower().split(","):
            ends = piece.split("-")
            if len(ends) > 2 or any(e[:3] not in _DAYS or len(e) < 3 for e in ends):
                raise ConfigError(f"deny window {text!r}: {piece!r} is not a day or day range (Mon..Sun); {usage}")
            first, last = _DAYS.index(ends[0][:3]), _DAYS.index(ends[-1][:3])
            days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", span)
    if match is None:
        raise ConfigError(f"deny window {text!r}: {span!r} is not a time span; {usage}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ConfigError(f"deny window {text!r}: {span!r} has an impossible time; {usage}")
    start_min, end_min = h1 * 60 + m1, h2 * 60 + m2
    if start_min == end_min:
        raise ConfigError(f"deny window {text!r} starts and ends at the same time; {usage}")
    if end_min < start_min:
        end_min += 24 * 60
    return DenyWindow(text=text, days=frozenset(days), start=time(h1, m1), end_minutes=end_min)


def _wall(d: date, minutes: int, tz: tzinfo) -> datetime:
    """Local wall time `minutes` after midnight of `d`, as UTC (first occurrence; a gap time moves forward)."""
    naive = datetime.combine(d, time()) + timedelta(minutes=minutes)
    first = naive.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        # In a spring-forward gap: the wall time never happens; the moment the clocks jump is the boundary.
        utc = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return utc


def deny_until(windows: list[DenyWindow], now: datetime, tz: tzinfo) -> tuple[datetime, DenyWindow] | None:
    """If `now` is inside a deny window: when the last back-to-back window closes (UTC), and the first window."""
    found: DenyWindow | None = None
    moment = now
    for _ in range(16):  # back-to-back windows (e.g. weekday + weekend) chain; 16 hops is plenty
        hit = None
        local_day = moment.astimezone(tz).date()
        for window in windows:
            for start_day, start_min in window.occurrences(local_day):
                begin = _wall(start_day, start_min, tz)
                end = _wall(start_day, window.end_minutes, tz)
                if begin <= moment < end and (hit is None or end > hit[0]):
                    hit = (end, window)
        if hit is None:
            break
        found = found or hit[1]
        moment = hit[0]
    return None if found is None else (moment, found)


# -- decisions ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """What the service should do now: run a cycle, wait until `at`, or nothing (scheduling off)."""

    action: Literal["run", "wait", "off"]
    at: datetime | None = None
    reason: str = ""


def decide(state: ScheduleState, now: datetime, tz: tzinfo, *, hold_until: datetime | None = None,
           hold_reason: str = "held") -> Decision:
    """The scheduler's one question: given the stored schedule and the time, run now or wait until when?

    This is THE next start: the service plants its job from it, and `status`, `schedule show` and
    `schedule enable` print it, so all of them give the same answer. A start that falls inside a deny
    window (now or later) waits until the window, and any window right after it, closes.

    `hold_until` postpones a due cycle (the next log-in attempt after a refusal, or a retry while another
    process's cycle runs); `hold_reason` says why.
    """
    if not state.enabled:
        return Decision("off", None, "scheduling is off")
    if not state.interval_seconds:
        # Without an interval every cycle would be due again at its end: treat it as off, never a tight loop.
        return Decision("off", None, "scheduling has no interval: run `smartsync schedule enable --interval ...`")
    due = state.next_run_at or now
    reason = "next scheduled cycle"
    if hold_until is not None and hold_until > due:
        due, reason = hold_until, hold_reason
    denied = deny_until([parse_deny_window(w) for w in state.deny_windows], max(due, now), tz)
    if denied is not None:
        until, window = denied
        return Decision("wait", until, f"deny window {window.text}")
    if now < due:
        return Decision("wait", due, reason)
    return Decision("run", now, "due" if due < now else reason)


def enable(
    state: ScheduleState,
    interval_seconds: int,
    now: datetime,
    *,
    start_at: datetime | None = None,
    start_now: bool = False,
    last_end: datetime | None = None,
    deny_windows: list[str] | None = None,
) -> ScheduleState:
    """Turn scheduling on or change it.

    - `start_now`: the first cycle is due at once; `start_at`: at that (future, UTC) time;
    - neither, while already on: an interval change: next = last end + new interval (due now if that passed);
    - neither, while off: start now (the screen's default choice).
    """
    for window in deny_windows or []:
        parse_deny_window(window)  # refuse a bad window before anything changes
    if not MIN_INTERVAL <= interval_seconds <= MAX_INTERVAL:
        raise ConfigError(f"interval {interval_seconds}s is outside the allowed range {ALLOWED_RANGE}")
    if start_at is not None and start_now:
        raise ConfigError("choose either start now or a start time, not both")
    if start_at is not None and start_at <= now:
        raise ConfigError("the start time is in the past; choose a later time or start now")
    windows = state.deny_windows if deny_windows is None else list(deny_windows)
    base = replace(state, enabled=True, interval_seconds=interval_seconds, deny_windows=windows)
    if start_at is not None:
        return replace(base, start_at=start_at, next_run_at=start_at)
    if start_now or not state.enabled:
        return replace(base, start_at=None, next_run_at=now)
    return change_interval(base, interval_seconds, last_end, now)


def change_interval(state: ScheduleState, interval_seconds: int, last_end: datetime | None,
                    now: datetime) -> ScheduleState:
    """A new interval while idle: the next start moves to last end + new interval.

    A Start Later time still ahead is kept (the first cycle has not happened yet).
    """
    new = replace(state, interval_seconds=interval_seconds)
    if state.start_at is not None and state.next_run_at == state.start_at and state.start_at > now:
        return new
    if last_end is None:
        return replace(new, next_run_at=now + timedelta(seconds=interval_seconds))
    return replace(new, next_run_at=last_end + timedelta(seconds=interval_seconds))


def disable(state: ScheduleState) -> ScheduleState:
    """Scheduling off: no further cycle starts (a running one finishes)."""
    return replace(state, enabled=False, next_run_at=None, start_at=None)


def after_cycle(state: ScheduleState, ended_at: datetime) -> ScheduleState:
    """The cycle ended: idle for the interval, counted from its end (absolute time).

    A later next start already chosen (a Start Later time ahead) is kept: a run-now never brings the
    schedule forward, it only makes sure a full interval of idle follows it.
    """
    if not state.enabled or not state.interval_seconds:
        return state
    nxt = ended_at + timedelta(seconds=state.interval_seconds)
    if state.next_run_at is not None and state.next_run_at > nxt:
        nxt = state.next_run_at
    return replace(state, next_run_at=nxt)


def login_backoff(attempt: int, interval_seconds: int | None) -> timedelta:
    """Pause before log-in attempt `attempt + 1` after `attempt` refusals: 30 s, 1 m, 2 m, ... capped.

    The cap is the schedule's interval (never waiting longer than a normal idle) or 30 minutes.
    """
    cap = min(interval_seconds or LOGIN_RETRY_CAP, LOGIN_RETRY_CAP)
    cap = max(cap, LOGIN_RETRY_FIRST)
    return timedelta(seconds=min(LOGIN_RETRY_FIRST * 2 ** max(attempt - 1, 0), cap))

