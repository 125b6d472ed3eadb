"""The page's blocks written back into a TOML file: only what changed, comments and layout kept."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomlkit

from bridge.configdoc import apply_blocks, parse, read_blocks, version_of

EXAMPLE = (Path(__file__).resolve().parents[2] / "smartsync.example.toml").read_text()


def _edit(blocks: dict) -> str:  # type: ignore[type-arg]
    return tomlkit.dumps(apply_blocks(parse(EXAMPLE), blocks))


def test_unchanged_blocks_change_nothing() -> None:
    assert _edit(read_blocks(parse(EXAMPLE))) == EXAMPLE


def test_one_switch_changes_one_line() -> None:
    out = _edit({"lifecycle": {"add": True, "move": True, "replace": False, "delete": True}})
    changed = [(a, b) for a, b in zip(EXAMPLE.splitlines(), out.splitlines(), strict=True) if a != b]
    assert changed == [("move = false", "move = true")]


def test_storage_links_and_manual_mode() -> None:
    blocks = read_blocks(parse(EXAMPLE))
    blocks["mode"] = "manual"
    blocks["links"] = []
    blocks["camera_map"] = {"Front door": ["Recorder S1", "Recorder S2"]}
    blocks["storage_links"] = [{"primary": "Recorder P1", "secondary": "Recorder S1",
                                "map": {"30-Day Local": "90-Day DR", "7-Day": "30-Day DR"}}]
    out = _edit(blocks)
    data = tomllib.loads(out)
    assert data["mode"] == "manual" and "links" not in data
    assert data["camera_map"] == {"Front door": ["Recorder S1", "Recorder S2"]}
    assert data["storage_links"][0]["map"] == {"30-Day Local": "90-Day DR", "7-Day": "30-Day DR"}
    assert "# Which secondary storage a camera records to, per linked pair; unmapped" in out
    assert "mode = \"manual\"                  # auto (recorder links) | manual (camera map)" in out


def test_selection_by_lists_drops_all() -> None:
    blocks = read_blocks(parse(EXAMPLE))
    blocks["selection"] = {"devices": None, "names": ["Gate"], "ids": [], "groups": ["/Parking"]}
    data = tomllib.loads(_edit(blocks))
    assert data["selection"] == {"names": ["Gate"], "groups": ["/Parking"]}


def test_a_default_not_in_the_file_stays_out() -> None:
    text = 'architecture = "single-site"\n'
    out = tomlkit.dumps(apply_blocks(parse(text), {"direction": "backup", "lifecycle": {"add": True}}))
    assert "direction" not in out and "add" not in out.split("[lifecycle]")[-1].strip()


def test_version_follows_the_text() -> None:
    assert version_of(EXAMPLE) == version_of(EXAMPLE) != version_of(EXAMPLE + "\n")
