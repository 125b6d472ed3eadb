"""The masker behind every log line, console message and stored text: what it hides and what it leaves."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

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


def test_a_short_password_is_masked_only_where_it_stands_alone() -> None:
    logs.register_secret(SecretStr("abc"))
    text = "Recorder abc: abcd hardware 'Cabc 1' (tab, abc1) logged in as admin:abc@ms"
    assert logs.redact(text) == "Recorder ***: abcd hardware 'Cabc 1' (tab, abc1) logged in as admin:***@ms"


def test_a_two_letter_password_is_masked_too() -> None:
    logs.register_secret(SecretStr("ab"))
    assert logs.redact("log-in as admin with ab refused; absent") == "log-in as admin with *** refused; absent"


def test_a_short_password_with_punctuation_at_its_edge_is_masked_wherever_that_edge_is() -> None:
    # "!x" ends in a letter: nothing may follow it; it starts with "!", so any letter may stand before it.
    logs.register_secret(SecretStr("!x"))
    assert logs.redact("sent a!x and a!xy") == "sent a*** and a!xy"


def test_a_one_letter_password_still_never_reaches_a_line() -> None:
    logs.register_secret(SecretStr("7"))
    assert logs.redact("log-in failed with 7 for admin") == "log-in failed with *** for admin"
    assert logs.redact("17 cameras") == "17 cameras"


def test_a_long_password_is_masked_even_inside_other_text() -> None:
    logs.register_secret(SecretStr("Hunter2-very-secret"))
    assert logs.redact("sent xHunter2-very-secretx") == "sent x***x"
