"""What the journal costs per write: its two store transactions, inside a cycle (one idle connection held open).

Run: `.venv/bin/python -m bench.bench_journal [--writes 500]`. Prints milliseconds per journaled write with
the cycle's keep-alive (as the engine runs) and without it (each transaction's close checkpoints the WAL).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.store import Store


def per_write(store: Store, run_id: int, writes: int) -> float:
    started = time.perf_counter()
    for i in range(writes):
        entry = store.journal_begin(run_id, i, {"kind": "update", "target": {"item_id": f"cam-{i}"},
                                                "category": "recording", "values": {"RecordingFramerate": 5.0}},
                                    {"category": "recording", "values": {"RecordingFramerate": 12.0}})
        store.journal_end(entry, "done", {})
    return (time.perf_counter() - started) / writes * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()
    from bridge.store import Store

    store = Store(Path(tempfile.mkdtemp(prefix="bench-journal-")) / "smartsync.db")
    run_id = store.begin_cycle("bench")
    bare = per_write(store, run_id, max(args.writes // 5, 20))
    with store.keep_alive():
        held = per_write(store, run_id, args.writes)
    store.finish_cycle(run_id, "ok", {})
    print(f"journaled write, inside a cycle (keep-alive connection): {held:.2f} ms")
    print(f"journaled write, no connection held open:               {bare:.2f} ms")


if __name__ == "__main__":
    main()
