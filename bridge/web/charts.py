"""Pictures drawn on the server as SVG: the history timeline and the Help picture of one cycle.

Both are plain SVG text built from real data (stored runs, the interval being
entered), escaped, with no script; the page embeds them as they are.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from bridge import runs_view
from bridge.errors import ConfigError
from bridge.scheduler import format_interval, parse_interval
from bridge.store import RunInfo

if TYPE_CHECKING:
    from bridge.app import AppService

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif"'
_COLOURS = {"ok": "#2e7d32", "failed": "#ef6c00", "guard": "#c62828", "error": "#c62828",
            "interrupted": "#757575", "abandoned": "#757575", "running": "#1565c0"}


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return format_interval(seconds - seconds % 60 if seconds >= 3600 else seconds)


def timeline(runs: list[RunInfo], now: datetime, local: Callable[[datetime | None], str], width: int = 1000) -> str:
    """Processing bars and the idle gaps between them, oldest on the left; each bar links to its report."""
    runs = sorted((r for r in runs if r.started_at is not None), key=lambda r: r.started_at)
    height, top, bar = 120, 28, 40
    if not runs:
        return (f'{_SVG} viewBox="0 0 {width} 60" role="img" '
                f'aria-label="No cycles yet"><text x="10" y="35" font-size="14">No cycles yet.</text></svg>')
    t0 = runs[0].started_at
    t1 = max(now, *(r.ended_at or now for r in runs))
    span = max((t1 - t0).total_seconds(), 1.0)
    left, right = 10, width - 10

    def x(t: datetime) -> float:
        return left + (right - left) * (t - t0).total_seconds() / span

    parts = [f'{_SVG} viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Timeline of the last {len(runs)} cycles" class="timeline">',
             f'<line x1="{left}" y1="{top + bar / 2}" x2="{right}" y2="{top + bar / 2}" stroke="#bbb" '
             f'stroke-dasharray="4 3"/>']
    for i, r in enumerate(runs):
        end = r.ended_at or now
        x1, x2 = x(r.started_at), max(x(end), x(r.started_at) + 2)
        colour = _COLOURS.get(r.status, "#455a64")
        took = duration_text((end - r.started_at).total_seconds())
        tip = f"#{r.id} {r.trigger} {r.status}: {local(r.started_at)} - {local(r.ended_at) or 'running'} ({took})"
        parts.append(f'<a href="/history/{r.id}"><rect x="{x1:.1f}" y="{top}" width="{x2 - x1:.1f}" height="{bar}" '
                     f'fill="{colour}"><title>{escape(tip)}</title></rect></a>')
        nxt = runs[i + 1] if i + 1 < len(runs) else None
        if nxt is not None and r.ended_at is not None:
            gx1, gx2 = x(r.ended_at), x(nxt.started_at)
            if gx2 - gx1 > 60:
                idle = duration_text((nxt.started_at - r.ended_at).total_seconds())
                parts.append(f'<text x="{(gx1 + gx2) / 2:.1f}" y="{top - 6}" font-size="11" text-anchor="middle" '
                             f'fill="#555">idle {escape(idle)}</text>')
    for k in range(5):
        t = t0 + timedelta(seconds=span * k / 4)
        anchor = "start" if k == 0 else ("end" if k == 4 else "middle")
        parts.append(f'<text x="{x(t):.1f}" y="{top + bar + 20}" font-size="12" text-anchor="{anchor}" '
                     f'fill="#333">{escape(local(t))}</text>')
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="#555">processing bars (green ok, orange '
                 f'failed actions, red stopped, grey interrupted, blue running); dashes: idle</text></svg>')
    return "".join(parts)


def typical_duration(runs: list[RunInfo]) -> timedelta | None:
    """The median processing time of the last finished cycles (None without history)."""
    done = [(r.ended_at - r.started_at).total_seconds() for r in runs if r.ended_at is not None][:5]
    return timedelta(seconds=statistics.median(done)) if done else None


def cycle_picture(app_service: AppService, interval_text: str) -> str:
    """Processing started -> processing ended -> idle for the interval -> next start, twice, with real times."""
    width, height = 760, 190
    try:
        interval = timedelta(seconds=parse_interval(interval_text))
        problem = ""
    except ConfigError as exc:
        interval, problem = timedelta(minutes=10), exc.message
    runs = runs_view.summaries(app_service.store(), 10)
    typical = typical_duration(runs)
    example = typical is None
    took = typical if typical is not None else timedelta(minutes=10)
    last_done = next((r for r in runs if r.ended_at is not None), None)
    start = last_done.started_at if last_done is not None else app_service.clock.now()
    end1 = start + took
    start2 = end1 + interval
    end2 = start2 + took
    start3 = end2 + interval
    # Real proportions, but a cycle of seconds next to an idle of minutes would vanish: keep bars readable.
    real = took / (took + interval)
    share = max(min(real, 0.7), 0.3)
    seg_p, seg_i = 0.5 * share, 0.5 * (1 - share)
    left, right, y, h = 20, width - 20, 60, 36
    span = right - left
    xs = [left, left + span * seg_p, left + span * (seg_p + seg_i), left + span * (2 * seg_p + seg_i), right]
    times = [start, end1, start2, end2, start3]
    seconds = took < timedelta(minutes=1) or interval < timedelta(minutes=1)

    def when(t: datetime) -> str:
        return escape(app_service.local(t, seconds=seconds))

    parts = [f'{_SVG} viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="One sync cycle and the idle interval after it" class="cycle-picture">']
    for a, b in ((0, 1), (2, 3)):
        parts.append(f'<rect x="{xs[a]:.1f}" y="{y}" width="{xs[b] - xs[a]:.1f}" height="{h}" fill="#1565c0" rx="3"/>')
        parts.append(f'<text x="{(xs[a] + xs[b]) / 2:.1f}" y="{y + 23}" font-size="13" fill="#fff" '
                     f'text-anchor="middle">processing</text>')
    idle = escape(format_interval(int(interval.total_seconds())))
    for a, b in ((1, 2), (3, 4)):
        parts.append(f'<rect x="{xs[a]:.1f}" y="{y + 12}" width="{xs[b] - xs[a]:.1f}" height="12" fill="#cfd8dc"/>')
        parts.append(f'<text x="{(xs[a] + xs[b]) / 2:.1f}" y="{y + 8}" font-size="13" text-anchor="middle" '
                     f'fill="#333">idle for {idle}</text>')
    # Starts are labelled above the bars, ends below them, so neighbours never collide.
    labels = [("Processing started", 0, True), ("Processing ended", 1, False), ("Next start", 2, True),
              ("Processing ended", 3, False), ("Next start", 4, True)]
    for text, i, above in labels:
        anchor = "start" if i == 0 else ("end" if i == 4 else "middle")
        parts.append(f'<line x1="{xs[i]:.1f}" y1="{y - 6 if above else y}" x2="{xs[i]:.1f}" '
                     f'y2="{y + h if above else y + h + 6}" stroke="#333"/>')
        row = 22 if above else y + h + 20
        parts.append(f'<text x="{xs[i]:.1f}" y="{row}" font-size="12" text-anchor="{anchor}" fill="#222">'
                     f'{text}</text>')
        parts.append(f'<text x="{xs[i]:.1f}" y="{row + 14}" font-size="12" font-weight="bold" '
                     f'text-anchor="{anchor}" fill="#222">{when(times[i])}</text>')
    if problem:
        note = problem
    elif example:
        note = ("No cycle has run yet: processing is drawn as 10 minutes. It takes longer with more cameras "
                "on the servers.")
    else:
        note = (f"Processing took {duration_text(took.total_seconds())} (median of the last cycles); it grows "
                f"with the number of cameras. The interval counts from the end of a cycle.")
    if share != real and not problem:
        note += " Bars not to scale."
    parts.append(f'<text x="{left}" y="{height - 22}" font-size="12" fill="#444">{escape(note[:120])}</text>')
    if len(note) > 120:
        parts.append(f'<text x="{left}" y="{height - 7}" font-size="12" fill="#444">{escape(note[120:240])}</text>')
    parts.append("</svg>")
    return "".join(parts)
