"""The one rule for settings that hold credentials: which keys look secret, and their values masked (pure).

A driver setting such as "RtspPwd", "ApiKey" or "AccessToken" is copied to the
target like any other (that is the sync's job), but its value is never shown or
kept in plain text: every representation of an action (`Action.to_json`, so
reports, plans, pages and API answers), the journal and the target-edit notes
pass their values through `mask_secret_values`. The read helper already leaves
out every key containing "Password" (dotnet/interop), so those never get here.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
"""What a masked secret is shown as."""

SECRET_KEY = re.compile(r"(?i)pass(word|wd)?|pwd|secret|token|api[_-]?key")
"""A key naming a credential: anywhere in it, any case ("RtspPwd", "client_secret", "ApiKey", "AccessToken")."""


def is_secret_key(key: object) -> bool:
    """Whether values under this key are credentials."""
    return isinstance(key, str) and SECRET_KEY.search(key) is not None


def _maskable(value: Any) -> bool:
    # A number or text is masked; an empty text, a flag or a nested structure is not (nothing to hide, or looked
    # into key by key).
    return isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""


def mask_secret_values(value: Any) -> Any:
    """A copy of a JSON-like value with every value under a secret-looking key (at any depth) replaced by MASK."""
    if isinstance(value, dict):
        return {k: MASK if is_secret_key(k) and _maskable(v) else mask_secret_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_secret_values(v) for v in value]
    return value
