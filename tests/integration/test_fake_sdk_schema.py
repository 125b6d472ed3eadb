"""The fake SDK refuses a world document that is valid JSON but breaks schema/world.schema.json.

What a user sees: the log-in (or the next read) fails with one message naming
the document and the JSON path of each fault, the bridge exits 3 without a
traceback, and nothing is written. Worlds come from `fakes.world.create_world`;
every world it makes must still be served.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import PASSWORD_ENV, demo_config, write_config
from bridge.errors import BridgeError, ConnectError
from fakes.validate import schema_problems
from tests.integration.conftest import HOSTS, PASSWORD, REPO, load_doc, make_settings, make_world, save_doc

pytestmark = pytest.mark.dotnet

HOST = "ms-site"
CAMERA = "$.RecordingServers[0].Hardwares[0].Cameras[1]"


def second_camera(doc: dict[str, Any]) -> dict[str, Any]:
    camera: dict[str, Any] = doc["RecordingServers"][0]["Hardwares"][0]["Cameras"][1]
    return camera


def refused(open_session: Callable[..., Any], world: Path, architecture: str = "single-site") -> str:
    """The message of the failed log-in to a world."""
    with pytest.raises(ConnectError) as caught:
        open_session(make_settings(world, architecture))
    assert caught.value.exit_code == 3
    return caught.value.message


def set_key(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda cam: cam.__setitem__(key, value)


@pytest.mark.parametrize(("change", "path", "fault"), [
    (set_key("RecordingFramerate", "fast"), f"{CAMERA}.RecordingFramerate", 'expected number, found string "fast"'),
    (lambda cam: cam.pop("Name"), f"{CAMERA}.Name", "required, but missing"),
    (set_key("RecordingFramerate", -5), f"{CAMERA}.RecordingFramerate", "-5 is below the minimum 0"),
    (set_key("Id", "camera-one"), f"{CAMERA}.Id", '"camera-one" is not a Guid'),
], ids=["wrong-type", "missing-key", "negative-frame-rate", "id-not-a-guid"])
def test_a_broken_camera_makes_login_fail_naming_the_file_and_the_path(open_session, tmp_path, change, path, fault):
    world = make_world(tmp_path / "world")
    doc = load_doc(world, HOST)
    change(second_camera(doc))
    save_doc(world, HOST, doc)

    message = refused(open_session, world)
    assert str(world / f"{HOST}.json") in message
    assert "breaks the world schema" in message
    assert f"{path}: {fault}" in message
    assert "more problem" not in message  # exactly one fault was made
    assert "python -m fakes" in message


def test_many_faults_list_the_first_five_and_count_the_rest(open_session, tmp_path):
    world = make_world(tmp_path / "world", hardware=2, cameras_per_hardware=2)
    doc = load_doc(world, HOST)
    cameras = [c for r in doc["RecordingServers"] for h in r["Hardwares"] for c in h["Cameras"]]
    assert len(cameras) >= 8
    for cam in cameras[:8]:
        cam["PrebufferSeconds"] = "three"
    save_doc(world, HOST, doc)

    message = refused(open_session, world)
    assert message.count("PrebufferSeconds: expected integer, found string") == 5
    assert "(and 3 more problems: first 5 listed)" in message


def test_a_password_of_the_wrong_type_is_named_but_never_shown(open_session, tmp_path):
    world = make_world(tmp_path / "world")
    doc = load_doc(world, HOST)
    doc["RecordingServers"][0]["Hardwares"][0]["Password"] = 73915824
    save_doc(world, HOST, doc)

    message = refused(open_session, world)
    assert "$.RecordingServers[0].Hardwares[0].Password: expected string, found integer" in message
    assert "73915824" not in message


def test_a_document_broken_by_another_process_is_refused_on_the_next_read_and_nothing_is_written(
        open_session, tmp_path):
    world = make_world(tmp_path / "world")
    session = open_session(make_settings(world))
    assert session.recorders()

    # Another process (an administrator's editor, a script) breaks one camera while the session is open.
    doc_file = world / f"{HOST}.json"
    script = ("import json, sys; p = sys.argv[1]; d = json.load(open(p)); "
              "d['RecordingServers'][0]['Hardwares'][0]['Cameras'][1]['RecordingFramerate'] = 'fast'; "
              "open(p, 'w').write(json.dumps(d, indent=1))")
    subprocess.run([sys.executable, "-c", script, str(doc_file)], check=True, timeout=60)
    broken = doc_file.read_bytes()
    writes_before = session.writes()

    for _ in range(2):  # refused on every read until the file is fixed, not only once
        with pytest.raises(BridgeError) as caught:
            session.recorders()
        assert str(doc_file) in caught.value.message
        assert f'{CAMERA}.RecordingFramerate: expected number, found string "fast"' in caught.value.message

    assert doc_file.read_bytes() == broken
    assert session.writes() == writes_before
    assert sorted(p.name for p in world.iterdir()) == [f"{HOST}.json"]  # no temp file left behind either


@pytest.mark.parametrize("architecture", ["single-site", "federated", "independent"])
@pytest.mark.parametrize("mirror", [True, False])
def test_every_world_the_generator_makes_is_served(open_session, tmp_path, architecture, mirror):
    world = make_world(tmp_path / "world", architecture=architecture, hardware=3, cameras_per_hardware=3,
                       primaries=2, secondaries=2, mirror=mirror)
    session = open_session(make_settings(world, architecture))
    assert len(session.sites) >= len(HOSTS[architecture])
    assert session.recorders()


# Edits that probe each schema rule the fake's checker implements, with what Python's jsonschema says about them:
# the fake must refuse exactly the documents `python -m fakes validate` refuses.
def _edit(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path[:-1]:
            node = node[step]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return apply


def _append(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path:
            node = node[step]
        node.append(copy.deepcopy(value))
    return apply


_DELETE = object()
_GUID = "3c6767d9-97cb-4de9-9968-a66c955de496"
_MIC = {"Id": "0b7e5a43-0000-4000-8000-00000000beef", "Name": "Mic", "ShortName": "", "Description": "",
        "Enabled": True, "Channel": 0, "RecordingEnabled": False}
_CAM = ["RecordingServers", 0, "Hardwares", 0, "Cameras", 0]
_HW = ["RecordingServers", 0, "Hardwares", 0]
PROBES: dict[str, Callable[[dict[str, Any]], None]] = {
    "schema-version-2": _edit(["SchemaVersion"], 2),
    "schema-version-1.0": _edit(["SchemaVersion"], 1.0),
    "upper-case-guid": _edit([*_CAM, "Id"], "3C6767D9-97CB-4DE9-9968-A66C955DE496"),
    "guid-one-char-short": _edit([*_CAM, "Id"], "3c6767d9-97cb-4de9-9968-a66c955de49"),
    "storage-path-of-a-camera": _edit([*_CAM, "RecordingStorage"], "Camera[3c6767d9-97cb-4de9-9968-a66c955de496]"),
    "count-as-whole-float": _edit([*_CAM, "PrebufferSeconds"], 3.0),
    "count-as-fraction": _edit([*_CAM, "PrebufferSeconds"], 2.5),
    "count-negative": _edit([*_CAM, "Channel"], -1),
    "amount-zero": _edit([*_CAM, "RecordingFramerate"], 0),
    "bool-as-string": _edit([*_CAM, "Enabled"], "true"),
    "null-name": _edit([*_CAM, "Name"], None),
    "empty-name": _edit([*_CAM, "Name"], ""),
    "live-mode-not-listed": _edit([*_CAM, "Streams", 0, "LiveMode"], "Sometimes"),
    "gis-point": _edit([*_CAM, "GisPoint"], "POINT (12.5 -3)"),
    "gis-point-bad": _edit([*_CAM, "GisPoint"], "POINT (12.5,3)"),
    "unknown-camera-key-is-allowed": _edit([*_CAM, "Colour"], "red"),
    "settings-value-not-a-string": _edit([*_CAM, "DeviceDriverSettings", "General", "Brightness"], 50),
    "related-not-a-camera-path": _edit([*_CAM, "ClientSettings", "Related"], ["Camera[nope]"]),
    "streams-not-an-array": _edit([*_CAM, "Streams"], {}),
    "address-https": _edit([*_HW, "Address"], "https://10.0.0.9:8443/onvif"),
    "address-ftp": _edit([*_HW, "Address"], "ftp://10.0.0.9/"),
    "driver-path-missing": _edit([*_HW, "HardwareDriverPath"], _DELETE),
    "no-storages": _edit(["RecordingServers", 0, "Storages"], []),
    "host-name-starts-with-dash": _edit(["ManagementServer", "HostName"], "-site"),
    "version-without-minor": _edit(["ManagementServer", "Version"], "24"),
    "version-with-suffix": _edit(["ManagementServer", "Version"], "24.2a"),
    "unknown-fault": _edit(["Faults", "Explode"], "now"),
    "refuse-login-empty": _edit(["Faults", "RefuseLogin"], ""),
    "drop-after-negative": _edit(["Faults", "DropAfterRoundTrips"], -1),
    "top-is-missing-recorders": _edit(["RecordingServers"], _DELETE),
    # A microphone is a Device (allOf) plus its own recording keys.
    "microphone-ok": lambda d: _append([*_HW, "Microphones"], _MIC | {"RecordingStorage": f"Storage[{_GUID}]"})(d),
    "microphone-without-channel": lambda d: _append([*_HW, "Microphones"], {
        k: v for k, v in (_MIC | {"RecordingStorage": f"Storage[{_GUID}]"}).items() if k != "Channel"})(d),
    "microphone-without-storage": _append([*_HW, "Microphones"], _MIC),
    "permission-key-not-a-camera": _edit(["Roles", 1, "DevicePermissions"], {"Cam": {"VIEW_LIVE": "Allow"}}),
    "permission-value-not-listed": _edit(["Roles", 1, "DevicePermissions"],
                                         {f"Camera[{_GUID}]": {"VIEW_LIVE": "Maybe"}}),
    "permission-value-ok": _edit(["Roles", 1, "DevicePermissions"], {f"Camera[{_GUID}]": {"VIEW_LIVE": "Deny"}}),
    "overall-security-flat": _edit(["Roles", 1, "OverallSecurity"], {"Cameras": "Allow"}),
    "sid-bad": _edit(["Roles", 1, "Users", 0, "Sid"], "S-2-5"),
    "nested-group-member-bad": _edit(["CameraGroups", 0, "CameraGroups", 0, "Members"], ["Cam"]),
}


def test_the_fake_refuses_exactly_what_python_jsonschema_refuses(open_session, tmp_path):
    base_world = make_world(tmp_path / "base", hardware=1, cameras_per_hardware=1)
    base = load_doc(base_world, HOST)
    base.setdefault("Faults", {})
    disagreements = []
    for name, probe in PROBES.items():
        world = tmp_path / name
        world.mkdir()
        doc = copy.deepcopy(base)
        probe(doc)
        save_doc(world, HOST, doc)
        python_refuses = bool(schema_problems(HOST, doc))
        try:
            open_session(make_settings(world)).close()
            fake_refuses = False
        except ConnectError as exc:
            assert "breaks the world schema" in exc.message, exc.message
            fake_refuses = True
        if fake_refuses != python_refuses:
            disagreements.append(f"{name}: fake refuses={fake_refuses}, jsonschema refuses={python_refuses}")
    assert not disagreements
    # The probes exercise both outcomes, so agreement is not agreement on "everything passes".
    outcomes = {bool(schema_problems(HOST, _probed(base, p))) for p in PROBES.values()}
    assert outcomes == {True, False}


def _probed(base: dict[str, Any], probe: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    probe(doc)
    return doc


def test_a_schema_keyword_the_checker_does_not_know_stops_the_fake_loudly(tmp_path):
    # The fake's assemblies without a schema beside them, so SMARTSYNC_FAKE_SCHEMA is used; that schema adds a
    # keyword the checker does not implement. Serving unchecked documents would hide the drift: the log-in fails.
    sdk = tmp_path / "sdk"
    sdk.mkdir()
    for dll in (REPO / "build" / "sdk").glob("*.dll"):
        (sdk / dll.name).write_bytes(dll.read_bytes())
    schema = json.loads((REPO / "schema" / "world.schema.json").read_text())
    schema["$defs"]["Name"]["maxLength"] = 200
    (tmp_path / "drifted.schema.json").write_text(json.dumps(schema))
    world = make_world(tmp_path / "world")
    script = (
        "import sys; from types import SimpleNamespace as N; from pydantic import SecretStr\n"
        "from bridge.sdk import connect\n"
        "from bridge.errors import ConnectError\n"
        "site = N(name='ms-site', uri='http://ms-site/', user='admin', password=SecretStr(sys.argv[3]), auth='Basic')\n"
        "settings = N(sdk=N(runtime='mono', folder=sys.argv[1], fake_world=sys.argv[2]), architecture='single-site',"
        " sites=[site])\n"
        "try:\n    connect(settings).close()\nexcept ConnectError as e:\n    print(e.message)\n"
    )
    env = os.environ | {"SMARTSYNC_FAKE_SCHEMA": str(tmp_path / "drifted.schema.json")}
    proc = subprocess.run([sys.executable, "-c", script, str(sdk), str(world), PASSWORD], capture_output=True,
                          text=True, env=env, timeout=180, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert str(tmp_path / "drifted.schema.json") in proc.stdout
    assert '"maxLength"' in proc.stdout and "#/$defs/Name/maxLength" in proc.stdout


def test_plan_on_a_world_with_a_broken_camera_exits_3_naming_the_path_without_a_traceback(tmp_path):
    world = make_world(tmp_path / "world")
    doc = load_doc(world, HOST)
    second_camera(doc)["RecordingFramerate"] = "fast"
    save_doc(world, HOST, doc)
    config = write_config(demo_config(world, tmp_path), tmp_path / "smartsync.toml")

    env = os.environ | {PASSWORD_ENV: PASSWORD, "SMARTSYNC_PASSWORD_SECONDARY": PASSWORD}
    proc = subprocess.run([sys.executable, "-m", "bridge", "-c", str(config), "plan"], capture_output=True, text=True,
                          env=env, timeout=180, cwd=REPO)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 3, out
    assert f"{CAMERA}.RecordingFramerate" in out
    assert str(world / f"{HOST}.json") in out
    assert "Traceback" not in out
    assert PASSWORD not in out


def test_the_build_puts_the_schema_beside_the_fake_assemblies():
    # The fake looks for the schema next to its DLLs; a stale copy would check documents against an old contract.
    built = REPO / "build" / "sdk" / "world.schema.json"
    subprocess.run(["bash", str(REPO / "dotnet" / "build.sh")], check=True, capture_output=True)
    assert json.loads(built.read_text()) == json.loads((REPO / "schema" / "world.schema.json").read_text())


def _schema_patterns() -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.append(node["pattern"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads((REPO / "schema" / "world.schema.json").read_text()))
    return found


def _near_misses(seed: str, rng: random.Random) -> list[str]:
    """The seed and strings one or two edits away from it: where a matcher that is almost right goes wrong."""
    alphabet = "0123456789abcdefABCDEF-[].:/ \n()POINTEMPTYStorageCamraHdwDvS"
    out = [seed, seed + "\n", seed + "\n\n", seed + "x", seed[:-1], "", " " + seed, seed.upper()]
    for _ in range(60):
        s = list(seed)
        for _ in range(rng.randint(1, 2)):
            op, i = rng.randrange(3), rng.randrange(len(s) + 1)
            if op == 0 and i < len(s):
                del s[i]
            elif op == 1:
                s.insert(i, rng.choice(alphabet))
            elif i < len(s):
                s[i] = rng.choice(alphabet)
        out.append("".join(s))
    return out


def test_the_fast_pattern_matcher_agrees_with_regex_and_python_re(sdk_runtime):
    # The fake checks simple patterns (GUIDs, Camera[GUID]) without Regex for speed; it must accept exactly the
    # strings Regex and Python's re (behind `python -m fakes validate`) accept, trailing-newline quirk included.
    import System  # the runtime is loaded by sdk_runtime

    flags = System.Reflection.BindingFlags
    fast_type = System.Type.GetType("FakeMip.SimplePattern, VideoOS.Platform")
    try_compile = fast_type.GetMethod("TryCompile", flags.Static | flags.NonPublic)
    is_match = fast_type.GetMethod("IsMatch", flags.Instance | flags.NonPublic)
    guid = "3c6767d9-97cb-4de9-9968-a66c955de496"
    seeds = [guid, f"Camera[{guid}]", f"Storage[{guid}]", f"HardwareDriver[{guid}]", "ms-site.example.com",
             "24.2", "S-1-5-21-1004336348-1177238915", "POINT (12.5 -3)", "POINT EMPTY", "http://10.0.0.9/", "aab"]
    # Shapes the fast matcher must refuse to take (they need backtracking) or take exactly.
    patterns = [*_schema_patterns(), "^a*b*a$", "^[ab]+b$", "^[0-9]+\\.[0-9]+", "^x[]a]$", "^a{2}[a-z]$",
                "^[\\s]+$", "^[^a]$"]
    rng = random.Random(7)
    taken, disagreements = 0, []
    for pattern in patterns:
        fast = try_compile.Invoke(None, [pattern])
        if fast is None:
            continue
        taken += 1
        regex = System.Text.RegularExpressions.Regex(pattern)
        for seed in seeds:
            for s in _near_misses(seed, rng):
                verdicts = (bool(is_match.Invoke(fast, [s])), bool(regex.IsMatch(s)), re.search(pattern, s) is not None)
                if len(set(verdicts)) != 1:
                    disagreements.append(f"{pattern!r} on {s!r}: fast, Regex, re = {verdicts}")
    assert not disagreements[:10]
    assert taken >= 6  # the GUID-shaped schema patterns do take the fast path
    for needs_backtracking in ("^a*b*a$", "^[ab]+b$"):
        assert try_compile.Invoke(None, [needs_backtracking]) is None, needs_backtracking
