"""Fixtures for every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge import logs


@pytest.fixture(autouse=True)
def _registered_secrets_stay_in_their_test() -> Iterator[None]:
    """Secrets a test registers with the log masker are forgotten after it.

    The masker's set is process-wide; a weak password one test uses ("pw") would otherwise mask that word
    in the messages of every later test ("dr.pw" -> "dr.***").
    """
    before = set(logs._secrets)
    yield
    with logs._secrets_lock:
        logs._secrets.clear()
        logs._secrets.update(before)
