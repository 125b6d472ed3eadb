"""The masker behind every log line, console message and stored text: what it hides and what it leaves."""

from __future__ import annotations

import pytest

from bridge import logs


@pytest.fixture(autouse=True)
def no_registered_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test registers its own secrets; the process-wide set is put back afterwards."""
    monkeypatch.setattr(logs, "_secrets", set())


@pytest.mark.parametrize("prose", [False, True])
def test_a_masked_token_keeps_the_closing_parenthesis(prose: bool) -> None:
    text = "sign in at http://127.0.0.1:8470/ (token=Zq8vK2pL-unregistered) and reload."
    assert logs.redact(text, prose=prose) == "sign in at http://127.0.0.1:8470/ (token=***) and reload."


@pytest.mark.parametrize("prose", [False, True])
def test_a_registered_token_keeps_the_punctuation_around_it(prose: bool) -> None:
    token = "Zq8vK2pL4mN7xR1sT9uW3yA6bC0dE5fG"
    logs.register_secret(token)
    assert logs.redact(f"page signed in (token={token}).", prose=prose) == "page signed in (token=***)."
    assert logs.redact(f"token={token}) was refused", prose=prose) == "token=***) was refused"


def test_a_parenthesis_inside_an_unknown_password_is_masked_with_it() -> None:
    # Not registered, no "(" before it: the ")" may be part of the password, so nothing after "=" is shown.
    assert logs.redact("log-in with password=ab)cd failed") == "log-in with password=*** failed"
    assert logs.redact("log-in with password=abcd) failed") == "log-in with password=*** failed"
