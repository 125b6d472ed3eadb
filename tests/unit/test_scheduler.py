"""The scheduling rules as pure functions: intervals, start times across DST, deny windows, back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bridge.errors import ConfigError
from bridge.scheduler import (
    after_cycle,
    change_interval,
    decide,
    deny_until,
    disable,
    enable,
    format_interval,
    login_backoff,
    parse_deny_window,
    parse_interval,
    parse_start_at,
)
from bridge.store import ScheduleState

CPH = ZoneInfo("Europe/Copenhagen")
NY = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("10m", 600), ("1h30m", 5400), ("90s", 90), ("2h", 7200), ("7d", 604800), (" 1H 5M ", 3900), ("30s", 30),
])
def test_interval_forms_are_read(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds
    assert parse_interval(format_interval(seconds)) == seconds


@pytest.mark.parametrize("text", ["0m", "0", "-10m", "10", "abc", "", "10x", "1m1h", "8d", "29s", "99999d"])
def test_bad_intervals_are_refused_with_the_allowed_range(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_interval(text)
    assert "30s .. 7d" in err.value.message


def test_off_by_default() -> None:
    assert decide(ScheduleState(), utc(2026, 1, 1), CPH).action == "off"


def test_start_now_is_due_at_once_then_next_counts_from_the_end() -> None:
    now = utc(2026, 1, 5, 10, 0)
    state = enable(ScheduleState(), 600, now, start_now=True)
    assert decide(state, now, CPH).action == "run"
    ended = now + timedelta(minutes=15)  # a long cycle
    state = after_cycle(state, ended)
    assert state.next_run_at == ended + timedelta(minutes=10)
    waiting = decide(state, ended + timedelta(minutes=9, seconds=59), CPH)
    assert waiting.action == "wait" and waiting.at == state.next_run_at
    assert decide(state, state.next_run_at, CPH).action == "run"


def test_start_later_waits_for_its_time() -> None:
    now = utc(2026, 1, 5, 10, 0)
    start, note = parse_start_at("2026-01-05T22:00", CPH, now)
    assert start == utc(2026, 1, 5, 21, 0) and note is None  # CET = UTC+1
    state = enable(ScheduleState(), 600, now, start_at=start)
    assert decide(state, start - timedelta(seconds=1), CPH) == decide(state, now, CPH)
    assert decide(state, now, CPH).at == start
    assert decide(state, start, CPH).action == "run"


def test_start_later_in_the_past_is_refused() -> None:
    with pytest.raises(ConfigError, match="in the past"):
        parse_start_at("2026-01-05T09:00", CPH, utc(2026, 1, 5, 10, 0))
    with pytest.raises(ConfigError, match="YYYY-MM-DDTHH:MM"):
        parse_start_at("tomorrow", CPH, utc(2026, 1, 5, 10, 0))


def test_start_later_in_the_spring_forward_gap_is_refused() -> None:
    # Copenhagen, 29 March 2026: 02:00 -> 03:00.
    with pytest.raises(ConfigError, match="does not exist"):
        parse_start_at("2026-03-29T02:30", CPH, utc(2026, 3, 1))


def test_ambiguous_start_later_takes_the_first_occurrence_and_says_so() -> None:
    # New York, 1 November 2026: 02:00 EDT -> 01:00 EST, so 01:30 happens twice.
    start, note = parse_start_at("2026-11-01T01:30", NY, utc(2026, 10, 1))
    assert start == utc(2026, 11, 1, 5, 30)  # 01:30 EDT (UTC-4), the first one
    assert note is not None and "twice" in note and "first" in note


def test_interval_across_dst_change_is_absolute() -> None:
    # A 1-hour interval ending at 01:30 CET on 29 March 2026: the next start is 60 real minutes later,
    # which the wall clock shows as 03:30 CEST.
    state = enable(ScheduleState(), 3600, utc(2026, 3, 29, 0, 0), start_now=True)
    ended = datetime(2026, 3, 29, 1, 30, tzinfo=CPH).astimezone(UTC)
    nxt = after_cycle(state, ended).next_run_at
    assert nxt is not None and nxt - ended == timedelta(hours=1)
    assert nxt.astimezone(CPH).strftime("%H:%M %Z") == "03:30 CEST"


def test_interval_change_while_idle_moves_next_start_from_last_end() -> None:
    now = utc(2026, 1, 5, 10, 0)
    last_end = utc(2026, 1, 5, 9, 55)
    state = after_cycle(enable(ScheduleState(), 600, now, start_now=True), last_end)
    assert state.next_run_at == utc(2026, 1, 5, 10, 5)
    state = enable(state, 1800, now, last_end=last_end)
    assert state.next_run_at == utc(2026, 1, 5, 10, 25) and state.interval_seconds == 1800
    # A shorter interval whose end + interval already passed is due at once.
    state = change_interval(state, 60, last_end, now)
    assert decide(state, now, CPH).action == "run"


def test_interval_change_keeps_a_start_later_time_ahead() -> None:
    now = utc(2026, 1, 5, 10, 0)
    start = utc(2026, 1, 6, 21, 0)
    state = enable(ScheduleState(), 600, now, start_at=start)
    state = enable(state, 1200, now, last_end=utc(2026, 1, 5, 9, 0))
    assert state.next_run_at == start


def test_disable_stops_further_cycles_and_after_cycle_keeps_it_off() -> None:
    now = utc(2026, 1, 5, 10, 0)
    state = disable(enable(ScheduleState(), 600, now, start_now=True))
    assert decide(state, now, CPH).action == "off"
    assert decide(after_cycle(state, now), now + timedelta(days=1), CPH).action == "off"


def test_run_now_never_brings_a_later_start_forward() -> None:
    now = utc(2026, 1, 5, 10, 0)
    start = utc(2026, 1, 6, 21, 0)
    state = after_cycle(enable(ScheduleState(), 600, now, start_at=start), now + timedelta(minutes=2))
    assert state.next_run_at == start


@pytest.mark.parametrize(("text", "problem"), [
    ("Mon-Fri", "not understood"), ("Mon-Fry 08:00-18:00", "not a day"), ("Mon 8-18", "not a time span"),
    ("Mon 08:00-08:00", "same time"), ("Mon 25:00-26:00", "impossible"),
])
def test_bad_deny_windows_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_deny_window(text)


def test_deny_window_delays_a_due_cycle_until_it_closes() -> None:
    # Monday 5 January 2026, 09:00 Copenhagen = 08:00 UTC.
    now = utc(2026, 1, 5, 8, 0)
    state = enable(ScheduleState(), 600, now, start_now=True, deny_windows=["Mon-Fri 08:00-18:00"])
    d = decide(state, now, CPH)
    assert d.action == "wait" and d.at == utc(2026, 1, 5, 17, 0)
    assert "Mon-Fri 08:00-18:00" in d.reason
    assert decide(state, utc(2026, 1, 5, 17, 0), CPH).action == "run"
    # Saturday: no window.
    assert decide(state, utc(2026, 1, 10, 9, 0), CPH).action == "run"


def test_overnight_and_back_to_back_windows_chain() -> None:
    windows = [parse_deny_window("Fri 22:00-06:00"), parse_deny_window("Sat 06:00-24:00")]
    # Friday 9 January 2026 23:00 local -> free from Sunday 00:00 local.
    start = datetime(2026, 1, 9, 23, 0, tzinfo=CPH).astimezone(UTC)
    found = deny_until(windows, start, CPH)
    assert found is not None
    assert found[0] == datetime(2026, 1, 11, 0, 0, tzinfo=CPH).astimezone(UTC)
    # Saturday 01:00 is inside the window that began on Friday.
    assert deny_until(windows[:1], datetime(2026, 1, 10, 1, 0, tzinfo=CPH).astimezone(UTC), CPH) is not None
    assert deny_until(windows[:1], datetime(2026, 1, 10, 7, 0, tzinfo=CPH).astimezone(UTC), CPH) is None


def test_login_backoff_grows_and_is_capped() -> None:
    pauses = [login_backoff(n, 600).total_seconds() for n in range(1, 7)]
    assert pauses == [30, 60, 120, 240, 480, 600]
    assert login_backoff(20, None) == timedelta(minutes=30)
    assert login_backoff(20, 7 * 86400) == timedelta(minutes=30)


def test_hold_postpones_a_due_cycle() -> None:
    now = utc(2026, 1, 5, 10, 0)
    state = enable(ScheduleState(), 600, now, start_now=True)
    d = decide(state, now, CPH, hold_until=now + timedelta(seconds=30), hold_reason="next log-in attempt")
    assert d.action == "wait" and d.reason == "next log-in attempt"
