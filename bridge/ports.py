"""The typed interface the engine needs from a logged-in VMS session.

`bridge.sdk.Session` implements it against the MIP SDK (the fake under
Mono or the real one); `bridge.memory.MemorySession` implements it over
plain snapshots so the engine can be unit-tested without .NET. Nothing
here imports the SDK.

What `apply` answers (a plain dict, so a journal can store it):

- `hardware_id` and `devices` ("kind:channel" -> id) for an ADD;
  `view_id` and `created_view_groups` for a view's ADD; `created_groups`
  for a camera's device-group update that had to make groups;
- `before`: the target item's values just before the change, as far as
  the writer read them, shaped as `bridge.journal.values_before` records
  them ({"category", "values"} for an UPDATE, the recorder for a MOVE, the
  address, driver and user name for a REPLACE, {"hardware": ...} or
  {"view": ...} for a DELETE). Never a password. A writer that could not
  read them leaves the key out; the journal then keeps what the cycle's
  read showed (`bridge.journal.merge_before` lays one over the other).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from pydantic import SecretStr

from bridge.model import Action, Recorder, Side, Snapshot

StopCheck = Callable[[], bool]
"""Asked between reads: True when the cycle was asked to stop."""


class VmsSession(Protocol):
    """One logged-in connection to every site of the installation."""

    def refresh(self) -> None:
        """Forget cached locations and log in again where a site dropped the session."""

    def recorders(self) -> list[Recorder]:
        """Every recorder of every site with its storages (no hardware)."""

    def read(self, recorder_ids: Iterable[str], side: Side, stop: StopCheck | None = None) -> Snapshot:
        """The in-scope part of these recorders, plus the device groups of their sites.

        `stop` is asked between recorders; once it says True the read ends with Interrupted."""

    def read_views(self, snapshot: Snapshot) -> None:
        """Fill in the view groups and views of the sites `snapshot`'s recorders belong to."""

    def read_roles(self, snapshot: Snapshot, names: Iterable[str]) -> None:
        """Fill in the roles named that the sites of `snapshot`'s recorders have (info, members, overall security)."""

    def read_role_acls(self, host: str, role_ids: Iterable[str], camera_ids: Iterable[str],
                       view_groups: bool = False, stop: StopCheck | None = None
                       ) -> dict[str, dict[str, dict[str, str]]]:
        """Role id -> item key -> that role's permissions on it, for these roles and cameras of `host` and, with
        `view_groups`, its top-level view groups ("viewgroup:/Path"; "viewgroup:" alone marks they were read).

        Costs a round trip per role per item: callers read seldom (bridge.roleacl)."""

    def read_passwords(self, site_hardware: Iterable[tuple[str, str]], failures: dict[str, str] | None = None,
                       stop: StopCheck | None = None) -> dict[str, SecretStr]:
        """Hardware passwords named by (site host, hardware id); failures get id -> the VMS's text."""

    def apply(self, action: Action, password: SecretStr | None = None) -> dict[str, Any]:
        """Apply one action (VmsError when the VMS refuses it). See the module docstring for the answer.

        `password`, when given, is the hardware password an ADD or REPLACE uses instead of the one read
        from the source hardware (a revert re-creates hardware with the password it had)."""

    def round_trips(self) -> int | None:
        """Calls to the servers so far (None when the SDK does not count them)."""

    def writes(self) -> int | None:
        """Writes to the servers so far (None when the SDK does not count them)."""

    def close(self) -> None:
        """Log out; the session cannot be used afterwards."""
