"""The kinds registry is the one list of sync switches: settings, docs, example file and writers all follow it."""

from __future__ import annotations

import re
from pathlib import Path

from bridge.kinds.registry import KINDS, SWITCHES, kind_for, switches_markdown
from bridge.settings import SyncSettings

ROOT = Path(__file__).resolve().parents[2]


def test_every_switch_is_a_sync_key_with_its_default() -> None:
    fields = SyncSettings.model_fields
    for s in SWITCHES:
        assert s.key in fields and fields[s.key].default is s.default
    assert set(fields) - {s.key for s in SWITCHES} == {"password_check_hours", "target_edits", "role_names",
                                                       "role_permission_check_hours"}


def test_flipping_a_switch_flips_exactly_its_categories() -> None:
    defaults = {k.name: k.enabled(SyncSettings()) for k in KINDS}
    for s in SWITCHES:
        sync = SyncSettings.model_validate({s.key: not s.default})
        owner = next(k for k in KINDS if s in k.switches)
        assert owner.enabled(sync) ^ defaults[owner.name] == frozenset(s.categories)
        assert all(k.enabled(sync) == defaults[k.name] for k in KINDS if k is not owner)


def test_the_docs_table_is_the_registry() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- sync-switches -->\n(.*?)\n<!-- /sync-switches -->", text, re.S)
    assert found is not None and found.group(1) == switches_markdown()


def test_the_example_file_names_every_switch() -> None:
    text = (ROOT / "smartsync.example.toml").read_text(encoding="utf-8")
    section = text.split("[sync]", 1)[1].split("\n[", 1)[0]
    keys = {line.split("=")[0].strip() for line in section.splitlines() if "=" in line and not line.startswith("#")}
    assert {s.key for s in SWITCHES} <= keys


def test_every_category_belongs_to_one_kind_with_a_writer() -> None:
    seen: set[tuple[str, str]] = set()
    for k in KINDS:
        assert k.writer and k.switches and k.categories
        for ik in k.item_kinds:
            for c in k.categories:
                assert (ik, c) not in seen
                seen.add((ik, c))
                assert kind_for(ik, c) is k
    assert kind_for("microphone", "ptz") is None
