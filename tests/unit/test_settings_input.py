"""Settings given odd input: each gets one clear problem naming its key (exit 2), never a traceback or a coercion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.errors import ConfigError
from bridge.settings import check_passwords, load_settings, settings_from_dict

BASE: dict[str, Any] = {
    "labels": {"primary": ["P"], "secondary": ["S"]},
    "links": [{"primary": "P", "secondary": "S"}],
    "sites": [{"name": "p", "uri": "http://ms/", "user": "admin", "password_env": "PW"}],
}
ENV = {"PW": "site-pw"}


def with_(**changes: Any) -> dict[str, Any]:
    data = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in BASE.items()}
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            data.setdefault(section, {})[name] = value
        else:
            data[section] = value
    return data


def problems_of(data: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_dict(data, env=ENV if env is None else env)
    assert info.value.exit_code == 2
    return info.value.problems


def site_with(**values: Any) -> dict[str, Any]:
    return with_(sites=[{"name": "p", "uri": "http://ms/", "user": "admin", "password_env": "PW"} | values])


def test_a_list_as_architecture_is_a_problem_not_a_type_error() -> None:
    problems = problems_of(with_(architecture=[]))
    assert len(problems) == 1 and problems[0].startswith("architecture:")


@pytest.mark.parametrize("word", ["yes", "on", "true", "1"])
def test_booleans_in_the_file_are_not_coerced_from_text(word: str) -> None:
    problems = problems_of(with_(lifecycle__delete=word))
    assert problems == [f"lifecycle.delete: must be true or false, written without quotes, got '{word}'"]


def test_booleans_and_numbers_from_the_environment_are_still_read() -> None:
    env = ENV | {"SMARTSYNC_LIFECYCLE__DELETE": "false", "SMARTSYNC_SYNC__PASSWORD_CHECK_HOURS": "6",
                 "SMARTSYNC_ALLOW_PLAIN_PASSWORD": "TRUE", "SMARTSYNC_SITES__0__USER": "1234"}
    s = settings_from_dict(BASE, env=env)
    assert s.lifecycle.delete is False and s.sync.password_check_hours == 6 and s.allow_plain_password is True
    assert s.sites[0].user == "1234"
    assert problems_of(BASE, ENV | {"SMARTSYNC_LIFECYCLE__DELETE": "yes"})[0].startswith(
        "lifecycle.delete: must be true or false")


def test_a_list_as_a_password_is_refused() -> None:
    data = with_(allow_plain_password=True, sites=[{"name": "p", "uri": "http://ms/", "user": "a",
                                                    "password": ["s3cr3t-in-a-list"]}])
    problems = problems_of(data)
    assert problems == ["sites[0].password: must be text (a quoted string)"]


@pytest.mark.parametrize("hours", [float("inf"), float("nan"), 1e20, 8761])
def test_password_check_hours_must_be_finite_and_at_most_a_year(hours: float) -> None:
    problems = problems_of(with_(sync__password_check_hours=hours))
    assert len(problems) == 1 and problems[0].startswith("sync.password_check_hours:")


def test_unknown_home_folder_and_nul_byte_in_paths() -> None:
    problems = problems_of(with_(service={"store": "~nosuchuser-smartsync/x.db", "log_dir": "lo\0gs"}))
    assert any(p.startswith("service.store:") and "~nosuchuser-smartsync" in p for p in problems)
    assert any(p.startswith("service.log_dir:") and "NUL" in p for p in problems)
    assert len(problems) == 2


def test_password_file_paths_that_cannot_exist(tmp_path: Path) -> None:
    for name, word in (("~nosuchuser-smartsync/pw", "home folder"), ("p\0w", "NUL")):
        problems = problems_of(site_with(password_env=None, password_file=name))
        assert len(problems) == 1 and problems[0].startswith("sites[0].password_file:") and word in problems[0]


def test_a_binary_password_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pw.bin").write_bytes(b"\xff\xfe\x00\x01binary")
    (tmp_path / "two.txt").write_text("line one\nline two\n")
    for name in ("pw.bin", "two.txt"):
        # Passwords are read at log-in (and by check_passwords for serve and config check), not at load.
        settings = settings_from_dict(site_with(password_env=None, password_file=str(tmp_path / name)))
        with pytest.raises(ConfigError) as info:
            check_passwords(settings)
        problems = info.value.problems
        assert len(problems) == 1 and problems[0].startswith("sites[0].password_file:")
    (tmp_path / "ok.txt").write_bytes(b"\xef\xbb\xbfpw-with-bom\r\n")
    s = settings_from_dict(site_with(password_env=None, password_file=str(tmp_path / "ok.txt")))
    assert s.sites[0].password.get_secret_value() == "pw-with-bom"


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "smartsync.toml"
    text = ('[[sites]]\nname = "p"\nuri = "http://ms/"\nuser = "a"\npassword_env = "PW"\n[labels]\n'
            'primary = ["P"]\nsecondary = ["S"]\n[[links]]\nprimary = "P"\nsecondary = "S"\n')
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_settings(path, env=ENV).labels.primary == ["P"]


def test_deeply_nested_toml_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "smartsync.toml"
    path.write_text("a = " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(ConfigError, match="nested"):
        load_settings(path, env=ENV)
    with pytest.raises(ConfigError, match="nested"):
        deep: Any = 1
        for _ in range(40):
            deep = [deep]
        settings_from_dict(with_(x=deep), env=ENV)


def test_not_utf8_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "smartsync.toml"
    path.write_bytes(b'architecture = "\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(path, env=ENV)


@pytest.mark.parametrize("uri", ["http://admin:pw-In-Uri@ms/", "https://admin:pw-In-Uri@ms:443/x",
                                 "ftp://admin:pw-In-Uri@ms/"])
def test_credentials_in_a_uri_are_refused_and_never_echoed(uri: str) -> None:
    problems = problems_of(site_with(uri=uri))
    assert any("password_env" in p and "password_file" in p and p.startswith("sites[0].uri:") for p in problems)
    assert not any("pw-In-Uri" in p for p in problems)


def test_a_uri_that_cannot_be_parsed_is_a_problem() -> None:
    assert problems_of(site_with(uri="http://[ms/"))[0].startswith("sites[0].uri:")
    assert problems_of(site_with(uri="http://ms:port/"))[0].startswith("sites[0].uri:")


def test_cross_key_problems_keep_the_typed_settings_for_the_online_check() -> None:
    data = with_(labels={"primary": ["P", "P"], "secondary": ["S"]})
    with pytest.raises(ConfigError) as info:
        settings_from_dict(data, env=ENV)
    assert info.value.settings is not None and info.value.settings.labels.primary == ["P", "P"]
    with pytest.raises(ConfigError) as typed:
        settings_from_dict(with_(direction="sideways"), env=ENV)
    assert typed.value.settings is None
