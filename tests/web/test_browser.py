"""The seed's scheduling flow, walked in Debian's Chromium through Playwright, on a real server and scheduler.

Only the cycle is a fake (tests.web.fakeworld). Screenshots of the key states go to test-artefacts/browser/
(git-ignored) so a person can look at them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.fakeworld import TOKEN, FakeCycles
from tests.web.liveserver import LiveServer

CHROMIUM = os.environ.get("SMARTSYNC_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "browser"

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make setup installs it)"),
]


@contextmanager
def signed_in_page(url: str) -> Iterator[Any]:
    """Debian's Chromium, headless, signed in to the page at `url` with the test token."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            pg = browser.new_page(viewport={"width": 1280, "height": 800})
            pg.set_default_timeout(15_000)
            pg.goto(url + "/")
            pg.fill("#token", TOKEN)
            pg.click("button[type=submit]")
            pg.wait_for_selector("#config-form")
            yield pg
        finally:
            browser.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(tmp_path, FakeCycles()) as server:
        yield server


@pytest.fixture
def page(live: LiveServer) -> Iterator[object]:
    with signed_in_page(live.url) as pg:
        yield pg


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"))  # type: ignore[attr-defined]


def status_text(page: object) -> str:
    return str(page.locator("#status-text").inner_text())  # type: ignore[attr-defined]


def test_the_scheduling_flow(page: object, live: LiveServer) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    store = live.app_service.store()
    config = live.app_service.config_path()
    original = config.read_text()
    shot(page, "01-home")
    expect(page.locator("#status-text")).to_have_text("scheduling off")
    assert not page.locator("#scheduling-switch").is_checked()

    # Switch on -> Schedule Settings; Cancel -> off again, nothing saved.
    page.click(".switch")
    expect(page.locator("#schedule-dialog")).to_be_visible()
    page.click("#schedule-cancel")
    expect(page.locator("#schedule-dialog")).to_be_hidden()
    assert not page.locator("#scheduling-switch").is_checked()
    page.reload()
    assert not page.locator("#scheduling-switch").is_checked()
    assert store.schedule().enabled is False and config.read_text() == original

    # Switch on -> 10 minutes -> Help shows the picture -> Confirm.
    page.click(".switch")
    page.fill("#sched-number", "10")
    page.select_option("#sched-unit", "m")
    page.click("#schedule-help")
    picture = page.locator("#help-picture")
    expect(picture).to_be_visible()
    page.wait_for_function("document.getElementById('help-picture').naturalWidth > 0")
    svg = page.request.get(live.url + str(picture.get_attribute("src"))).text()
    assert "Processing started" in svg and "Processing ended" in svg and "idle for 10m" in svg and "Next start" in svg
    shot(page, "02-schedule-settings-help")
    page.click("#schedule-confirm")
    expect(page.locator("#schedule-dialog")).to_be_hidden()
    assert page.locator("#scheduling-switch").is_checked()
    assert store.schedule().enabled is False  # confirmed in the dialog, not saved yet

    # Save -> Start Now -> processing (with progress), then idle until end + 10 minutes.
    live.cycles.hold.clear()
    page.click("#save")
    expect(page.locator("#start-dialog")).to_be_visible()
    expect(page.locator("#start-dialog")).to_contain_text(live.app_service.zone())
    shot(page, "03-start-now-or-later")
    page.click("#start-now")
    expect(page.locator("#status-text")).to_contain_text("processing since", timeout=20_000)
    expect(page.locator("#progress-text")).to_contain_text("2 of 3 actions done")
    shot(page, "04-processing")
    live.cycles.hold.set()
    expect(page.locator("#status-text")).to_contain_text("idle until", timeout=20_000)
    last = store.last_finished()
    assert last is not None and last.ended_at is not None
    due = live.app_service.local(last.ended_at + timedelta(minutes=10))
    expect(page.locator("#status-text")).to_have_text(f"idle until {due} (in 10 min)")
    expect(page.locator("#last-cycle")).to_contain_text("failed")
    shot(page, "05-idle-until")

    # Start Later with a past time -> refused with the reason; nothing changes.
    before = store.schedule()
    page.click(".switch")  # off
    page.click(".switch")  # on again -> the dialog
    page.click("#schedule-confirm")
    page.click("#save")
    page.fill("#start-at", "2020-01-01T10:00")
    page.click("#start-later")
    expect(page.locator("#problems")).to_contain_text("is in the past")
    shot(page, "06-start-later-in-the-past")
    assert store.schedule().next_run_at == before.next_run_at

    # Start Later in the future -> idle until that time.
    future = (live.app_service.clock.now() + timedelta(days=1)).astimezone(live.app_service.tz)
    page.click("#save")
    page.fill("#start-at", future.strftime("%Y-%m-%dT%H:%M"))
    page.click("#start-later")
    expect(page.locator("#flash")).to_contain_text("Scheduling on")
    expect(page.locator("#status-text")).to_contain_text(f"idle until {future.strftime('%Y-%m-%d %H:%M')}:00")

    # A lifecycle switch -> Save -> the TOML has the change and keeps its comments.
    page.check("#lifecycle_move")
    page.click("#save")
    expect(page.locator("#flash")).to_contain_text("Configuration saved")
    saved = config.read_text()
    assert "move = true" in saved and saved.count("#") == original.count("#")
    assert "# Auto mode: each primary recorder links to exactly one secondary." in saved

    # An invalid link -> every problem listed, the file unchanged.
    page.fill("#links", "Recorder P1 -> Recorder P2\nRecorder P1 -> Recorder S2\nno arrow here")
    page.click("#save")
    problems = page.locator("#problems li")
    # The two link problems, the unreadable line, and what follows against the recorders (P2 unlinked, the
    # storage link no longer on a link): what `smartsync config check` says of the same file.
    expect(problems).to_have_count(5)
    expect(page.locator("#problems")).to_contain_text("'Recorder P2' is not linked to a secondary recorder")
    expect(page.locator("#problems")).to_contain_text("'Recorder P2' is labelled primary")
    expect(page.locator("#problems")).to_contain_text("already linked")
    expect(page.locator("#problems")).to_contain_text("line 3")
    shot(page, "07-invalid-link")
    assert config.read_text() == saved

    # History shows the cycles; a report opens.
    page.click("nav >> text=History")
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    expect(page.locator("svg.timeline rect")).to_have_count(1)
    shot(page, "08-history")
    page.click("#history-table tbody tr >> nth=0 >> a")
    expect(page.locator("#applied")).to_contain_text("Door")
    expect(page.locator("#applied")).to_contain_text("Gate")
    expect(page.locator("#failures")).to_contain_text("Stream FPS 15 is not supported by the device")
    expect(page.locator("#skips")).to_contain_text("ambiguous")
    shot(page, "09-report")

    # The plan preview, grouped by recorder and category.
    page.click("nav >> text=Plan preview")
    expect(page.locator("main")).to_contain_text("Recorder S1")
    expect(page.locator("main")).to_contain_text("once added, its devices get the source's settings")
    shot(page, "10-plan-preview")

    # Still usable at 800 px wide.
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(live.url + "/")
    shot(page, "11-home-800px")
    expect(page.locator("#save")).to_be_visible()
    expect(page.locator(".switch")).to_be_visible()
    page.click(".switch")  # off (the page shows the saved state: on)
    page.click(".switch")
    page.click("#schedule-help")
    expect(page.locator("#schedule-confirm")).to_be_in_viewport()
    shot(page, "11b-schedule-settings-800px")
    page.click("#schedule-cancel")


def test_run_now_refused_while_a_cycle_runs_and_log_clear(page: object, live: LiveServer) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    live.cycles.hold.clear()
    page.click("#run-now")
    expect(page.locator("#status-text")).to_contain_text("processing since", timeout=20_000)
    page.click("#run-now")
    expect(page.locator("#run-message")).to_contain_text("Run now refused: a cycle has been running since")
    shot(page, "12-run-now-refused")
    live.cycles.hold.set()
    expect(page.locator("#status-text")).to_have_text("scheduling off", timeout=20_000)

    page.click("nav >> text=Log")
    page.click("#clear-log")
    expect(page.locator("#clear-dialog")).to_be_visible()
    page.click("#clear-cancel")
    expect(page.locator("#clear-dialog")).to_be_hidden()
    shot(page, "13-log")
    page.click("#clear-log")
    expect(page.locator("#clear-dialog")).to_be_visible()
    page.click("#clear-confirm")
    expect(page.locator("#flash")).to_contain_text("Log cleared")


def teardown_module() -> None:
    # Keep only this run's pictures.
    if not any(ARTEFACTS.glob("*.png")) and ARTEFACTS.exists():
        shutil.rmtree(ARTEFACTS, ignore_errors=True)


def test_api_documentation_renders_offline(page: object, live: LiveServer) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(live.url + "/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("SmartSync bridge")
    expect(page.locator(".swagger-ui")).to_contain_text("/api/status")
    shot(page, "14-api-docs")
