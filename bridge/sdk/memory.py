"""Giving memory back between cycles, for a process that runs many (the service).

A cycle builds hundreds of thousands of SDK objects (.NET) and their Python
snapshot, and drops them all when it ends. Neither runtime is in a hurry to
collect them, nor to hand the freed pages back to the system, so without
help a long-running service's resident size climbs for several cycles
before it levels off, each next cycle piling its objects on top of the last
one's garbage. `release_memory()` collects both heaps at the one moment
nothing is in use, and asks the C allocator to return what it can.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

from bridge.sdk.runtime import loaded

_libc: ctypes.CDLL | None = None


def _malloc_trim() -> bool:
    """glibc's malloc_trim(0): returns free pages of every malloc arena to the system (Linux only)."""
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(_libc.malloc_trim(0))
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim): nothing to trim
        return False


def release_memory() -> None:
    """Full collections of Python's and .NET's heaps, then a malloc trim. Call between cycles, not during one."""
    # Python first: wrappers of .NET objects that are garbage still pin those objects until they are freed.
    # What the bulk decoding froze is given back first, so cyclic garbage frozen with it is found too.
    gc.unfreeze()
    gc.collect()
    if loaded() is not None:
        import System

        System.GC.Collect()
        System.GC.WaitForPendingFinalizers()
        System.GC.Collect()
    _malloc_trim()
