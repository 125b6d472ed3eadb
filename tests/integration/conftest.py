"""Integration fixtures: the fake SDK built and loaded once per test process, worlds per test.

pythonnet hosts one runtime per process and the SDK's Environment is
process-wide, so the runtime is loaded by one session-scoped fixture and
every test closes the session it opens (the `open_session` factory does).
Tests pick their world through settings.sdk.fake_world, which `connect`
exports as SMARTSYNC_FAKE_WORLD before Environment.Initialize().
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr

REPO = Path(__file__).resolve().parents[2]
SDK = REPO / "build" / "sdk"
PASSWORD = "Test-Pass-7"
HOSTS = {"single-site": ["ms-site"], "federated": ["ms-primary"], "independent": ["ms-primary", "ms-secondary"]}


@pytest.fixture(scope="session")
def sdk_runtime() -> Any:
    """Builds (if stale) and loads the fake SDK and the interop helper, once."""
    subprocess.run(["bash", str(REPO / "dotnet" / "build.sh")], check=True, capture_output=True)
    from bridge.sdk.runtime import load_runtime

    return load_runtime(SimpleNamespace(runtime="mono", folder=SDK))


def make_settings(world: Path, architecture: str = "single-site", password: str = PASSWORD,
                  hosts: list[str] | None = None, user: str = "admin") -> SimpleNamespace:
    """Stand-in for bridge.settings.Settings with only what bridge.sdk reads."""
    return SimpleNamespace(
        sdk=SimpleNamespace(runtime="mono", folder=SDK, fake_world=world),
        architecture=architecture,
        sites=[SimpleNamespace(name=h, uri=f"http://{h}/", user=user, password=SecretStr(password), auth="Basic")
               for h in (hosts or HOSTS[architecture])],
    )


def make_world(folder: Path, architecture: str = "single-site", cameras_per_hardware: int = 2,
               hardware: int = 2, primaries: int = 1, secondaries: int = 1, mirror: bool = True) -> Path:
    from fakes.world import create_world

    create_world(folder, architecture=architecture, primaries=primaries, secondaries=secondaries,
                 hardware_per_recorder=hardware, cameras_per_hardware=cameras_per_hardware, password=PASSWORD,
                 groups=2, roles=1, views=1, mirror=mirror)
    return folder


def load_doc(world: Path, host: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((world / f"{host}.json").read_text())
    return data


def save_doc(world: Path, host: str, data: dict[str, Any]) -> None:
    (world / f"{host}.json").write_text(json.dumps(data, indent=1))


@pytest.fixture
def world(tmp_path: Path) -> Path:
    return make_world(tmp_path / "world")


@pytest.fixture
def two_sites(tmp_path: Path) -> Path:
    """Independent, unmirrored: P1, P2 on ms-primary; S1 on ms-secondary with other hardware."""
    return make_world(tmp_path / "w", "independent", primaries=2, secondaries=1, mirror=False)


@pytest.fixture
def open_session(sdk_runtime: Any) -> Iterator[Callable[..., Any]]:
    """Factory: open_session(settings) -> Session, closed after the test."""
    from bridge.sdk import connect

    opened: list[Any] = []

    def _open(settings: Any) -> Any:
        s = connect(settings)
        opened.append(s)
        return s

    yield _open
    for s in opened:
        s.close()
