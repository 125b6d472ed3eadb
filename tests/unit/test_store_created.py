"""The store remembers what SmartSync made on a target, per kind and site, across restarts."""

from __future__ import annotations

from pathlib import Path

from bridge.store import Store


def test_created_items_are_remembered_once_per_kind_and_site(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.remember_created("device_group", "MS-DR", ["/A", "/A/B"])
    store.remember_created("device_group", "ms-dr", ["/A"])
    store.remember_created("view", "ms-dr", ["v1"])
    again = Store(tmp_path / "s.db")
    assert again.created("device_group") == {("ms-dr", "/A"), ("ms-dr", "/A/B")}
    assert again.created("view") == {("ms-dr", "v1")}
    assert again.created("role") == set()


def test_replacing_keeps_other_kinds_and_sites_and_forgetting_removes_only_what_is_named(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.remember_created("device_group", "ms-dr", ["/A", "/B"])
    store.remember_created("device_group", "ms-main", ["/A"])
    store.remember_created("device_group_member", "ms-dr", ["cam1/A"])
    store.replace_created("device_group", "MS-DR", ["/B", "/C"])
    assert store.created("device_group") == {("ms-dr", "/B"), ("ms-dr", "/C"), ("ms-main", "/A")}
    assert store.created("device_group_member") == {("ms-dr", "cam1/A")}
    store.forget_created("device_group", "ms-dr", ["/C", "/never"])
    assert Store(tmp_path / "s.db").created("device_group") == {("ms-dr", "/B"), ("ms-main", "/A")}
    store.replace_created("device_group_member", "ms-dr", [])
    assert store.created("device_group_member") == set()
