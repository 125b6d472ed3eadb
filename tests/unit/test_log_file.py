"""The log file sink: rotation by size, retention by age, and a file that cannot be written."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from loguru import logger

from bridge import logs


@pytest.fixture(autouse=True)
def reset_logging() -> object:
    yield
    logger.remove()
    logs._state.update({"log_dir": None, "detailed": False, "handlers": []})


def test_rotates_by_size_and_tail_reads_across_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "ROTATION_BYTES", 300)
    logs.setup_logging(tmp_path)
    for i in range(20):
        logger.info("line number {} of the test", i)
    rotated = sorted(p.name for p in tmp_path.glob("smartsync.*.log") if p.name != logs.LOG_NAME)
    assert rotated and all(p.startswith("smartsync.2") for p in rotated)
    lines = logs.tail(tmp_path, 20)
    assert [line.rsplit("line number ", 1)[1].split()[0] for line in lines] == [str(i) for i in range(20)]


def test_old_rotated_files_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "smartsync.2020-01-01_00-00-00_000000.log"
    old.write_text("old\n")
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(old, (month_ago, month_ago))
    recent = tmp_path / "smartsync.2026-01-01_00-00-00_000000.log"
    recent.write_text("recent\n")
    monkeypatch.setattr(logs, "ROTATION_BYTES", 10)
    logs.setup_logging(tmp_path)
    logger.info("long enough to rotate")
    assert not old.exists() and recent.exists()


def test_an_unwritable_log_is_said_once_and_writing_resumes(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / logs.LOG_NAME).symlink_to("/dev/full")
    logs.setup_logging(tmp_path)
    logger.info("first")
    logger.info("second")
    err = capsys.readouterr().err
    assert err.count("cannot write its log file") == 1 and "first" in err and "second" in err
    assert "Traceback" not in err and "Logging error" not in err
    (tmp_path / logs.LOG_NAME).unlink()
    logger.info("third")
    assert "third" in (tmp_path / logs.LOG_NAME).read_text()


def test_a_log_folder_under_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(logs.ConfigError, match="is a file"):
        logs.setup_logging(tmp_path / "f" / "logs")
