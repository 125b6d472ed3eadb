"""The checks of `smartsync config check`, in one place for the CLI and the page's Save.

First the file on its own (every problem at once); then, when every value has
its type, the file against the VMS: the recorders the labels, links and
storage maps name, and the cameras `[camera_map]` names. The outcome is a
`CheckResult`; each front door says it in its own way.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.errors import BridgeError, ConfigError, ConnectError, SdkLoadError
from bridge.model import Side, Snapshot

Connect = Callable[[Any], Any]
"""settings -> an open VMS session (`recorders()`, `read(ids, side)`, `close()`)."""


@dataclass(slots=True)
class CheckResult:
    """Every problem found, and what could be checked."""

    problems: list[str] = field(default_factory=list)
    headline: str = ""
    summary: list[str] = field(default_factory=list)
    """The topology by name, when the configuration fits the recorders."""
    recorders_checked: bool = False
    note: str = ""
    """What was not checked and why (offline, cannot connect)."""
    file_ok: bool = False
    """The file on its own is valid (every later problem is a mismatch with the VMS)."""
    warnings: list[str] = field(default_factory=list)
    """What works but is weaker than it should be (a password too short to mask inside other text)."""
    unreachable: BridgeError | None = None
    """The error that kept the recorders from being checked (cannot connect, cannot read)."""
    settings: Any = None


def check_settings(load: Callable[[], Any], connect: Connect | None) -> CheckResult:
    """`config check`: `load()` reads the file (raising ConfigError); `connect` None checks it offline."""
    from bridge.settings import short_password_warnings

    result = _check(load, connect)
    if result.settings is not None:
        result.warnings = short_password_warnings(result.settings)
        places = place_problems(result.settings) + token_problems(result.settings)
        if places:
            # Every other command refuses these places when it opens the store or the log; say it here first.
            result.problems = places + result.problems
            result.file_ok = False
            n = len(result.problems)
            result.headline = (f"Configuration error: {n} problem{'s' if n != 1 else ''} in "
                               f"{result.settings.config_path}")
    return result


def place_problems(settings: Any) -> list[str]:
    """The store and log folder paths that cannot be made on this machine (a part of them is a file...).

    Only looked at, never created: a check writes nothing.
    """
    via = getattr(settings, "set_through", lambda key: "")
    places = [("store", settings.service.store, "a file inside a folder"),
              ("log_dir", settings.service.log_dir, "a folder"),
              ("secrets_file", getattr(settings.service, "secrets_file", None), "a file inside a folder")]
    out = []
    for name, value, want in places:
        if value is None:
            continue
        path, key = Path(value), f"service.{name}"
        where = f"{key}: {path}{via(key)}"
        blocker = _file_above(path)
        if blocker is not None:
            out.append(f"{where} cannot be created: {blocker} is a file, not a folder; point [service] {name} at "
                       f"{want}")
        elif name == "store" and path.is_dir():
            out.append(f"{where} is a folder; point [service] store at a file inside it, e.g. "
                       f"{path / 'smartsync.db'}")
        elif name == "log_dir" and path.exists() and not path.is_dir():
            out.append(f"{where} is a file, not a folder; point [service] log_dir at a folder")
    return out


def token_problems(settings: Any) -> list[str]:
    """`[web] token_file` that `serve` could not use (unreadable, empty, too short), as `serve` would say it.

    Without a token_file the page simply does not start, which `serve` explains; that is not a problem here.
    """
    token_file = getattr(getattr(settings, "web", None), "token_file", None)
    if token_file is None:
        return []
    from bridge.web.auth import TOKEN_ENV, load_token

    try:
        load_token(token_file, env={})  # the file itself, even when the environment variable wins today
    except ConfigError as exc:
        via = f" ({TOKEN_ENV} wins over it while it is set)" if os.environ.get(TOKEN_ENV) else ""
        return [f"web.token_file: {exc.message}{via}; {'; '.join(exc.problems)}"]
    return []


def _file_above(path: Path) -> Path | None:
    """The first folder above `path` that exists and is not a folder (a regular file), or None."""
    for parent in reversed(path.parents):
        try:
            if parent.exists() and not parent.is_dir():
                return parent
        except OSError:
            return None  # unreadable: the command that opens it names the reason
    return None


def _check(load: Callable[[], Any], connect: Connect | None) -> CheckResult:
    from bridge.settings import check_passwords

    file_problems: list[str] = []
    headline = ""
    try:
        settings = load()
        # Loading does not read passwords (only a log-in does); a check reads them all.
        check_passwords(settings)
    except ConfigError as exc:
        if connect is None or exc.settings is None:
            return CheckResult(list(exc.problems) or [exc.message], f"Configuration error: {exc.message}")
        # The file's values all have their types: compare it with the VMS too, so every problem shows at once.
        settings, file_problems, headline = exc.settings, list(exc.problems), exc.message
        try:
            check_passwords(settings)
        except ConfigError as unreadable:
            # Without its password no site can be logged in to: report these with the file's problems.
            return CheckResult(file_problems + unreadable.problems, f"Configuration error: {headline}")
    else:
        if connect is None:
            return CheckResult(note="offline: recorders not checked", settings=settings, file_ok=True)
    from bridge.topology import resolve_topology, validate_topology

    session: Any = None
    topology = None
    try:
        session = connect(settings)
        inventory = session.recorders()
        vms_problems = validate_topology(settings, inventory)
        topology = None if vms_problems else resolve_topology(settings, inventory)
        if topology is not None:
            vms_problems += role_problems(settings, session, inventory, topology.source_ids)
        if settings.mode == "manual" and settings.camera_map:
            primary = primary_ids(settings, inventory)
            snapshot = session.read(primary, Side.PRIMARY) if primary else Snapshot(side=Side.PRIMARY)
            vms_problems += camera_map_problems(settings.camera_map, snapshot)
    except (ConnectError, SdkLoadError) as exc:
        note = f"the recording servers were not checked: cannot connect: {exc.message}"
        return CheckResult(file_problems, f"Configuration error: {headline}" if file_problems else "", note=note,
                           unreachable=exc, settings=settings, file_ok=not file_problems)
    except ConfigError as exc:
        # The VMS is not what `architecture` says (bridge.sdk.connect refuses it): a mismatch, like a missing
        # recorder, said with the file's other problems.
        vms_problems, topology = list(exc.problems) or [exc.message], None
    except BridgeError as exc:
        return CheckResult(file_problems, f"Configuration error: {headline}" if file_problems else "",
                           note=f"cannot read the recording servers: {exc.message}", unreachable=exc,
                           settings=settings, file_ok=not file_problems)
    finally:
        if session is not None and hasattr(session, "close"):
            session.close()
    # A key the file check already faults (a recorder labelled twice) is not faulted again in other words.
    faulted = {p.split(":", 1)[0] for p in file_problems}
    problems = file_problems + [p for p in vms_problems if p.split(":", 1)[0] not in faulted]
    if problems:
        n = len(problems)
        return CheckResult(problems, f"Configuration error: {n} problem{'s' if n != 1 else ''} in "
                                     f"{settings.config_path}", recorders_checked=True, settings=settings,
                           file_ok=not file_problems)
    return CheckResult(summary=topology.summary() if topology is not None else [], recorders_checked=True,
                       settings=settings, file_ok=True)


def role_problems(settings: Any, session: Any, inventory: Iterable[Any], source_ids: Iterable[str]) -> list[str]:
    """Names in `sync.role_names` that no role of the source side has (read: the role list of each source site)."""
    from bridge.kinds import roles as roles_kind

    if not settings.sync.on(roles_kind.SWITCH) or settings.architecture == "single-site":
        return []
    wanted = set(source_ids)
    source = Snapshot(side=Side.PRIMARY, recorders=[r for r in inventory if r.id in wanted])
    session.read_roles(source, settings.sync.role_names)
    have = {r.name for r in source.roles or []}
    sites = ", ".join(sorted({r.site for r in source.recorders}))
    return [f"sync.role_names: no role named '{n}' on the source side ({sites}); write the name exactly as the "
            f"Management Client shows it, or remove it" for n in sorted(set(settings.sync.role_names) - have)]


def primary_ids(settings: Any, inventory: Iterable[Any]) -> list[str]:
    """The ids of the recorders labelled primary (by id or by a name that names one recorder)."""
    recorders = list(inventory)
    out = []
    for word in settings.labels.primary:
        found = [r.id for r in recorders if r.id == word] or [r.id for r in recorders if r.name == word]
        if len(found) == 1 and found[0] not in out:
            out.append(found[0])
    return out


def camera_map_problems(camera_map: dict[str, list[str]], primary: Snapshot) -> list[str]:
    """Camera map keys that name no camera on the primary recorders (such a camera is never backed up)."""
    names: set[str] = set()
    ids: set[str] = set()
    for rec in primary.recorders:
        for hw in rec.hardware:
            for d in hw.devices:
                if d.kind == "camera":
                    names.add(d.name)
                    ids.add(d.id)
    problems = []
    for key in camera_map:
        if key in names or key in ids:
            continue
        close = [n for n in names if n.casefold() == key.casefold()] or \
            difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        elif not names:
            hint = "; the primary recorders have no cameras"
        else:
            hint = f"; the cameras are: {', '.join(repr(n) for n in sorted(names))}" if len(names) <= 12 else ""
        problems.append(f"camera_map.\"{key}\": no camera named '{key}' (or with that id) on the primary "
                        f"recorders, so nothing would be backed up for it{hint}")
    return problems


__all__ = ["CheckResult", "camera_map_problems", "check_settings", "place_problems", "primary_ids", "role_problems",
           "token_problems"]
