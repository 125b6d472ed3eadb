"""Views through the fake SDK: copied with counterpart cameras, an operator's view survives, zero writes after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_engine_groups import PASSWORD, Site, _cameras

pytestmark = pytest.mark.dotnet


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Site]:
    from bridge.demo import PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    counter = iter(range(100))

    def make(architecture: str, direction: str) -> Site:
        site = Site(tmp_path / f"site{next(counter)}", architecture, direction)
        site.config["sync"] = {"views": True}
        return site

    return make


def views(site: Site, host: str) -> dict[str, list[str]]:
    """View path -> the camera ids its items show ("" for an empty item)."""
    out: dict[str, list[str]] = {}

    def walk(groups: list[dict[str, Any]], prefix: str) -> None:
        for g in groups:
            path = f"{prefix}/{g['Name']}"
            for v in g.get("Views", []):
                out[f"{path}/{v['Name']}"] = [_camera_of(i["ViewItemDefinitionXml"]) for i in v["ViewItems"]]
            walk(g.get("ViewGroups", []), path)

    walk(wt.docs(site.world)[host]["ViewGroups"], "")
    return out


def view_groups(site: Site, host: str) -> set[str]:
    out: set[str] = set()

    def walk(groups: list[dict[str, Any]], prefix: str) -> None:
        for g in groups:
            out.add(f"{prefix}/{g['Name']}")
            walk(g.get("ViewGroups", []), f"{prefix}/{g['Name']}")

    walk(wt.docs(site.world)[host]["ViewGroups"], "")
    return out


def _camera_of(xml: str) -> str:
    marker = 'cameraid="'
    return xml[xml.index(marker) + len(marker):xml.index('"', xml.index(marker) + len(marker))] if marker in xml else ""


def _view_actions(report: Any) -> list[Any]:
    return [a for a in report.plan.actions if a.target.item_kind == "view"]


@pytest.mark.parametrize(("architecture", "direction"),
                         [("federated", "backup"), ("independent", "backup"), ("independent", "restore")])
def test_views_are_copied_with_counterparts_and_an_operators_view_survives(make_site, architecture, direction):
    site = make_site(architecture, direction)
    first = site.cycle()
    assert first.status == "ok", first.failures
    assert _view_actions(first) == []  # the world's views are in step

    source_cams = sorted(_cameras(wt.docs(site.world)[site.source]))
    verbs.add_view(site.world, site.source, "Control Room/Lobby", "Entrances", [source_cams[0], source_cams[1]])
    verbs.add_view(site.world, site.target, "Night shift/Mine", "My view", [site.counterpart(source_cams[0])])
    report = site.cycle()
    assert report.status == "ok", report.failures
    copied = views(site, site.target)["/Control Room/Lobby/Entrances"]
    assert copied == [site.counterpart(source_cams[0]), site.counterpart(source_cams[1]), "", ""], report.skips
    assert ("/Control Room/Lobby", site.target) in {(i, h) for h, i in site.store().created("view_group")}

    again = site.cycle()
    assert again.status == "ok" and _view_actions(again) == [] and again.writes == 0
    assert "/Night shift/Mine/My view" in views(site, site.target)


def test_a_view_deleted_on_the_source_goes_only_where_smartsync_made_it(make_site):
    site = make_site("independent", "backup")
    source_cams = sorted(_cameras(wt.docs(site.world)[site.source]))
    verbs.add_view(site.world, site.source, "Control Room/Lobby", "Entrances", [source_cams[0]])
    assert site.cycle().status == "ok"
    assert "/Control Room/Lobby/Entrances" in views(site, site.target)

    def drop(data: dict[str, Any]) -> None:
        for top in data["ViewGroups"]:
            for sub in top["ViewGroups"]:
                sub["Views"] = [v for v in sub["Views"] if v["Name"] != "Entrances"]
                if sub["Name"] == "Overview 1":
                    sub["Views"] = []  # the world's own views: on the target they were not made by SmartSync

    site.edit(site.source, drop)
    before = views(site, site.target)
    report = site.cycle()
    assert report.status == "ok", report.failures
    after = views(site, site.target)
    assert "/Control Room/Lobby/Entrances" not in after
    assert {p for p in before if "Overview 1" in p} <= set(after)
    # The view group SmartSync made for it went after it; the world's own groups stay.
    assert "/Control Room/Lobby" not in view_groups(site, site.target)
    assert {"/Control Room", "/Control Room/Overview 1"} <= view_groups(site, site.target)
    assert [a.target.name for a in report.plan.actions if a.target.item_kind == "view_group"] == [
        "/Control Room/Lobby"]
    assert "/Control Room/Lobby" not in {i for _, i in site.store().created("view_group")}
    again = site.cycle()
    assert again.status == "ok" and again.writes == 0


def test_an_item_whose_camera_has_no_counterpart_is_left_empty_and_reported(make_site):
    site = make_site("independent", "backup")
    assert site.cycle().status == "ok"
    lone_recorder = next(r["Name"] for r in wt.docs(site.world)[site.source]["RecordingServers"])
    site.config["links"] = [link for link in site.config["links"] if link["primary"] != lone_recorder]
    site.config["storage_links"] = [x for x in site.config["storage_links"] if x["primary"] != lone_recorder]
    site.config["labels"]["primary"] = [n for n in site.config["labels"]["primary"] if n != lone_recorder]
    lone = wt.cameras_on(site.world, lone_recorder)[0]
    paired = next(c for c in sorted(_cameras(wt.docs(site.world)[site.source]))
                  if c not in {x["Id"] for x in wt.cameras_on(site.world, lone_recorder)})
    verbs.add_view(site.world, site.source, "Control Room/Lobby", "Mixed", [paired, lone["Id"]])
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert views(site, site.target)["/Control Room/Lobby/Mixed"] == [site.counterpart(paired), "", "", ""]
    assert any("Mixed" in s["reason"] and "left empty" in s["reason"] and lone["Name"] in s["reason"]
               for s in report.skips), report.skips


def test_single_site_the_mirror_tree_shows_only_secondary_cameras_and_follows_the_source(make_site):
    site = make_site("single-site", "backup")
    doc = wt.docs(site.world)[site.source]
    secondary = {c["Id"] for r in doc["RecordingServers"] if r["Name"] in site.config["labels"]["secondary"]
                 for h in r["Hardwares"] for c in h["Cameras"]}
    primary = sorted(c["Id"] for r in doc["RecordingServers"] if r["Name"] in site.config["labels"]["primary"]
                     for h in r["Hardwares"] for c in h["Cameras"])
    verbs.add_view(site.world, site.source, "Control Room/Lobby", "Mixed", [primary[0], sorted(secondary)[0]])
    first = site.cycle()
    assert first.status == "ok", first.failures
    mirror = {p: cams for p, cams in views(site, site.source).items() if p.startswith("/SmartSync secondary views/")}
    assert mirror["/SmartSync secondary views/Control Room/Lobby/Mixed"][:2] == [site.counterpart(primary[0]),
                                                                                sorted(secondary)[0]]
    assert {c for cams in mirror.values() for c in cams if c} <= secondary
    verbs.add_view(site.world, site.source, "SmartSync secondary views/Mine", "My view", [sorted(secondary)[1]])
    assert site.cycle().writes == 0

    def drop(data: dict[str, Any]) -> None:
        lobby = next(g for g in next(t for t in data["ViewGroups"] if t["Name"] == "Control Room")["ViewGroups"]
                     if g["Name"] == "Lobby")
        lobby["Views"] = []

    site.edit(site.source, drop)
    report = site.cycle()
    assert report.status == "ok", report.failures
    after = views(site, site.source)
    assert "/SmartSync secondary views/Control Room/Lobby/Mixed" not in after
    assert "/SmartSync secondary views/Control Room/Lobby" not in view_groups(site, site.source)
    assert "/Control Room/Lobby" in view_groups(site, site.source)  # the source's own, emptied but kept
    assert after["/SmartSync secondary views/Mine/My view"] == [sorted(secondary)[1]]
    again = site.cycle()
    assert again.status == "ok" and again.writes == 0


def _world_view(data: dict[str, Any]) -> dict[str, Any]:
    """The world's own first view (made on both sides by the world, so not by SmartSync)."""
    return next(v for top in data["ViewGroups"] for sub in top["ViewGroups"] for v in sub["Views"])


@pytest.mark.parametrize("architecture", ["federated", "independent"])
def test_an_operators_view_at_a_source_views_path_is_never_changed_until_handed_over(make_site, architecture):
    site = make_site(architecture, "backup")
    assert site.cycle().status == "ok"
    path = next(p for p in views(site, site.target) if "Overview 1" in p)
    before = _world_view(wt.docs(site.world)[site.target])

    def retitle(data: dict[str, Any]) -> None:
        _world_view(data)["Description"] = "changed on the source"
        items = _world_view(data)["ViewItems"]
        items[0]["ViewItemDefinitionXml"], items[1]["ViewItemDefinitionXml"] = (
            items[1]["ViewItemDefinitionXml"], items[0]["ViewItemDefinitionXml"])

    site.edit(site.source, retitle)
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert _view_actions(report) == [] and report.writes == 0
    assert _world_view(wt.docs(site.world)[site.target]) == before
    assert [s["reason"] for s in report.skips if path.rpartition("/")[2] in s["reason"]] == [
        f"view '{path}': the target view at that path differs from it (description, items), but SmartSync did "
        f"not make it: left alone (delete or rename it on the target to let SmartSync make its own copy there)"]

    # The operator hands it over by deleting it: SmartSync makes its own copy, and from then on keeps it in step.
    site.edit(site.target, lambda data: next(sub for top in data["ViewGroups"] for sub in top["ViewGroups"]
                                             if sub["Views"])["Views"].pop(0))
    handed = site.cycle()
    assert handed.status == "ok", handed.failures
    assert [a.kind.value for a in _view_actions(handed)] == ["add"]
    assert _world_view(wt.docs(site.world)[site.target])["Description"] == "changed on the source"
    site.edit(site.source, lambda data: _world_view(data).update(Description="and again"))
    again = site.cycle()
    assert [a.kind.value for a in _view_actions(again)] == ["update"]
    assert _world_view(wt.docs(site.world)[site.target])["Description"] == "and again"
    assert site.cycle().writes == 0
