"""A logged-in connection to the management server(s) of one installation.

`connect(settings)` loads the runtime, logs in per the architecture and
returns a `Session`: the object the engine calls to list recorders, read a
side in bulk and apply one action. There is no module-level session; the
SDK's own environment is process-wide, so one `Session` should be open per
process at a time (close it before connecting again).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from pydantic import SecretStr

from bridge.errors import BridgeError, ConfigError, ConnectError, SdkLoadError, VmsError
from bridge.model import Action, ActionKind, Recorder, Side, Snapshot
from bridge.sdk import gates, parse, roles
from bridge.sdk.apply import Applier, StopCheck, check_stop
from bridge.sdk.errors import to_connect_error, vms_call, vms_text
from bridge.sdk.gates import Gate
from bridge.sdk.net import Net
from bridge.sdk.parse import item_path
from bridge.sdk.runtime import SdkSettings, load_runtime
from bridge.sdk.share import share_strings
from bridge.sdk.views import read_views

INTEGRATION_ID = uuid.UUID("6b1f1c8e-5f0e-4d0e-9c57-3f1d9b8a2a10")
INTEGRATION_NAME = "SmartSync bridge"
INTEGRATION_VERSION = "0.1.0"
MANUFACTURER = "SmartSync"

# Everything below a recorder that a snapshot holds: FillChildren loads it in one round trip.
RECORDER_ITEM_TYPES = ("Storage", "HardwareDriver", "Hardware", "HardwareDriverSettings", "Camera", "Microphone",
                       "Speaker", "Metadata", "InputEvent", "Output", "Stream", "DeviceDriverSettings",
                       "ClientSettings", "MotionDetection", "PrivacyProtection", "PtzPreset")


class SiteSettings(Protocol):
    """The part of one configured site this module reads."""

    @property
    def uri(self) -> str: ...

    @property
    def user(self) -> str: ...

    @property
    def password(self) -> Any: ...

    @property
    def auth(self) -> str: ...


class Settings(Protocol):
    """The part of `bridge.settings.Settings` this module reads."""

    @property
    def sdk(self) -> Any: ...

    @property
    def architecture(self) -> str: ...

    @property
    def sites(self) -> Any: ...


@dataclass(slots=True)
class SiteInfo:
    """One logged-in management server."""

    host: str
    uri: str
    version: str
    is_child: bool
    name: str = ""


@dataclass(slots=True)
class _Site:
    info: SiteInfo
    server_id: Any
    net_uri: Any
    login: Any = None
    """The site's settings (user, password, auth): raw Configuration API calls log in with them."""
    config_api: Any = None
    """The site's Configuration API channel, once one was needed (bridge.sdk.configapi)."""
    lock: threading.RLock = field(default_factory=threading.RLock)
    cycle: _CycleRead | None = None
    """What this cycle already fetched from the site; dropped by `Session.refresh` and by any write."""


@dataclass(slots=True)
class _CycleRead:
    """One cycle's view of a site, fetched once and shared by both sides' reads (they are often the same site).

    Opening the management server, listing its recorders and reading its device groups each cost a round
    trip; a cycle needs them once, not once per side. A write makes the view stale, so `Session.apply` drops
    it and a read after a write (the re-read of the target after adds) fetches afresh.
    """

    management_server: Any
    recorders: dict[str, Any]
    """Recorder id -> its SDK item, listed by `Session.recorders`."""
    groups: dict[str, set[str]] | None = None


def host_of(uri: str) -> str:
    """The host name a uri points at, lower case (the fake's document name)."""
    parsed = urlparse(uri if "//" in uri else f"http://{uri}")
    return (parsed.hostname or uri).lower()


def connect(settings: Settings) -> Session:
    """Load the SDK and log in to every site of the installation (ConnectError on failure)."""
    session = Session(_start(settings))
    try:
        sites = list(settings.sites)
        expected = 2 if settings.architecture == "independent" else 1
        if len(sites) != expected:
            raise ConnectError(f"The {settings.architecture} architecture needs {expected} site(s) in the settings, "
                               f"found {len(sites)}.", server="", cause="configuration")
        for site in sites:
            session._login(site, is_child=False)
        mismatch = _architecture_mismatch(settings, session)
        if mismatch:
            raise ConfigError(f"architecture = \"{settings.architecture}\" does not match the VMS", [mismatch])
        if settings.architecture == "federated":
            for child_uri in session._child_uris(session.sites[0].host):
                session._login(sites[0], is_child=True, uri=child_uri)
    except BaseException:
        session.close()
        raise
    return session


def _architecture_mismatch(settings: Settings, session: Session) -> str:
    """What the logged-in sites say the VMS is, when that is not the configured architecture ("" when it is).

    Guessed wrong, a cycle logs in to the wrong places or treats one management server as two (roles and
    views copied onto the server they came from): refused before anything is read. Listing a site's child
    sites is the SDK's site tree, already loaded by the log-in.
    """
    arch = settings.architecture
    hosts = list(session._sites)
    children = {host: [host_of(uri) for uri in session._child_uris(host)] for host in hosts}
    if arch == "federated" and not children[hosts[0]]:
        return (f"architecture: \"federated\", but the management server {hosts[0]} has no child sites: it is a "
                f"single site. Set architecture = \"single-site\" (or point sites[0] at the federation's parent)")
    if arch == "single-site" and children[hosts[0]]:
        return (f"architecture: \"single-site\", but the management server {hosts[0]} is the parent of a "
                f"federation (child sites: {', '.join(children[hosts[0]])}). Set architecture = \"federated\" "
                f"so the child sites' recorders are reached")
    if arch == "independent":
        ids = {str(site.server_id.Id) for site in session._sites.values()}
        if len(hosts) < 2 or len(ids) < 2:
            return (f"architecture: \"independent\", but sites[0] and sites[1] are the same management server "
                    f"({hosts[0]}): it is a single site. Set architecture = \"single-site\" and keep one "
                    f"[[sites]]")
        for host in hosts:
            other = [h for h in hosts if h != host][0]
            if other in children[host]:
                return (f"architecture: \"independent\", but {other} is a child site of {host}: they are one "
                        f"federation. Set architecture = \"federated\" and keep only the parent's [[sites]] "
                        f"({host})")
    return ""


def _start(settings: Settings) -> Net:
    """Load the runtime and the SDK, pointed at the fake world when the settings name one; Initialize() it."""
    fake_world = getattr(settings.sdk, "fake_world", None)
    if fake_world and not Path(fake_world).is_dir():
        # Said before the fake is asked: it would answer "management server not found", naming the site's uri.
        raise SdkLoadError(f"sdk.fake_world: {fake_world} is not a folder; point it at a fake world folder, or "
                           f"make one with `python -m fakes create --architecture {settings.architecture} "
                           f"{fake_world}`")
    sdk_settings: SdkSettings = settings.sdk
    load_runtime(sdk_settings)
    if fake_world:
        os.environ["SMARTSYNC_FAKE_WORLD"] = str(fake_world)
    net = Net()
    _initialize(net)
    return net


def _initialize(net: Net) -> None:
    """Environment.Initialize(): when it refuses (a bad SDK setting on this machine, such as the fake's
    SMARTSYNC_FAKE_DELAY_MS) the SDK cannot start, which is exit 3 with the SDK's own words, not a failed cycle."""
    from bridge.sdk.errors import to_vms_error

    try:
        net.Environment.Initialize()
    except Exception as exc:
        raise SdkLoadError(to_vms_error(exc, "Starting the SDK", "this machine").message) from exc


@dataclass(slots=True)
class SiteDetails:
    """What `doctor` shows of a logged-in site beyond the log-in itself."""

    version: str
    unlicensed: dict[Gate, str] = field(default_factory=dict)
    """Licence gates the VMS refused when probed -> its text."""
    probed: bool = False
    """False when the site had no camera to probe the licences with."""


def check_sites(settings: Settings, details: dict[str, SiteDetails] | None = None,
                architecture: list[str] | None = None) -> list[tuple[str, str | None]]:
    """Log in to each site (and federated child) on its own: (server, None if ok else the error message).

    For `doctor`: unlike `connect`, one failing site does not hide the
    others. The runtime must load (SdkLoadError otherwise). `details`, when
    given, receives server -> its VMS version and the licences it lacks
    (probed with one camera's privacy masks: a few round trips). `architecture`, when given and every site
    logged in, receives what `connect` would refuse about the configured architecture ("" when it fits).
    """
    session = Session(_start(settings))
    results: list[tuple[str, str | None]] = []
    try:
        for site in settings.sites:
            host = host_of(site.uri)
            try:
                session._login(site, is_child=False)
            except BridgeError as exc:
                results.append((host, exc.message))
                continue
            results.append((host, None))
            if details is not None:
                session._add_details(details, host, host, results)
            if settings.architecture == "federated":
                try:
                    children = session._child_uris(host)
                except BridgeError as exc:
                    results.append((f"{host} (child sites)", exc.message))
                    continue
                for child in children:
                    try:
                        session._login(site, is_child=True, uri=child)
                        label = f"{host_of(child)} (child of {host})"
                        results.append((label, None))
                        if details is not None:
                            session._add_details(details, label, host_of(child), results)
                    except BridgeError as exc:
                        results.append((f"{host_of(child)} (child of {host})", exc.message))
        tops = {host_of(site.uri) for site in settings.sites}
        if architecture is not None and all(error is None for server, error in results if server in tops):
            try:
                architecture.append(_architecture_mismatch(settings, session))
            except BridgeError as exc:
                architecture.append(exc.message)
    finally:
        session.close()
    return results


class Session:
    """Logged-in SDK session; every method may be called from several threads."""

    def __init__(self, net: Net, task_timeout: float = 600.0) -> None:
        self._net = net
        self._sites: dict[str, _Site] = {}
        self._recorder_site: dict[str, str] = {}
        self._hardware_recorder: dict[str, str] = {}
        """Hardware id -> recorder id, as last read: lets password reads load a recorder's hardware at once."""
        self._map_lock = threading.Lock()
        self._logins: dict[str, SiteSettings] = {}
        self._applier = Applier(net, self._site_for, task_timeout)
        self._closed_gates: dict[tuple[str, Gate], str] = {}
        """(site host, gate) -> note, for gates found closed in this cycle (cleared by `refresh`)."""
        self._notes: list[str] = []

    # -- log-in ---------------------------------------------------------------------------------------------

    @property
    def sites(self) -> list[SiteInfo]:
        return [s.info for s in self._sites.values()]

    def _login(self, site: SiteSettings, is_child: bool, uri: str | None = None) -> None:
        uri = uri or site.uri
        host = host_of(uri)
        password = site.password.get_secret_value() if hasattr(site.password, "get_secret_value") else str(
            site.password)
        env = self._net.Environment
        try:
            net_uri = self._net.Uri(uri)
            cache = self._net.Util.BuildCredentialCache(net_uri, site.user, password, site.auth)
            env.AddServer(False, net_uri, cache)
            env.Login(net_uri, self._net.Guid(str(INTEGRATION_ID)), INTEGRATION_NAME, INTEGRATION_VERSION,
                      MANUFACTURER)
            if not env.IsLoggedIn(net_uri):
                raise ConnectError(f"Log-in to {host} did not complete; check the site's uri and credentials.",
                                   server=host, cause="not logged in")
            server_id = self._server_id(host)
            ms = self._net.ManagementServer(server_id)
            info = SiteInfo(host=host, uri=uri, version=str(ms.Version), is_child=is_child, name=str(ms.Name))
        except Exception as exc:
            hint = site.credentials_hint() if hasattr(site, "credentials_hint") else ""
            raise to_connect_error(exc, host, site.user, (password,), credentials=hint) from None
        self._sites[host] = _Site(info, server_id, net_uri, login=site)
        self._logins[host] = site

    def _server_id(self, host: str) -> Any:
        """The ServerId of a logged-in site: from its log-in settings, else by walking the site tree."""
        settings = self._net.LoginSettingsCache.GetLoginSettings(host)
        mgr = self._net.EnvironmentManager.Instance
        if settings is not None:
            item = mgr.GetSiteItem(settings.Guid)
            if item is not None:
                return item.FQID.ServerId
        # The site tree: every site logged in to, and their federated children below them.
        pending = [mgr.GetSiteItem(mgr.MasterSite)]
        while pending:
            item = pending.pop()
            sid = item.FQID.ServerId
            if str(sid.Uri.Host).lower() == host:
                return sid
            pending.extend(item.GetChildren())
        raise ConnectError(f"Logged in to {host} but the SDK lists no site for it.", server=host, cause="no site item")

    def _child_uris(self, parent_host: str) -> list[str]:
        mgr = self._net.EnvironmentManager.Instance
        parent = self._sites[parent_host]
        with vms_call("Listing federated child sites", parent_host):
            children = mgr.GetSiteItem(parent.server_id.Id).GetChildren()
            return [str(c.FQID.ServerId.Uri) for c in children]

    def refresh(self) -> None:
        """Forget cached recorder locations and log in again to any site that dropped the session."""
        with self._map_lock:
            self._recorder_site.clear()
            self._hardware_recorder.clear()
            # A licence may have been added since: each cycle finds (and notes) closed gates afresh.
            self._closed_gates.clear()
        self._forget_cycle()
        for host, site in list(self._sites.items()):
            if not self._net.Environment.IsLoggedIn(site.net_uri):
                settings = self._logins[host]
                del self._sites[host]
                self._login(settings, site.info.is_child, site.info.uri)

    def _forget_cycle(self) -> None:
        """Drop what this cycle fetched: the next read opens each site afresh."""
        for site in list(self._sites.values()):
            with site.lock:
                site.cycle = None

    def close(self) -> None:
        """Log out and forget the servers; the session cannot be used afterwards."""
        env = self._net.Environment
        for call in (env.Logout, env.RemoveAllServers):
            try:
                call()
            except Exception:  # tear-down of a half-open session: nothing more to do
                pass
        self._sites.clear()
        parse.thaw()  # the cycle's snapshots were frozen while decoding (see parse.gc_paused)

    # -- gates ----------------------------------------------------------------------------------------------

    def _close_gate(self, site: _Site, gate: Gate, note: str) -> None:
        """Remember that `gate` is closed on `site` for this cycle; the note is given once per cycle."""
        with self._map_lock:
            if (site.info.host, gate) not in self._closed_gates:
                self._closed_gates[site.info.host, gate] = note
                self._notes.append(f"{site.info.host}: {note}")

    def _gate_open(self, site: _Site, gate: Gate) -> bool:
        with self._map_lock:
            if (site.info.host, gate) in self._closed_gates:
                return False
        if gates.allows_reported(site.info.version, gate):
            return True
        self._close_gate(site, gate, f"{gates.reason(gate, site.info.version)}; {gate.info.without}")
        return False

    def _limits(self, site: _Site) -> dict[str, str]:
        """What the planner must not ask of this site's recorders, with the reason (see `Recorder.limits`)."""
        limits: dict[str, str] = {}
        if not self._gate_open(site, Gate.PRIVACY_MASK):
            with self._map_lock:
                limits["privacy"] = self._closed_gates.get((site.info.host, Gate.PRIVACY_MASK), "not licensed")
        if not self._gate_open(site, Gate.REPLACE_HARDWARE):
            limits["replace"] = (f"{gates.reason(Gate.REPLACE_HARDWARE, site.info.version)}; "
                                 f"{Gate.REPLACE_HARDWARE.info.without}")
        return limits

    def _fill(self, site: _Site, item: Any, types: Iterable[str]) -> None:
        """FillChildren for the accepted `types` where the VMS has it; otherwise the reader loads lazily."""
        wanted = gates.fill_types(types, privacy=self._gate_open(site, Gate.PRIVACY_MASK))
        if wanted and self._gate_open(site, Gate.FILL_CHILDREN):
            item.FillChildren(self._net.strings(wanted))

    def _read_recorder(self, site: _Site, rs: Any) -> str:
        """One recorder's dump; its SDK objects are let go once it is written (see `_dump_recorder`)."""
        try:
            return self._dump_recorder(site, rs)
        finally:
            # The SDK keeps a recorder's hardware list, and with it every device and setting object below it
            # (about ten per camera), for the whole process. Once dumped they are not needed: dropping the list
            # lets the next recorder's objects take their memory instead of adding to the peak.
            rs.HardwareFolder.ClearChildrenCache()

    def _dump_recorder(self, site: _Site, rs: Any) -> str:
        """One recorder's dump; privacy masks are left out where the VMS says they are not licensed."""
        privacy = self._gate_open(site, Gate.PRIVACY_MASK)
        try:
            self._fill(site, rs, RECORDER_ITEM_TYPES)
            return str(self._net.Reader.ReadRecorder(rs, privacy, True))
        except Exception as exc:
            text = vms_text(exc)
            if not privacy or not gates.is_unlicensed(text):
                raise
            self._close_gate(site, Gate.PRIVACY_MASK, gates.unlicensed_reason(Gate.PRIVACY_MASK, site.info.version,
                                                                              text))
        self._fill(site, rs, RECORDER_ITEM_TYPES)
        return str(self._net.Reader.ReadRecorder(rs, False, True))

    def _add_details(self, details: dict[str, SiteDetails], label: str, host: str,
                     results: list[tuple[str, str | None]]) -> None:
        # A probe that fails is a line of its own: the other sites are still checked.
        try:
            details[label] = self._details(host)
        except BridgeError as exc:
            results.append((f"{label} (version and licences)", exc.message))

    def _details(self, host: str) -> SiteDetails:
        """The site's version, and its licence gates probed on the first camera found (for doctor)."""
        site = self._sites[host]
        out = SiteDetails(version=site.info.version)
        with site.lock, vms_call("Probing the licences", host):
            camera = next((cam for rs in self._management_server(site).RecordingServerFolder.RecordingServers
                           for hw in rs.HardwareFolder.Hardwares for cam in hw.CameraFolder.Cameras), None)
            if camera is None:
                return out
            out.probed = True
            try:
                list(camera.PrivacyProtectionFolder.PrivacyProtections)
            except Exception as exc:
                text = vms_text(exc)
                if not gates.is_unlicensed(text):
                    raise
                out.unlicensed[Gate.PRIVACY_MASK] = text
        return out

    def take_notes(self) -> list[str]:
        """Notes for the cycle report (features this VMS lacks), each once per cycle; then forgotten."""
        with self._map_lock:
            notes, self._notes = self._notes, []
        return notes

    # -- reading --------------------------------------------------------------------------------------------

    def _management_server(self, site: _Site) -> Any:
        # A new ManagementServer object reads fresh: changes made between cycles become visible.
        return self._net.ManagementServer(site.server_id)

    def _cycle_view(self, site: _Site) -> _CycleRead:
        """This cycle's view of the site (call with its lock held): the one `recorders` fetched, else a new one."""
        if site.cycle is None:
            ms = self._management_server(site)
            site.cycle = _CycleRead(ms, {str(rs.Id): rs for rs in ms.RecordingServerFolder.RecordingServers})
        return site.cycle

    def recorders(self) -> list[Recorder]:
        """Every recorder of every site with its storages (no hardware)."""
        out: list[Recorder] = []
        for host, site in list(self._sites.items()):
            with site.lock, vms_call("Listing recording servers", host):
                ms = self._management_server(site)
                self._fill(site, ms.RecordingServerFolder, ["RecordingServer", "Storage"])
                recs = parse.parse_inventory(host, self._net.json(self._net.Reader.ReadInventory(ms)))
                # Kept for this cycle's reads: the same listing, already loaded, costs no further round trip.
                site.cycle = _CycleRead(ms, {str(rs.Id): rs for rs in ms.RecordingServerFolder.RecordingServers})
            with self._map_lock:
                for r in recs:
                    self._recorder_site[r.id] = host
            out.extend(recs)
        return out

    def _site_for(self, recorder_id: str) -> _Site:
        with self._map_lock:
            host = self._recorder_site.get(recorder_id)
        if host is None:
            self.recorders()
            with self._map_lock:
                host = self._recorder_site.get(recorder_id)
        if host is None or host not in self._sites:
            raise VmsError(f"Recording server {recorder_id} is on none of the logged-in sites; it may have been "
                           f"removed. Check the recorder labels in the settings.")
        return self._sites[host]

    def _site_by_host(self, host: str) -> _Site:
        site = self._sites.get(host.lower())
        if site is None:
            raise VmsError(f"Site {host} is not logged in (logged in: {', '.join(self._sites) or 'none'}).")
        return site

    def read(self, recorder_ids: Iterable[str], side: Side, stop: StopCheck | None = None) -> Snapshot:
        """The full in-scope part of the given recorders, plus the device groups of their sites.

        `stop` is asked before each recorder's read: once it says True the read ends with Interrupted (a
        read writes nothing, so stopping between two recorders leaves nothing half-done).
        """
        by_site: dict[str, list[str]] = {}
        for rid in dict.fromkeys(recorder_ids):
            by_site.setdefault(self._site_for(rid).info.host, []).append(rid)
        snap = Snapshot(side=side)
        for host, ids in by_site.items():
            site = self._sites[host]
            with site.lock, vms_call("Reading the configuration", host):
                view = self._cycle_view(site)
                for rid in ids:
                    check_stop(stop, f"reading the {side} side")
                    rs = view.recorders.get(rid)
                    if rs is None:
                        raise VmsError(f"Recording server {rid} no longer exists on {host}.")
                    rec = share_strings(parse.parse_recorder(host, self._net.json(self._read_recorder(site, rs))))
                    rec.limits = self._limits(site)
                    snap.recorders.append(rec)
                    with self._map_lock:
                        self._hardware_recorder.update((hw.id, rec.id) for hw in rec.hardware)
                if view.groups is None:
                    check_stop(stop, f"reading the {side} side")
                    ms = view.management_server
                    self._fill(site, ms.CameraGroupFolder, ["CameraGroup", "Camera"])
                    view.groups = parse.parse_groups(self._net.json(self._net.Reader.ReadGroups(ms)))
                for path, members in view.groups.items():
                    snap.groups.setdefault(path, set()).update(members)
        self._single_stream(snap)
        return snap

    def read_views(self, snapshot: Snapshot) -> None:
        """Fill in the view groups and views of the sites `snapshot`'s recorders belong to (one walk per site)."""
        for host in dict.fromkeys(r.site for r in snapshot.recorders):
            site = self._site_by_host(host)
            with site.lock, vms_call("Reading the views", host):
                groups, found = read_views(self._management_server(site))
            snapshot.view_groups |= groups
            snapshot.views.extend(found)

    def read_roles(self, snapshot: Snapshot, names: Iterable[str]) -> None:
        """Fill in the roles named that the sites of `snapshot` have: info, members and overall security
        (round trips per role, none per camera; see `bridge.sdk.roles`)."""
        wanted = list(names)
        snapshot.roles = []
        for host in dict.fromkeys(r.site for r in snapshot.recorders):
            site = self._site_by_host(host)
            with site.lock, vms_call("Reading the roles", host):
                snapshot.roles.extend(roles.read_roles(self._cycle_view(site).management_server, wanted, host))

    def read_role_acls(self, host: str, role_ids: Iterable[str], camera_ids: Iterable[str],
                       view_groups: bool = False, stop: StopCheck | None = None
                       ) -> dict[str, dict[str, dict[str, str]]]:
        """Role id -> item key -> permissions, for cameras (by id) and, with `view_groups`, every top-level view
        group (`roles.VIEW_GROUP` + path, and the bare prefix as the mark they were read): one round trip per role
        per item (plus two per recorder and one for the view group list)."""
        site = self._site_by_host(host)
        wanted = {c.lower() for c in camera_ids}
        paths = {rid: item_path("Role", rid) for rid in role_ids}
        if not (wanted or view_groups) or not paths:
            return {rid: {} for rid in paths}
        with site.lock, vms_call("Reading role permissions", host):
            view = self._cycle_view(site)
            try:
                items = roles.cameras_by_id(view.recorders.values(), wanted,
                                            lambda rs: self._fill(site, rs, ["Hardware", "Camera"])) if wanted else {}
                if view_groups:
                    items |= roles.top_view_groups(view.management_server)
                found = roles.read_acls(items, paths, stop)
            finally:
                for rs in view.recorders.values():
                    rs.HardwareFolder.ClearChildrenCache()
        if view_groups:
            for acl in found.values():
                acl[roles.VIEW_GROUP] = {}
        return found

    def _single_stream(self, snap: Snapshot) -> None:
        """Where any logged-in site predates multistream recording, both sides compare stream usages in their
        single-stream form: a track id the old site cannot hold would otherwise differ, and fail, every cycle."""
        old = [s for s in self._sites.values() if not self._gate_open(s, Gate.MULTISTREAM_RECORDING)]
        if not old:
            return
        for rec in snap.recorders:
            for hw in rec.hardware:
                for dev in hw.devices:
                    streams = dev.settings.get("streams")
                    if isinstance(streams, dict) and isinstance(streams.get("Streams"), list):
                        streams["Streams"] = [gates.single_stream_usage(u) for u in streams["Streams"]]

    def read_passwords(self, site_hardware: Iterable[tuple[str, str]], failures: dict[str, str] | None = None,
                       stop: StopCheck | None = None) -> dict[str, SecretStr]:
        """Passwords of hardware named by (site host, hardware id): hardware id -> password.

        Costs a VMS task per hardware (~3 round trips, plus 2 per recorder of the last `read`), so callers
        read passwords seldom. A hardware whose password cannot be read is missing from the answer; its id ->
        the VMS's text goes into `failures` when given (the text never holds a password). A lost connection
        raises ConnectError; a stop request (`stop`) raises Interrupted within one task poll.
        """
        by_site: dict[str, list[str]] = {}
        for host, hardware_id in site_hardware:
            by_site.setdefault(host.lower(), []).append(hardware_id)
        found: dict[str, SecretStr] = {}
        missed: dict[str, str] = {} if failures is None else failures
        for host, ids in by_site.items():
            site = self._sites.get(host)
            if site is None:
                for hid in ids:
                    missed[hid] = f"site {host} is not logged in"
                continue
            with self._map_lock:
                recorders = {hid: self._hardware_recorder.get(hid, "") for hid in ids}
            read = self._applier.read_passwords(site, ids, missed, recorders, stop)
            # From here on a password is a SecretStr: a repr or a log line shows '**********'.
            found.update((hid, SecretStr(pw)) for hid, pw in read.items())
            read.clear()
        return found

    # -- writing --------------------------------------------------------------------------------------------

    def apply(self, action: Action, password: SecretStr | None = None) -> dict[str, Any]:
        """Apply one action; VmsError with the VMS's text when it is rejected.

        `password` (a revert re-creating hardware) is used instead of reading the source hardware's."""
        site = self._site_by_host(action.target.site)
        if action.kind is ActionKind.REPLACE and not self._gate_open(site, Gate.REPLACE_HARDWARE):
            # Refused before the source password is read: nothing is asked of either server. The cycle's notes
            # say it once; each such action fails with the same reason.
            raise VmsError(f"Hardware {action.target.name or action.target.item_id} on {site.info.host} was not "
                           f"replaced: {gates.reason(Gate.REPLACE_HARDWARE, site.info.version)}; "
                           f"{Gate.REPLACE_HARDWARE.info.without}.")
        # Whatever this action changes, the cycle's view of the sites no longer shows it (before and after, so
        # a listing made while it runs is not kept either).
        self._forget_cycle()
        try:
            return self._apply(site, action, password)
        finally:
            self._forget_cycle()

    def _apply(self, site: _Site, action: Action, password: SecretStr | None = None) -> dict[str, Any]:
        devices: dict[str, bool] | None = None
        secret: str | None = None
        hardware = action.target.item_kind == "hardware"
        if password is not None:
            # A re-created item: its password and which devices were enabled come with the action.
            secret = password.get_secret_value()
            enabled = action.values.get("device_enabled")
            devices = {str(k): bool(x) for k, x in enabled.items()} if isinstance(enabled, dict) else None
        elif hardware and (action.kind is ActionKind.ADD or action.kind is ActionKind.REPLACE or (
                action.kind is ActionKind.UPDATE and action.category == "password")):
            src = self._site_by_host(str(action.values.get("source_site", "")))
            source_id = str(action.values.get("source_hardware_id", ""))
            secret = self._applier.read_password(src, source_id)
            if action.kind is ActionKind.ADD:
                # New hardware arrives with its devices disabled: the source says which to enable.
                devices = self._applier.source_devices(src, source_id)
        with site.lock:
            return self._applier.apply(site, action, secret, devices)

    # -- cost -----------------------------------------------------------------------------------------------

    def round_trips(self) -> int | None:
        d = self._net.diagnostics()
        return None if d is None else int(d.TotalRoundTrips)

    def writes(self) -> int | None:
        d = self._net.diagnostics()
        return None if d is None else int(d.TotalWrites)
