"""The VMS version and licence gates: parsing versions, what each release allows, the texts users see."""

from __future__ import annotations

import pytest

from bridge.sdk import gates
from bridge.sdk.gates import Gate, VersionError, VmsVersion, allows, gate_named, limits, parse_version, reason


@pytest.mark.parametrize(("text", "expected"), [
    ("24.2", VmsVersion(24, 2)),
    ("23.1.0.1234", VmsVersion(23, 1, 0, 1234)),
    (" 20.2.5 ", VmsVersion(20, 2, 5)),
    ("2023 R1", VmsVersion(23, 1)),
    ("XProtect 2019 R3", VmsVersion(13, 3)),
])
def test_parse_version_reads_numbers_and_release_names(text: str, expected: VmsVersion) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["", "latest", "24", "R2 2023", "1999 R1"])
def test_parse_version_refuses_what_is_not_a_version(text: str) -> None:
    with pytest.raises(VersionError, match="not an XProtect version"):
        parse_version(text)


def test_versions_compare_numerically_not_as_text() -> None:
    assert parse_version("23.10") > parse_version("23.2")
    assert parse_version("23.2.0.1") > parse_version("23.2")
    assert sorted([parse_version("24.1"), parse_version("13.3"), parse_version("20.2")]) == [
        VmsVersion(13, 3), VmsVersion(20, 2), VmsVersion(24, 1)]


@pytest.mark.parametrize(("text", "release"), [("23.1.0.1234", "2023 R1"), ("13.2", "2019 R2"),
                                               ("12.1", "2018 R1"), ("9.3", "9.3")])
def test_release_names(text: str, release: str) -> None:
    assert parse_version(text).release == release


@pytest.mark.parametrize(("gate", "last_without", "first_with"), [
    (Gate.FILL_CHILDREN, "20.1", "20.2"),
    (Gate.REPLACE_HARDWARE, "22.3", "23.1"),
    (Gate.CHANGE_PASSWORD_ON_DEVICE, "23.1", "23.2"),
    (Gate.MULTISTREAM_RECORDING, "23.1", "23.2.0.77"),
])
def test_each_version_gate_opens_at_its_release(gate: Gate, last_without: str, first_with: str) -> None:
    assert not allows(last_without, gate)
    assert allows(first_with, gate)
    assert allows("25.2", gate)


def test_licence_gates_close_only_when_the_licence_is_known_missing() -> None:
    assert allows("24.2", Gate.PRIVACY_MASK)  # unknown licences: the attempt is allowed, the VMS answers
    assert not allows("24.2", Gate.PRIVACY_MASK, licences=set())
    assert allows("24.2", Gate.PRIVACY_MASK, licences={"Privacy Masking"})
    assert not allows("24.2", Gate.MULTISTREAM_RECORDING, licences={"privacy masking"})
    assert not allows("22.1", Gate.MULTISTREAM_RECORDING, licences={"multistream recording"})


def test_reason_names_the_release_needed_and_the_servers_own() -> None:
    assert reason(Gate.REPLACE_HARDWARE, "22.3.0.1") == (
        "replace hardware needs XProtect 2023 R1 or later; this management server is 2022 R3")
    assert reason(Gate.MULTISTREAM_RECORDING, "21.1", licences=()) == (
        "recording to a chosen track and default playback (RecordTo/DefaultPlayback) needs XProtect 2023 R2 "
        "or later and the multistream recording licence; this management server is 2021 R1")
    assert "available" in reason(Gate.REPLACE_HARDWARE, "24.1")


def test_limits_lists_what_an_old_vms_lacks() -> None:
    assert limits("19.2") == [Gate.FILL_CHILDREN, Gate.REPLACE_HARDWARE, Gate.CHANGE_PASSWORD_ON_DEVICE,
                              Gate.MULTISTREAM_RECORDING]
    assert limits("23.1") == [Gate.CHANGE_PASSWORD_ON_DEVICE, Gate.MULTISTREAM_RECORDING]
    assert limits("25.2") == []
    assert limits("25.2", licences=()) == [Gate.MULTISTREAM_RECORDING, Gate.PRIVACY_MASK]


def test_unlicensed_answer_is_recognised_and_quoted() -> None:
    text = "VMS64001: The feature is not licensed"
    assert gates.is_unlicensed(text)
    assert not gates.is_unlicensed("VMS64002: something else")
    note = gates.unlicensed_reason(Gate.PRIVACY_MASK, "24.2", text)
    assert "privacy masking licence" in note and "2024 R2" in note and text in note


def test_gate_named_accepts_keys_and_names_the_known_ones() -> None:
    assert gate_named("Replace_Hardware") is Gate.REPLACE_HARDWARE
    with pytest.raises(ValueError, match="fill_children"):
        gate_named("teleport")


def test_fill_types_keep_only_accepted_types_and_drop_privacy_when_unlicensed() -> None:
    asked = ["Hardware", "Camera", "PrivacyProtection", "Teleporter", "PtzPreset"]
    assert gates.fill_types(asked) == ["Hardware", "Camera", "PrivacyProtection", "PtzPreset"]
    assert gates.fill_types(asked, privacy=False) == ["Hardware", "Camera", "PtzPreset"]


def test_the_bridge_asks_fill_children_only_for_accepted_types() -> None:
    from bridge.sdk.session import RECORDER_ITEM_TYPES

    assert set(RECORDER_ITEM_TYPES) <= gates.FILL_CHILDREN_TYPES


def test_single_stream_usage_keeps_whether_a_usage_records_not_its_track() -> None:
    usage = {"Name": "Video stream 2", "LiveMode": "Never", "RecordTo": "16ce3aa1", "DefaultPlayback": True}
    assert gates.single_stream_usage(usage) == {"Name": "Video stream 2", "LiveMode": "Never", "Record": True}
    assert gates.single_stream_usage({"Name": "s", "RecordTo": ""}) == {"Name": "s", "Record": False}
    assert gates.single_stream_usage({"Name": "s", "Record": True}) == {"Name": "s", "Record": True}
