"""How soon `smartsync serve` exits after SIGTERM, by the phase the cycle is in, on a slow VMS.

Run: `.venv/bin/python -m bench.bench_stop [--delay-ms 300] [--hardware 2]`. Prints, for a stop sent in the
read phase and in the password-compare phase, the seconds from SIGTERM to the process's exit, next to how
long that phase takes when nobody stops it. The service runs in its own process with the real engine and
the fake SDK (`bash dotnet/build.sh` first); SMARTSYNC_FAKE_DELAY_MS makes every round trip slow.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

PASSWORD = "bench-stop-pass"


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--delay-ms", type=int, default=300, help="fake per-round-trip delay")
    ap.add_argument("--hardware", type=int, default=2, help="hardware per recorder (2 + 2 recorders)")
    args = ap.parse_args()

    from bridge.demo import PASSWORD_ENV, demo_config, write_config
    from bridge.store import Store
    from fakes.world import create_world

    env = os.environ | {PASSWORD_ENV: PASSWORD, "SMARTSYNC_PASSWORD_SECONDARY": PASSWORD,
                        "SMARTSYNC_FAKE_DELAY_MS": str(args.delay_ms)}
    print(f"2+2 recorders, {args.hardware} hardware each, fake delay {args.delay_ms} ms per round trip")
    print(f"{'stop in phase':>16} {'phase alone s':>14} {'SIGTERM -> exit s':>18} {'run recorded':>14}")
    with tempfile.TemporaryDirectory(prefix="bench-stop-") as tmp:
        for phase in ("read", "passwords"):
            root = Path(tmp) / phase
            create_world(root / "world", architecture="independent", primaries=2, secondaries=2,
                         hardware_per_recorder=args.hardware, cameras_per_hardware=1, groups=0, roles=0, views=0,
                         seed=3, password=PASSWORD)
            config = demo_config(root / "world", root)
            path = write_config(config, root / "smartsync.toml")
            cmd = [sys.executable, "-m", "bridge", "-c", str(path)]
            log = root / "logs" / "smartsync.log"
            store = Store(Path(config["service"]["store"]))
            # A first cycle pairs everything; its log tells how long each phase takes undisturbed.
            subprocess.run([*cmd, "sync", "--check-passwords"], env=env, capture_output=True, check=True)
            alone = _phase_seconds(log.read_text(encoding="utf-8"), phase)
            subprocess.run([*cmd, "schedule", "enable", "--interval", "1h", "--start-now"], env=env,
                           capture_output=True, check=True)
            if phase == "passwords":  # the service compares passwords when due: make them due
                store.set_meta("passwords_checked_at", "2000-01-01T00:00:00+00:00")
            lines_before = log.read_text(encoding="utf-8").count("\n")
            serve = subprocess.Popen([*cmd, "serve", "--poll", "0.5"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            marker = "Processing started" if phase == "read" else "Comparing the passwords"

            def reached(marker: str = marker, skip: int = lines_before, log: Path = log) -> bool:
                return marker in "\n".join(log.read_text(encoding="utf-8").splitlines()[skip:])

            if not _wait(reached, 120):
                serve.kill()
                raise SystemExit(f"the service never reached the {phase} phase")
            sent = time.perf_counter()
            serve.send_signal(signal.SIGTERM)
            serve.wait(120)
            took = time.perf_counter() - sent
            last = store.runs(1)[0]
            print(f"{phase:>16} {alone:>14.1f} {took:>18.1f} {last.status:>14}")


def _phase_seconds(log: str, phase: str) -> float:
    """From the first cycle's log lines: seconds of the read phase (start to the password line) or of the
    password phase (the password line to "Passwords compared")."""
    def at(fragment: str) -> datetime:
        line = next(x for x in log.splitlines() if fragment in x)
        stamp, _, offset = line.split(" | ")[0].strip().rpartition(" ")
        return datetime.fromisoformat(stamp + offset)

    if phase == "read":
        return (at("Comparing the passwords") - at("Processing started")).total_seconds()
    return (at("Passwords compared for") - at("Comparing the passwords")).total_seconds()


if __name__ == "__main__":
    main()
