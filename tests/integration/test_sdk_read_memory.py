"""A bulk read lets go of the SDK objects it dumped, so both sides' objects are never alive together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.model import Side
from tests.integration.conftest import make_settings

pytestmark = pytest.mark.dotnet


def test_after_a_read_the_sdk_no_longer_holds_the_recorders_hardware(world: Path,
                                                                     open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    recorders = session.recorders()
    snap = session.read([r.id for r in recorders], Side.PRIMARY)
    assert sum(len(r.hardware) for r in snap.recorders) > 0
    net = session._net
    site = next(iter(session._sites.values()))
    for rec in snap.recorders:
        rs = net.RecordingServer(site.server_id, f"RecordingServer[{rec.id}]")
        before = session.round_trips()
        hardware = list(rs.HardwareFolder.Hardwares)
        # The SDK's process-wide hardware list (and every object below it) was dropped after the dump, so
        # listing it again asks the server: one round trip, instead of the objects kept alive from the read.
        assert session.round_trips() - before == 1
        assert {str(h.Id) for h in hardware} == {h.id for h in rec.hardware}


@pytest.mark.parametrize("release", [False, True])
def test_a_releasing_read_lets_go_of_each_hardwares_devices_once_written(world: Path,
                                                                        open_session: Callable[..., Any],
                                                                        release: bool) -> None:
    from bridge.sdk.session import RECORDER_ITEM_TYPES

    session = open_session(make_settings(world))
    net = session._net
    site = next(iter(session._sites.values()))
    rs = next(iter(net.ManagementServer(site.server_id).RecordingServerFolder.RecordingServers))
    rs.FillChildren(net.strings(list(RECORDER_ITEM_TYPES)))
    hardware = list(rs.HardwareFolder.Hardwares)  # the SDK's shared list: the objects the read walks
    text = str(net.Reader.ReadRecorder(rs, True, release))
    assert all(str(h.Id) in text for h in hardware)
    before = session.round_trips()
    cameras = [c for h in hardware for c in h.CameraFolder.Cameras]
    assert cameras
    # Released, each hardware's device lists were dropped after it was written: listing them asks the server
    # again. Kept, they are still loaded (FillChildren covered them), at no round trip.
    assert session.round_trips() - before == (len(hardware) if release else 0)
