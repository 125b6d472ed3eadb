"""The README's walk-through after `make demo`, run exactly as written, as a new user would type it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dotnet

REPO = Path(__file__).resolve().parents[2]


def walkthrough() -> list[str]:
    """The shell lines of the README block that follows "`make demo` leaves its world" (comments dropped)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after = readme.split("`make demo` leaves its world", 1)[1]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, "the README lost its walk-through block"
    lines = [re.sub(r"\s{2,}#.*$", "", line).strip() for line in block.group(1).splitlines()]  # README comments
    return [line for line in lines if line]


def test_the_readme_walkthrough_works_as_written(tmp_path: Path) -> None:
    # The demo runs into tmp_path/demo, and the walk-through runs in tmp_path, so its relative `demo/...` paths
    # mean what they mean in the repository; only `.venv/` is this checkout's.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTSYNC_")}
    demo = subprocess.run([sys.executable, "-m", "bridge.demo", str(tmp_path / "demo")], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=300)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    lines = walkthrough()
    assert any("rename-camera" in line for line in lines)
    script = "set -e\n" + "\n".join(line.replace(".venv/", f"{REPO}/.venv/") for line in lines) + \
        "\nsmartsync plan --check\n"  # exit 0 (in step) after the sync, or set -e fails the script
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Plan: 1 action(s)" in run.stdout and "'Gate'" in run.stdout
    assert "Applied: update 1" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
