"""SmartSync's durable state: one SQLite file shared by every process on the host.

One module per concern, each adding its table family's operations to `Store`:
`pairings` (remembered counterparts), `runs` (the cycle lock and the history
of runs), `schedule` (the durable truth the service reschedules from),
`service_state` (status line, detailed-logs flag, log-in back-off), `meta`
(small engine facts), `created` (items SmartSync made), `roleacls` (roles' camera permissions last read
or written) and `journal` (every write of a cycle, before and after).
`base` holds the plumbing and `migrations` the one ordered list of schema
steps. The service, the CLI and the web page all read and write the store,
possibly at the same time, so:

- every operation opens its own short-lived connection (safe across threads
  and processes, no connection shared between threads);
- the file runs in WAL mode so readers never wait for the writer;
- read-modify-write operations run inside `BEGIN IMMEDIATE`, which takes
  SQLite's write lock up front, so two processes can never both see the
  cycle lock free and both take it.

Times are stored as UTC ISO-8601 text and returned as aware UTC datetimes.
"""

from __future__ import annotations

from bridge.store.base import StoreBase, store_error
from bridge.store.created import CreatedItemsStore
from bridge.store.journal import JournalEntry, JournalStore
from bridge.store.meta import MetaStore
from bridge.store.migrations import MIGRATIONS
from bridge.store.pairings import PairingsStore
from bridge.store.roleacls import RoleAclStore
from bridge.store.runs import RunInfo, RunsStore
from bridge.store.schedule import ScheduleState, ScheduleStore
from bridge.store.service_state import ServiceState, ServiceStateStore
from bridge.store.values import STALE_AFTER, Clock, SystemClock

BUSY_TIMEOUT_S = 30.0
"""How long one connection waits for another process's write transaction before giving up."""

_MIGRATIONS = MIGRATIONS


class Store(PairingsStore, RunsStore, ScheduleStore, ServiceStateStore, MetaStore, JournalStore, CreatedItemsStore,
            RoleAclStore, StoreBase):
    """The SQLite store. Cheap to construct; every method is safe from any thread or process."""


__all__ = ["BUSY_TIMEOUT_S", "STALE_AFTER", "Clock", "JournalEntry", "RunInfo", "ScheduleState", "ServiceState",
           "Store", "SystemClock", "store_error"]
