"""Web fixtures: an app over a real AppService on a temporary configuration, with a fake cycle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from bridge import logs
from bridge.app import AppService
from bridge.scheduler import ManualClock
from bridge.web import create_app
from tests.web.fakeworld import TOKEN, FakeCycles, make_app_service

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def cycles() -> FakeCycles:
    return FakeCycles()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))  # 10:00 in Copenhagen


@pytest.fixture
def app_service(tmp_path: Path, cycles: FakeCycles, clock: ManualClock) -> Iterator[AppService]:
    yield make_app_service(tmp_path, cycles, clock=clock, tz=CPH)
    cycles.hold.set()
    logs.setup_logging(None)


@pytest.fixture
def client(app_service: AppService) -> Iterator[TestClient]:
    with TestClient(create_app(app_service, token=TOKEN), base_url="http://127.0.0.1") as c:
        c.headers["Authorization"] = f"Bearer {TOKEN}"
        yield c
