"""Pairings through whole cycles on the fake: a pending delete is never forgotten, another recorder's own
hardware is never adopted (behaviour.md section 3)."""

from __future__ import annotations

import threading

import pytest

from bridge.errors import GuardTripped
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_engine_cycle import Site, first_primary_secondary, make_site  # noqa: F401

pytestmark = pytest.mark.dotnet


def _site_host(site: Site, recorder_name: str) -> str:
    return next(h for h, rec in wt.recorders(site.world) if rec["Name"] == recorder_name)


def test_a_refused_delete_stays_pending_across_cycles_until_it_succeeds(make_site):  # noqa: F811
    site = make_site(hardware=4)
    site.cycle()
    p, s = first_primary_secondary(site)
    gone = wt.hardware_on(site.world, p)[0]
    verbs.delete_hardware(site.world, gone["Id"])
    host = _site_host(site, s)
    verbs.set_fault(site.world, host, "FailTask", "DeleteHardware", "refused")

    refused = site.cycle()
    assert refused.status == "failed" and [f.error for f in refused.failures] == ["refused"]
    refused_again = site.cycle()  # a restart or the next cycle: still pending, still refused
    assert refused_again.planned.get("delete") == 1 and len(refused_again.failures) == 1

    verbs.clear_faults(site.world, host)
    dry = site.cycle(dry_run=True)
    assert dry.planned == {"delete": 1}, dry.planned  # `plan --check` reports the pending delete
    done = site.cycle()
    assert done.applied == {"delete": 1}, (done.applied, done.failures)
    assert wt.hardware_by_address(site.world, s, gone["Address"]) is None
    assert site.cycle().planned == {}


def test_a_stop_before_the_delete_keeps_it_pending(make_site):  # noqa: F811
    site = make_site(hardware=4)
    site.cycle()
    p, s = first_primary_secondary(site)
    gone = wt.hardware_on(site.world, p)[0]
    verbs.delete_hardware(site.world, gone["Id"])
    stop = threading.Event()
    stop.set()  # SIGTERM or Ctrl-C during the read phase: the cycle stops before its first action
    stopped = site.cycle(stop_event=stop)
    assert stopped.status == "interrupted" and stopped.applied == {}
    assert wt.hardware_by_address(site.world, s, gone["Address"]) is not None
    done = site.cycle()
    assert done.applied == {"delete": 1}
    assert wt.hardware_by_address(site.world, s, gone["Address"]) is None


def test_another_recorders_own_hardware_is_never_adopted_moved_or_deleted(make_site):  # noqa: F811
    site = make_site()
    site.config["lifecycle"] = {"move": True}
    site.cycle()
    (p1, s1), (_, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    verbs.add_hardware(site.world, s2, "http://10.95.0.1/", name="Operator's own")
    own = wt.hardware_by_address(site.world, s2, "http://10.95.0.1/")
    verbs.add_hardware(site.world, p1, "http://10.95.0.1/", name="Gate")

    report = site.cycle()
    assert report.status == "ok" and report.applied == {}, (report.applied, report.failures)
    assert wt.hardware_by_address(site.world, s2, "http://10.95.0.1/") == own
    assert wt.hardware_by_address(site.world, s1, "http://10.95.0.1/") is None
    assert [x["reason"] for x in report.skips if "10.95.0.1" in x["reason"]] == [
        f"hardware 'Gate': address 10.95.0.1 is held by hardware 'Operator's own' of '{s2}', which '{p1}' "
        f"does not link to; not added, and that hardware is left alone"]

    gate = wt.hardware_by_address(site.world, p1, "http://10.95.0.1/")
    assert gate is not None
    verbs.delete_hardware(site.world, gate["Id"])
    after = site.cycle()
    assert after.applied == {} and wt.hardware_by_address(site.world, s2, "http://10.95.0.1/") == own


def test_one_delete_on_a_small_site_passes_the_guard_but_an_emptied_recorder_does_not(make_site):  # noqa: F811
    site = make_site(hardware=2)
    site.config.pop("guard")  # the shipped defaults: 10% share, floor of 5 deletions
    site.cycle()
    (p1, s1), (p2, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    one = wt.hardware_on(site.world, p1)[0]
    verbs.delete_hardware(site.world, one["Id"])  # 1 of 4 hardware: 25%, but below the floor
    assert site.cycle().applied == {"delete": 1}

    for hw in wt.hardware_on(site.world, p2):
        verbs.delete_hardware(site.world, hw["Id"])  # P2 reads as empty: 2 deletions, still below the floor
    with pytest.raises(GuardTripped) as caught:
        site.cycle()
    assert f"'{p2}' reads as empty" in caught.value.message
    assert len(wt.hardware_on(site.world, s2)) == 2


def test_the_dry_run_lists_every_action_the_cycle_applies(make_site):  # noqa: F811
    site = make_site()
    site.config["lifecycle"] = {"move": True}
    site.cycle()
    (p1, s1), (p2, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    # New hardware whose two cameras relate to each other, and a move: their settings follow in the same cycle.
    verbs.add_hardware(site.world, p1, "http://10.99.0.1/", cameras=2, name="New entrance")
    verbs.move_hardware(site.world, wt.hardware_on(site.world, p1)[0]["Id"], p2)

    dry = site.cycle(dry_run=True)
    assert dry.plan is not None
    follows = [a for a in dry.plan.actions if a.follows is not None]
    assert follows and {a.follows.kind.value for a in follows} == {"add"}
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert report.applied == dry.planned and report.planned == dry.planned, (report.applied, dry.planned)
    again = site.cycle()
    assert again.planned == {} and again.writes == 0
