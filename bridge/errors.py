"""The bridge's error types, one per thing a user must do differently.

Every error carries a message written for the administrator (what is wrong
and how to fix it) and the exit code the CLI returns for it. None of them
may carry a secret: messages are built from names, hosts and the VMS's own
text, never from credentials.
"""

from __future__ import annotations

from typing import Any


class BridgeError(Exception):
    """Base of every error SmartSync reports to a user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BridgeError):
    """The configuration (file, environment, CLI arguments) is wrong. Exit 2."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.settings: Any = None
        """The settings as far as they could be read, when every value has its type (only cross-key problems):
        `config check` compares them with the VMS to report those problems in the same run."""


class PasswordUnavailable(ConfigError):
    """A site's password source cannot be read at log-in time (variable unset, file missing). Exit 2.

    The service treats it like a refused log-in: no cycle runs, the status says why, it tries again later.
    """


class SdkLoadError(BridgeError):
    """The .NET runtime or the SDK assemblies cannot be loaded. Exit 3."""

    exit_code = 3


class ConnectError(BridgeError):
    """A management server cannot be reached or refuses the log-in. Exit 3."""

    exit_code = 3

    def __init__(self, message: str, server: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.server = server
        self.cause = cause


class VmsError(BridgeError):
    """The VMS rejected one operation; `vms_text` is its own wording."""

    exit_code = 1

    def __init__(self, message: str, vms_text: str = "", errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.vms_text = vms_text or message
        self.errors = errors or []
        """(property, text) pairs from a validate result, when the VMS gave them."""


class GuardTripped(BridgeError):
    """The delete guard refused the cycle. Exit 4."""

    exit_code = 4


class CycleRunning(BridgeError):
    """Another cycle holds the store's cycle lock. Exit 5."""

    exit_code = 5


class StoreBusy(BridgeError):
    """Another process kept the store locked past the wait (it is writing; nothing is wrong). Exit 5."""

    exit_code = 5


class StoreError(BridgeError):
    """The store cannot be used as it is: its disk is full, it cannot be written, or it is damaged. Exit 1.

    The message says what to do and never suggests a step that loses what the store knows without saying so.
    """

    exit_code = 1


class StoreFull(StoreError):
    """The disk holding the store is full. Exit 1."""


class Interrupted(BridgeError):
    """A stop request (SIGTERM, Ctrl-C) ended the cycle between two steps; nothing was half-written. Exit 130."""

    exit_code = 130


class ServiceRunning(BridgeError):
    """Another `smartsync serve` already runs on this store. Exit 5 (busy, like a running cycle)."""

    exit_code = 5
