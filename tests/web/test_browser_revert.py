"""Revert and resume walked in Debian's Chromium: the report's journal, the revert's plan, its confirmation,
its own report, the paused schedule and Resume; the refusal naming later cycles, and its force option.

The server, scheduler, engine and revert are real; the VMS is the in-memory one (tests.web.memworld).
Screenshots go to test-artefacts/browser/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.liveserver import LiveServer
from tests.web.memworld import make_memory_app_service, set_gate_fps, target_fps
from tests.web.test_browser import ARTEFACTS, CHROMIUM, signed_in_page

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make setup installs it)"),
]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    app, session, cycles = make_memory_app_service(tmp_path)
    with LiveServer(tmp_path, cycles, app_service=app) as server:
        server.session = session  # type: ignore[attr-defined]
        # Two cycles: the first mirrors (adds Axis Dock, sets Gate's frame rate), the second changes Gate again.
        assert app.run_now().status == "ok"
        set_gate_fps(session, 25.0)
        assert app.run_now().status == "ok"
        yield server


@pytest.fixture
def page(live: LiveServer) -> Iterator[Any]:
    with signed_in_page(live.url) as pg:
        yield pg


def shot(page: Any, name: str, full: bool = False) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=full)


def test_revert_shows_its_plan_asks_then_links_its_report_and_resume_lifts_the_pause(page: Any,
                                                                                     live: LiveServer) -> None:
    from playwright.sync_api import expect

    session = live.session  # type: ignore[attr-defined]
    page.goto(live.url + "/history/2")
    journal = page.locator("#journal")
    expect(journal).to_contain_text("Journal (1 write)")
    expect(journal.locator("tbody tr")).to_have_count(1)
    row = journal.locator("tbody tr").first
    expect(row).to_contain_text("done")
    expect(row).to_contain_text("RecordingFramerate = 12.0")  # before
    expect(row).to_contain_text("RecordingFramerate = 25.0")  # after
    shot(page, "revert-01-report-with-journal")

    page.click("#revert")
    expect(page).to_have_url(re.compile(r"/history/2/revert$"))
    plan = page.locator("#revert-plan")
    expect(plan).to_contain_text("1 action (dry run, nothing changed yet)")
    expect(plan).to_contain_text("restore recording settings of camera 'Gate'")
    expect(page.locator("#confirm-revert")).to_be_visible()
    shot(page, "revert-02-plan")
    assert target_fps(session) == 25.0, "the plan is a dry run"
    page.set_viewport_size({"width": 800, "height": 800})
    shot(page, "revert-02-plan-800px")
    expect(page.locator("#confirm-revert")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})

    page.click("#confirm-revert")
    expect(page).to_have_url(re.compile(r"/history/3$"))
    expect(page.locator("#flash")).to_contain_text("Reverting cycle 2")
    expect(page.locator("h1")).to_contain_text("Cycle #3")
    expect(page.locator("h1 .outcome")).to_have_text("ok")  # the running report refreshes itself until it ends
    expect(page.locator("#journal tbody tr").first).to_contain_text("RecordingFramerate = 12.0")
    assert target_fps(session) == 12.0

    page.set_viewport_size({"width": 800, "height": 800})
    page.locator("#journal").scroll_into_view_if_needed()
    shot(page, "revert-03-result-journal-800px")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")
    paused = page.locator("#paused")
    expect(paused).to_be_visible()
    expect(paused).to_contain_text("Scheduling is paused")
    expect(paused).to_contain_text("a revert")
    expect(paused).to_contain_text("cycle 2 was reverted")
    expect(page.locator("#status-text")).to_contain_text("scheduling paused since")
    shot(page, "revert-03-result-paused")

    page.click("#resume")
    expect(page.locator("#flash")).to_contain_text("Scheduling resumed")
    expect(page.locator("#paused")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/history/3$"))  # back where the button was
    assert live.app_service.store().schedule().paused_reason == ""
    shot(page, "revert-04-resumed")


def test_refusal_names_later_cycles_and_force_reverts_anyway(page: Any, live: LiveServer) -> None:
    from playwright.sync_api import expect

    session = live.session  # type: ignore[attr-defined]
    page.goto(live.url + "/history/1/revert")
    refused = page.locator("#revert-refused")
    expect(refused).to_contain_text("Refused: later cycles changed the same items")
    expect(refused.locator("a[href='/history/2']")).to_have_text("cycle #2")
    expect(refused).to_contain_text("Gate")
    expect(page.locator("#confirm-revert")).to_have_count(0)
    shot(page, "revert-05-refused-later-cycles")

    page.click("#force")
    expect(page.locator("#forced-note")).to_be_visible()
    expect(page.locator("#revert-plan")).to_contain_text("2 actions")
    expect(page.locator("#revert-plan")).to_contain_text("remove hardware 'Axis Dock'")
    shot(page, "revert-06-forced-plan")
    assert target_fps(session) == 25.0

    page.click("#confirm-revert")
    expect(page).to_have_url(re.compile(r"/history/3$"))
    expect(page.locator("h1 .outcome")).to_have_text("ok")
    assert target_fps(session) == 5.0
    assert [h.name for h in session.recorders_by_id["rec-S1"].hardware] == ["Axis Gate"]
    expect(page.locator("#paused")).to_contain_text("cycle 1 was reverted")
    shot(page, "revert-07-forced-result", full=True)
