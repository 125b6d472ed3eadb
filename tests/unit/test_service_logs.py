"""The service log: secrets never reach a line at any level, the detailed switch, show/follow/clear."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger
from pydantic import SecretStr

from bridge import logs

PASSWORD = "Hunter2-very-secret"


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    logs.setup_logging(tmp_path / "logs", detailed=False)
    yield tmp_path / "logs"
    logs.setup_logging(None, detailed=False)  # leave stderr only, no file handle open on tmp_path


def written(log_dir: Path) -> str:
    logger.complete()
    return logs.log_file(log_dir).read_text(encoding="utf-8")


def test_no_secret_reaches_the_file_at_any_level(log_dir: Path) -> None:
    logs.register_secret(SecretStr(PASSWORD))
    logs.set_detailed(True)
    logger.debug("connecting with user=admin password={} to ms-primary", PASSWORD)
    logger.info("config: {{'password': '{}', 'token': 'abc.def.ghi'}}", "other-pass-1")
    logger.warning("Authorization: Bearer eyJhbGciOi.payload.sig")
    logger.error("url http://admin:s3cr3tpass@ms-primary/api failed")
    logger.bind(detail=f"pwd={PASSWORD}").info("bound extra")
    try:
        raise RuntimeError(f"log-in failed for admin with {PASSWORD}")
    except RuntimeError:
        logger.exception("cycle crashed")
    text = written(log_dir)
    for secret in (PASSWORD, "other-pass-1", "abc.def.ghi", "eyJhbGciOi", "s3cr3tpass"):
        assert secret not in text
    assert "password=***" in text and "Bearer ***" in text and "admin:***@ms-primary" in text
    assert "RuntimeError: log-in failed for admin with ***" in text  # the traceback is kept, scrubbed


def test_redact_leaves_ordinary_text_alone() -> None:
    line = "Processing ended (ok: 3 updated, 1 added); idle until 10:45"
    assert logs.redact(line) == line


def test_detailed_switch_changes_what_is_written(log_dir: Path) -> None:
    logger.debug("hidden detail")
    logger.info("normal line")
    assert logs.set_detailed(True) is True
    assert logs.set_detailed(True) is False  # already on
    logger.debug("visible detail")
    text = written(log_dir)
    assert "hidden detail" not in text and "normal line" in text and "visible detail" in text
    assert "Detailed logs on" in text


def test_tail_clear_and_follow(log_dir: Path) -> None:
    for i in range(30):
        logger.info("line {}", i)
    last = logs.tail(log_dir, 5)
    assert [line.rsplit(" ", 1)[-1] for line in last] == ["25", "26", "27", "28", "29"]

    (log_dir / "smartsync.2026-01-01_00-00-00_000000.log").write_text("old\n", encoding="utf-8")
    assert logs.clear(log_dir) == 2
    assert logs.tail(log_dir, 5) == [] and not list(log_dir.glob("smartsync.2026*"))
    logger.info("after clear")  # the open handle keeps working on the emptied file
    assert logs.tail(log_dir, 5)[-1].endswith("after clear")

    seen: list[str] = []
    done = threading.Event()

    def reader() -> None:
        for line in logs.follow(log_dir, stop=done.is_set, poll_seconds=0.02):
            seen.append(line)
            if "followed" in line:
                done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.1)
    logger.info("followed")
    logger.complete()
    thread.join(5)
    assert done.is_set() and seen[-1].endswith("followed") and not any("after clear" in s for s in seen)
