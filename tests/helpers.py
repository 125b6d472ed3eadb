"""Small helpers several test folders share: a one-site settings file, waiting for a condition, ending a process."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any


def one_site_config(password: str, *sections: str, site: str = "primary", uri: str = "http://ms-primary/") -> str:
    """The smallest valid settings file: one site, Recorder P1 linked to Recorder S1.

    `password` is the site's password line (`password_env = "VAR"` or `password_file = "p.pw"`); each of
    `sections` (`[service]\\nstore = ...`) is appended after a blank line.
    """
    text = f"""
[[sites]]
name = "{site}"
uri = "{uri}"
user = "admin"
{password}

[labels]
primary = ["Recorder P1"]
secondary = ["Recorder S1"]

[[links]]
primary = "Recorder P1"
secondary = "Recorder S1"
"""
    return text + "".join(f"\n{section.strip()}\n" for section in sections)


def wait_until(condition: Callable[[], Any], timeout: float) -> bool:
    """True as soon as `condition()` is true, False when `timeout` seconds pass first (polled every 50 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def end_process(proc: subprocess.Popen[Any], timeout: float | None = None) -> None:
    """Kill `proc` if a test left it running (the test failed before it could stop it), and reap it."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout)
