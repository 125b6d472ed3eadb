"""SmartSync's log: loguru to a rotating file plus stderr, with secrets scrubbed from every line.

`setup_logging(log_dir, detailed)` is called once by the commands that do work
(`serve`, `run-now`); `set_detailed()` switches between normal (INFO) and
detailed (DEBUG) lines while the process runs, which is how the service
follows `smartsync service restart --detailed-logs` without a file edit.

Every record passes one patcher before any sink sees it. The patcher rewrites
the message, the string values of `extra`, and the text of an attached
exception (rendered here, so loguru never prints a traceback with variable
values): `password=...`-style pairs, bearer tokens and passwords in URLs
become `***`, and so does every value handed to `register_secret`. Sinks
are added with `diagnose=False` for the same reason.

`tail`, `follow` and `clear` back `smartsync log show [--follow]` and
`smartsync log clear`.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import SecretStr

from bridge.errors import ConfigError
from bridge.secret_keys import MASK, is_secret_key

LOG_NAME = "smartsync.log"
ROTATION_BYTES = 10 * 1024 * 1024
RETENTION_SECONDS = 14 * 24 * 3600

_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS Z} | {level: <7} | {message}"
_DETAILED_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS Z} | {level: <7} | {name}:{function}:{line} | {message}"

_KEYS = r"password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|api[_-]?key|apikey"
_PAIR_RE = re.compile(rf"(?i)(\b(?:{_KEYS})\b[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}}\]]+)")
# For text written to be read (console messages, stored states) "password: ..." is usually prose ("sites[0].password:
# a plain password is refused"), so there only `key=value` and a quoted `"key": value` count as a secret pair.
_PROSE_PAIR_RE = re.compile(
    rf"(?i)((?:\b(?:{_KEYS})\b\s*=|[\"'](?:{_KEYS})[\"']\s*:)\s*[\"']?)([^\s\"',;&}}\]]+)"
)
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_URL_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+):([^@\s/]+)@", re.IGNORECASE)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
SAFE_SECRET_LENGTH = 8
"""A registered value this long is masked wherever it appears, even inside a word. A shorter one (a weak password,
"abc") is masked only where it stands alone: masking it inside words would blank ordinary text ("abc" in
"abcd") and, by the pattern of the blanks, show the password. `config check` warns about such passwords."""
_CLOSERS_RE = re.compile(r"(\)+)([.:!?]*)$")

_state: dict[str, Any] = {"log_dir": None, "detailed": False, "handlers": []}


def register_secret(value: str | SecretStr | None) -> None:
    """Mask this exact value in every later log line (call it for each password as soon as it is read)."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if text:
        with _secrets_lock:
            _secrets.add(text)


def register_setting_secrets(*settings: dict[str, Any]) -> None:
    """Mask the values of credential-looking settings (`bridge.secret_keys`) like passwords from now on, so a
    VMS refusal quoting one ("'Rtsp-...' is not valid") shows *** in logs, messages, reports and stored states.

    Only text values at least SAFE_SECRET_LENGTH long: a short one ("0", "yes") would blank ordinary words."""
    for values in settings:
        for key, value in values.items():
            if is_secret_key(key) and isinstance(value, str) and len(value) >= SAFE_SECRET_LENGTH:
                register_secret(value)


@functools.lru_cache(maxsize=64)
def _alone(secret: str) -> re.Pattern[str]:
    """`secret` where no letter or digit touches its word-character ends (so "abc" but not the "abc" of "abcd")."""
    before = r"(?<!\w)" if re.match(r"\w", secret) else ""
    after = r"(?!\w)" if re.search(r"\w$", secret) else ""
    return re.compile(before + re.escape(secret) + after)


def _mask_value(match: re.Match[str]) -> str:
    """`key=` + *** for a secret pair, giving back the closing ")" of a "(...)" the pair sits in.

    The value is taken up to a space, a quote or a separator, and ")" is not one: passwords hold ")" often. A
    trailing ")" (with the sentence's "." after it) is given back when the text before the pair opened a "(",
    or when the value is already *** (a registered secret masked a moment ago). Otherwise it stays masked with
    the value, so an unknown password ending in ")" is never shown in part.
    """
    key, value = match.group(1), match.group(2)
    closers = _CLOSERS_RE.search(value)
    if closers is not None:
        head = value[: closers.start()]
        before = match.string[: match.start()]
        unclosed = before.count("(") - before.count(")")
        if head == MASK:
            return key + value
        if unclosed > 0 and head:
            parens = closers.group(1)
            keep = min(len(parens), unclosed)
            return key + MASK + parens[len(parens) - keep:] + closers.group(2)
    return key + MASK


def redact(text: str, prose: bool = False) -> str:
    """`text` with anything that looks like a secret replaced by ***.

    `prose=True` for messages and states meant to be read: registered secrets, passwords in URLs, bearer
    tokens and `key=value` pairs are masked, but "password: ..." (a key named in a sentence) is left alone.
    """
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            if len(secret) >= SAFE_SECRET_LENGTH:
                text = text.replace(secret, MASK)
            else:
                text = _alone(secret).sub(MASK, text)
    text = (_PROSE_PAIR_RE if prose else _PAIR_RE).sub(_mask_value, text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _URL_RE.sub(lambda m: f"{m.group(1)}:{MASK}@", text)


def redact_data(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every string passed through `redact(prose=True)`."""
    if isinstance(value, str):
        return redact(value, prose=True)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


class RedactingStream:
    """A text stream that masks secrets in everything written through it (the console's stdout and stderr).

    Every console message, whoever wrote it (click, rich, a log line), passes the same masker as a log line.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text, prose=True))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redact_console() -> None:
    """Route this process's stdout and stderr through RedactingStream (once; later calls change nothing)."""
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)  # type: ignore[assignment]


def _patch(record: Any) -> None:
    record["message"] = redact(record["message"])
    for key, value in list(record["extra"].items()):
        if isinstance(value, str):
            record["extra"][key] = redact(value)
    exc = record["exception"]
    if exc is not None and exc.type is not None:
        # Render the traceback ourselves so its text (exception messages included) is scrubbed too.
        rendered = "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))
        record["message"] += "\n" + redact(rendered).rstrip("\n")
        record["exception"] = None


def log_file(log_dir: Path) -> Path:
    return Path(log_dir) / LOG_NAME


class LogFile:
    """The sink for `smartsync.log`: appends, rotates at ROTATION_BYTES, drops rotated files after 14 days.

    A log that cannot be written (disk full, permissions) must not stop a cycle or turn into a traceback:
    the failure is said once on stderr, lines keep going to the console, and writing resumes when it can.
    """

    def __init__(self, log_dir: Path) -> None:
        self.path = log_file(log_dir)
        self._fh: Any = None
        self._failing = False

    def write(self, message: str) -> None:
        try:
            if self._fh is None:
                self._fh = self.path.open("a", encoding="utf-8")
            self._fh.write(message)
            self._fh.flush()
            if self._fh.tell() >= ROTATION_BYTES:
                self._rotate()
            self._failing = False
        except OSError as exc:
            self._drop()
            if not self._failing:
                self._failing = True
                sys.stderr.write(f"SmartSync cannot write its log file {self.path} ({exc.strerror or exc}); "
                                 f"free space on that disk or fix its permissions. Log lines go to the console "
                                 f"only until then.\n")

    def _rotate(self) -> None:
        self._drop()
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S_%f")
        try:
            os.replace(self.path, self.path.with_name(f"smartsync.{stamp}.log"))
        except FileNotFoundError:
            return  # another process (the service, a `sync`) rotated it a moment ago
        cutoff = time.time() - RETENTION_SECONDS
        for old in self.path.parent.glob("smartsync.*.log"):
            try:
                if old.name != LOG_NAME and old.stat().st_mtime < cutoff:
                    old.unlink()
            except FileNotFoundError:
                pass  # removed by another process's rotation

    def _drop(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                fh.close()
            except OSError:
                pass  # the data it held could not be written; the failure is reported by write()

    def stop(self) -> None:
        self._drop()


def setup_logging(log_dir: Path | None, detailed: bool = False) -> None:
    """(Re)configure the process's log: stderr and, with a folder, the rotating file `smartsync.log`."""
    if log_dir is not None:
        try:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ConfigError(f"cannot create the log folder {log_dir}: it, or a folder above it, is a file; "
                              f"point [service] log_dir at a folder") from None
        except OSError as exc:
            raise ConfigError(f"cannot create the log folder {log_dir} ({exc.strerror}); create it and give the "
                              f"user running SmartSync write access, or point [service] log_dir elsewhere") from None
    _state["log_dir"] = log_dir
    _apply(detailed)


def console_logging() -> None:
    """Log lines to stderr in SmartSync's format, for a command that does not log to the file.

    Done once per process, before any command runs, so a warning (an unreadable value in the store) looks
    the same from `status` as from `sync`; commands that do work then call `setup_logging` with the folder.
    """
    if not _state["handlers"]:
        _apply(False)


def set_detailed(detailed: bool) -> bool:
    """Switch detailed (DEBUG) lines on or off in place; returns True when the level changed."""
    if detailed == _state["detailed"]:
        return False
    _apply(detailed)
    logger.info("Detailed logs {}", "on" if detailed else "off")
    return True


def is_detailed() -> bool:
    return bool(_state["detailed"])


def _to_stderr(message: str) -> None:
    sys.stderr.write(message)


def _apply(detailed: bool) -> None:
    level = "DEBUG" if detailed else "INFO"
    fmt = _DETAILED_FORMAT if detailed else _FORMAT
    logger.configure(patcher=_patch)
    logger.remove()
    # The sink looks up sys.stderr at each write, so a live progress bar (which swaps it) keeps its place.
    handlers = [logger.add(_to_stderr, level=level, format=fmt, backtrace=False, diagnose=False)]
    if _state["log_dir"] is not None:
        handlers.append(logger.add(LogFile(_state["log_dir"]), level=level, format=fmt, backtrace=False,
                                   diagnose=False, catch=False))
    _state["handlers"] = handlers
    _state["detailed"] = detailed


# -- reading and clearing the log -------------------------------------------------------------------


def _log_files(log_dir: Path) -> list[Path]:
    """The current file last, rotated ones (smartsync.<date>.log) before it, oldest first."""
    rotated = sorted(p for p in Path(log_dir).glob("smartsync.*.log") if p.name != LOG_NAME)
    current = log_file(log_dir)
    return rotated + ([current] if current.exists() else [])


def tail(log_dir: Path, lines: int = 50) -> list[str]:
    """The last `lines` lines of the log (reaching into rotated files when the current one is short)."""
    out: list[str] = []
    for path in reversed(_log_files(log_dir)):
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            out = fh.read().splitlines() + out
        if len(out) >= lines:
            break
    return out[-lines:] if lines > 0 else []


def follow(log_dir: Path, stop: Callable[[], bool], poll_seconds: float = 0.5) -> Iterator[str]:
    """Lines appended to the log from now on, until `stop()` is true; survives rotation and clearing."""
    path = log_file(log_dir)
    position = path.stat().st_size if path.exists() else 0
    identity = path.stat().st_ino if path.exists() else None
    pending = ""
    while not stop():
        if path.exists():
            st = path.stat()
            if st.st_ino != identity or st.st_size < position:
                position, identity, pending = 0, st.st_ino, ""  # rotated or cleared: start from the top
            if st.st_size > position:
                with path.open("r", encoding="utf-8", errors="replace") as fh:
                    fh.seek(position)
                    pending += fh.read()
                    position = fh.tell()
                *complete, pending = pending.split("\n")
                yield from complete
                continue
        time.sleep(poll_seconds)


def clear(log_dir: Path) -> int:
    """Empty the current log and delete rotated ones; returns how many files were touched."""
    touched = 0
    for path in _log_files(log_dir):
        if path.name == LOG_NAME:
            # Truncate rather than delete: a running service keeps writing to the same file (opened appending).
            with path.open("w", encoding="utf-8"):
                pass
        else:
            path.unlink(missing_ok=True)
        touched += 1
    return touched
