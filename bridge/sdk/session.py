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
from typing import Any, Protocol
from urllib.parse import urlparse

from pydantic import SecretStr

from bridge.errors import BridgeError, ConnectError, SdkLoadError, VmsError
from bridge.model import Action, ActionKind, Recorder, Side, Snapshot
from bridge.sdk import parse
from bridge.sdk.apply import Applier
from bridge.sdk.errors import to_connect_error, to_vms_error, vms_call
from bridge.sdk.net import Net
from bridge.sdk.runtime import SdkSettings, load_runtime

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
    lock: threading.RLock = field(default_factory=threading.RLock)


def host_of(uri: str) -> str:
    """The host name a uri points at, lower case (the fake's document name)."""
    parsed = urlparse(uri if "//" in uri else f"http://{uri}")
    return (parsed.hostname or uri).lower()


def connect(settings: Settings) -> Session:
    """Load the SDK and log in to every site of the installation (ConnectError on failure)."""
    sdk_settings: SdkSettings = settings.sdk
    load_runtime(sdk_settings)
    fake_world = getattr(settings.sdk, "fake_world", None)
    if fake_world:
        os.environ["SMARTSYNC_FAKE_WORLD"] = str(fake_world)
    net = Net()
    _initialize(net)
    session = Session(net)
    try:
        sites = list(settings.sites)
        expected = 2 if settings.architecture == "independent" else 1
        if len(sites) != expected:
            raise ConnectError(f"The {settings.architecture} architecture needs {expected} site(s) in the settings, "
                               f"found {len(sites)}.", server="", cause="configuration")
        for site in sites:
            session._login(site, is_child=False)
        if settings.architecture == "federated":
            for child_uri in session._child_uris(session.sites[0].host):
                session._login(sites[0], is_child=True, uri=child_uri)
    except BaseException:
        session.close()
        raise
    return session


def _initialize(net: Net) -> None:
    """Environment.Initialize(): when it refuses (a bad SDK setting on this machine, such as the fake's
    SMARTSYNC_FAKE_DELAY_MS) the SDK cannot start, which is exit 3 with the SDK's own words, not a failed cycle."""
    try:
        net.Environment.Initialize()
    except Exception as exc:
        raise SdkLoadError(to_vms_error(exc, "Starting the SDK", "this machine").message) from exc


def check_sites(settings: Settings) -> list[tuple[str, str | None]]:
    """Log in to each site (and federated child) on its own: (server, None if ok else the error message).

    For `doctor`: unlike `connect`, one failing site does not hide the
    others. The runtime must load (SdkLoadError otherwise).
    """
    load_runtime(settings.sdk)
    fake_world = getattr(settings.sdk, "fake_world", None)
    if fake_world:
        os.environ["SMARTSYNC_FAKE_WORLD"] = str(fake_world)
    net = Net()
    _initialize(net)
    results: list[tuple[str, str | None]] = []
    session = Session(net)
    try:
        for site in settings.sites:
            host = host_of(site.uri)
            try:
                session._login(site, is_child=False)
            except BridgeError as exc:
                results.append((host, exc.message))
                continue
            results.append((host, None))
            if settings.architecture == "federated":
                try:
                    children = session._child_uris(host)
                except BridgeError as exc:
                    results.append((f"{host} (child sites)", exc.message))
                    continue
                for child in children:
                    try:
                        session._login(site, is_child=True, uri=child)
                        results.append((f"{host_of(child)} (child of {host})", None))
                    except BridgeError as exc:
                        results.append((f"{host_of(child)} (child of {host})", exc.message))
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
            raise to_connect_error(exc, host, site.user, (password,)) from None
        self._sites[host] = _Site(info, server_id, net_uri)
        self._logins[host] = site

    def _site_items(self) -> list[Any]:
        mgr = self._net.EnvironmentManager.Instance
        items = []
        get_all = getattr(mgr, "GetSiteItems", None)
        if get_all is not None:
            items.extend(get_all())
        master = mgr.GetSiteItem(mgr.MasterSite)
        items.append(master)
        items.extend(master.GetChildren())
        return items

    def _server_id(self, host: str) -> Any:
        for item in self._site_items():
            sid = item.FQID.ServerId
            if str(sid.Uri.Host).lower() == host:
                return sid
        raise ConnectError(f"Logged in to {host} but the SDK lists no site for it.", server=host, cause="no site item")

    def _child_uris(self, parent_host: str) -> list[str]:
        mgr = self._net.EnvironmentManager.Instance
        parent = self._sites[parent_host]
        with vms_call("Listing federated child sites", parent_host):
            children = mgr.GetSiteItem(parent.server_id).GetChildren()
            return [str(c.FQID.ServerId.Uri) for c in children]

    def refresh(self) -> None:
        """Forget cached recorder locations and log in again to any site that dropped the session."""
        with self._map_lock:
            self._recorder_site.clear()
            self._hardware_recorder.clear()
        for host, site in list(self._sites.items()):
            if not self._net.Environment.IsLoggedIn(site.net_uri):
                settings = self._logins[host]
                del self._sites[host]
                self._login(settings, site.info.is_child, site.info.uri)

    def close(self) -> None:
        """Log out and forget the servers; the session cannot be used afterwards."""
        env = self._net.Environment
        for call in (env.Logout, env.RemoveAllServers):
            try:
                call()
            except Exception:  # tear-down of a half-open session: nothing more to do
                pass
        self._sites.clear()

    # -- reading --------------------------------------------------------------------------------------------

    def _management_server(self, site: _Site) -> Any:
        # A new ManagementServer object reads fresh: changes made between cycles become visible.
        return self._net.ManagementServer(site.server_id)

    def recorders(self) -> list[Recorder]:
        """Every recorder of every site with its storages (no hardware)."""
        out: list[Recorder] = []
        for host, site in list(self._sites.items()):
            with site.lock, vms_call("Listing recording servers", host):
                ms = self._management_server(site)
                ms.RecordingServerFolder.FillChildren(self._net.strings(["RecordingServer", "Storage"]))
                recs = parse.parse_inventory(host, self._net.json(self._net.Reader.ReadInventory(ms)))
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

    def read(self, recorder_ids: Iterable[str], side: Side) -> Snapshot:
        """The full in-scope part of the given recorders, plus the device groups of their sites."""
        by_site: dict[str, list[str]] = {}
        for rid in dict.fromkeys(recorder_ids):
            by_site.setdefault(self._site_for(rid).info.host, []).append(rid)
        snap = Snapshot(side=side)
        types = self._net.strings(list(RECORDER_ITEM_TYPES))
        for host, ids in by_site.items():
            site = self._sites[host]
            with site.lock, vms_call("Reading the configuration", host):
                ms = self._management_server(site)
                wanted = set(ids)
                found = {}
                for rs in ms.RecordingServerFolder.RecordingServers:
                    if str(rs.Id) in wanted:
                        found[str(rs.Id)] = rs
                for rid in ids:
                    rs = found.get(rid)
                    if rs is None:
                        raise VmsError(f"Recording server {rid} no longer exists on {host}.")
                    rs.FillChildren(types)
                    rec = parse.parse_recorder(host, self._net.json(self._net.Reader.ReadRecorder(rs)))
                    snap.recorders.append(rec)
                    with self._map_lock:
                        self._hardware_recorder.update((hw.id, rec.id) for hw in rec.hardware)
                groups_folder = ms.CameraGroupFolder
                groups_folder.FillChildren(self._net.strings(["CameraGroup", "Camera"]))
                for path, members in parse.parse_groups(self._net.json(self._net.Reader.ReadGroups(ms))).items():
                    snap.groups.setdefault(path, set()).update(members)
        return snap

    def read_passwords(self, site_hardware: Iterable[tuple[str, str]],
                       failures: dict[str, str] | None = None) -> dict[str, SecretStr]:
        """Passwords of hardware named by (site host, hardware id): hardware id -> password.

        Costs a VMS task per hardware (~3 round trips, plus 2 per recorder of the last `read`), so callers
        read passwords seldom. A hardware whose password cannot be read is missing from the answer; its id ->
        the VMS's text goes into `failures` when given (the text never holds a password). A lost connection
        raises ConnectError.
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
            read = self._applier.read_passwords(site, ids, missed, recorders)
            # From here on a password is a SecretStr: a repr or a log line shows '**********'.
            found.update((hid, SecretStr(pw)) for hid, pw in read.items())
            read.clear()
        return found

    # -- writing --------------------------------------------------------------------------------------------

    def apply(self, action: Action) -> dict[str, Any]:
        """Apply one action; VmsError with the VMS's text when it is rejected."""
        site = self._site_by_host(action.target.site)
        if action.kind is ActionKind.ADD or action.kind is ActionKind.REPLACE or (
                action.kind is ActionKind.UPDATE and action.category == "password"):
            src = self._site_by_host(str(action.values.get("source_site", "")))
            password = self._applier.read_password(src, str(action.values.get("source_hardware_id", "")))
        else:
            password = None
        with site.lock:
            return self._applier.apply(site, action, password)

    # -- cost -----------------------------------------------------------------------------------------------

    def round_trips(self) -> int | None:
        d = self._net.diagnostics()
        return None if d is None else int(d.TotalRoundTrips)

    def writes(self) -> int | None:
        d = self._net.diagnostics()
        return None if d is None else int(d.TotalWrites)
