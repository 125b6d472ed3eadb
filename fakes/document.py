"""Reading and writing world documents: the one place that touches the files.

Documents are written atomically (temp file in the same folder, then
`os.replace`) so a reader, the C# fake included, never sees half a world.
Small documents are indented for people to read; large ones are compact
because indenting a 100 MB document costs seconds and helps nobody.
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
# Licensed features a management server may lack (ManagementServer.UnlicensedFeatures in the schema).
LICENSED_FEATURES = ("PrivacyMask", "MultistreamRecording")
# ManagementServer.Version: two to four numbers ("24.2", "23.1.0.1234").
VMS_VERSION = re.compile(r"^[0-9]+\.[0-9]+(\.[0-9]+){0,2}$")
# Below this compact size a document is re-encoded with indentation.
INDENT_BELOW_BYTES = 1_000_000
MAX_DEPTH = 64
"""Deepest nesting of objects and arrays a document may have (the C# fake's JsonReader.MaxDepth too). A world
document needs about 12, plus two per level of camera sub-groups; without a limit a hostile file exhausts the
stack (RecursionError here, StackOverflowException in the fake)."""
_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')


class WorldError(Exception):
    """A world, a document or a request to change one is wrong.

    `problems` holds every fault found; the message lists them all, one per
    line, each naming the file and JSON path where that applies.
    """

    def __init__(self, problems: str | list[str], *, headline: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if headline:
            message = headline + "\n" + "\n".join("  " + p for p in self.problems)
        else:
            message = "\n".join(self.problems)
        super().__init__(message)
        self.message = message


@dataclass
class Document:
    """One management server's document: where it lives and its content."""

    path: Path
    data: dict[str, Any]

    @property
    def host(self) -> str:
        return self.path.stem

    @property
    def label(self) -> str:
        """The file as a user would name it in a message: `world/ms-primary.json`."""
        return display_path(self.path)


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def new_id(rng: random.Random) -> str:
    """A lowercase version-4 GUID drawn from `rng`, so a seed fixes every Id."""
    n = rng.getrandbits(128)
    n = (n & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def encode(data: dict[str, Any]) -> bytes:
    """The bytes of a document: same content, same bytes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text) < INDENT_BELOW_BYTES:
        text = json.dumps(data, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def write_atomic(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` through a temp file and a rename; on any failure the temp file is removed, the
    document is left as it was, and a full disk or a refused write is a WorldError naming the file."""
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise WorldError(f"{display_path(path)}: cannot write a file in its folder ({e.strerror}); "
                         "nothing was changed") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the world from a fake running as another user
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise WorldError(f"{display_path(path)}: could not be written ({e.strerror}; is the disk full?); "
                             "the document was left as it was") from None
        raise


def parse(path: Path, raw: bytes) -> dict[str, Any]:
    """Parse a document's bytes; broken JSON becomes a WorldError with line and column."""
    label = display_path(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise WorldError(f"{label}: not UTF-8 text (byte {e.start}); save the file as UTF-8") from None
    if nesting_depth(raw, MAX_DEPTH) > MAX_DEPTH:
        raise WorldError(f"{label}: objects and arrays are nested more than {MAX_DEPTH} levels deep, the limit of a "
                         "world document (a generated one needs about 12); this is not a world document: "
                         "create it again with `python -m fakes create`")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise WorldError(f"{label}: line {e.lineno}, column {e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(data, dict):
        raise WorldError(f"{label}: $: a world document is a JSON object, found {json_type(data)}")
    return data


def nesting_depth(raw: bytes, stop_above: int) -> int:
    """How deeply objects and arrays nest in JSON text (counting stops just above `stop_above`).

    Done on the bytes with C-speed operations (a third of `json.loads`'s time on a 40 MB document) before
    parsing, so a deep document never reaches the recursive parser: escapes go first (an escaped backslash,
    then an escaped quote), then everything but brackets and quotes, then whole strings.
    """
    structure = _STRING.sub(b"", raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE))
    depth = deepest = 0
    for c in structure:
        if c in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def load(path: Path) -> Document:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise WorldError(f"{display_path(path)}: no such document") from None
    return Document(path, parse(path, raw))


def document_paths(folder: str | os.PathLike[str]) -> list[Path]:
    """The documents of a world folder, sorted by name; a clear error if there are none."""
    root = Path(folder)
    if not root.is_dir():
        raise WorldError(f"{display_path(root)}: no such world folder; create one with `python -m fakes create`")
    paths = sorted(p for p in root.glob("*.json") if not p.name.startswith("."))
    if not paths:
        raise WorldError(f"{display_path(root)}: no world documents (*.json) in this folder; "
                         "create a world with `python -m fakes create`")
    return paths


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
