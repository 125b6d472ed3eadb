"""Credentials the journal must keep (to re-create deleted hardware), encrypted with a key outside the store.

The key is a Fernet key (the `cryptography` package: AES in CBC mode with an
HMAC, and no hand-written crypto) in its own file, by default the store's
path + ".key", created on first use readable by its owner only (0600). A
copy of the store alone therefore holds no usable credential. Without the
key file a revert cannot re-create hardware with its password, and says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from bridge.errors import ConfigError


def secrets_path(settings: Any, store_path: Path) -> Path:
    """Where the key lives: `[service] secrets_file`, else next to the store (its file name + ".key")."""
    configured = getattr(getattr(settings, "service", None), "secrets_file", None)
    store = Path(store_path)
    return Path(configured) if configured else store.with_name(store.name + ".key")


class SecretBox:
    """Seals and opens secrets with the key in `path` (created, 0600, when first sealing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _key(self, create: bool) -> bytes:
        try:
            return self.path.read_bytes().strip()
        except FileNotFoundError:
            if not create:
                raise ConfigError(
                    f"the key file {self.path} that encrypts the credentials kept in the journal is missing; restore "
                    f"it from the backup made with the store, or point [service] secrets_file at it") from None
        except OSError as exc:
            raise ConfigError(f"cannot read the key file {self.path} ({exc.strerror}); give the user running "
                              f"SmartSync read access to it") from None
        key = Fernet.generate_key()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.path.read_bytes().strip()  # another process made it first: use theirs
        except OSError as exc:
            raise ConfigError(f"cannot create the key file {self.path} ({exc.strerror}); give the user running "
                              f"SmartSync write access to its folder, or point [service] secrets_file elsewhere") \
                from None
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key

    def seal(self, secret: SecretStr) -> str:
        """The secret encrypted (a text token safe to store)."""
        return Fernet(self._key(create=True)).encrypt(secret.get_secret_value().encode()).decode("ascii")

    def open(self, token: str) -> SecretStr:
        """The secret a token holds; ConfigError when the key file is missing or is not the one it was sealed with."""
        try:
            return SecretStr(Fernet(self._key(create=False)).decrypt(token.encode("ascii")).decode())
        except (InvalidToken, ValueError):
            raise ConfigError(f"the key file {self.path} does not open the credentials kept in the journal (it is "
                              f"not the key they were encrypted with); restore the key made with the store") from None
