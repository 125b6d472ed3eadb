"""Settings: what an administrator sees for a good file, a bad file, the environment, and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.errors import ConfigError
from bridge.kinds.registry import KINDS
from bridge.settings import check_passwords, load_settings, settings_from_dict

GOOD = """
architecture = "independent"
direction = "backup"

[sdk]
folder = "sdk"
fake_world = "demo/world"

[[sites]]
name = "primary"
uri = "http://ms-primary/"
user = "admin"
password_env = "PW_PRIMARY"

[[sites]]
name = "secondary"
uri = "http://ms-dr/"
user = "admin"
password_file = "secrets/dr.txt"
auth = "Negotiate"

[labels]
primary = ["Recorder P1", "Recorder P2"]
secondary = ["Recorder S1"]

[[links]]
primary = "Recorder P1"
secondary = "Recorder S1"

[[links]]
primary = "Recorder P2"
secondary = "Recorder S1"

[[storage_links]]
primary = "Recorder P1"
secondary = "Recorder S1"
map = { "30-Day Local" = "90-Day DR" }

[lifecycle]
move = true

[sync]
camera_ptz = false

[selection]
groups = ["/Parking"]

[service]
store = "state/smartsync.db"
"""

SECRET = "s3cr3t-Pa55"


def write(tmp_path: Path, text: str = GOOD) -> Path:
    (tmp_path / "secrets").mkdir(exist_ok=True)
    (tmp_path / "secrets" / "dr.txt").write_text("dr-password\n")
    path = tmp_path / "smartsync.toml"
    path.write_text(text)
    return path


def problems_of(data: dict[str, object], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_dict(data, env=env or {})
    assert info.value.exit_code == 2
    return info.value.problems


def test_good_file_loads_with_resolved_paths_and_passwords(tmp_path: Path) -> None:
    path = write(tmp_path)
    s = load_settings(path, env={"PW_PRIMARY": SECRET})
    assert s.architecture == "independent" and s.direction == "backup" and s.mode == "auto"
    assert [site.name for site in s.sites] == ["primary", "secondary"]
    assert s.sites[0].password.get_secret_value() == SECRET
    assert s.sites[1].password.get_secret_value() == "dr-password"  # the editor's newline is not part of it
    assert s.sites[1].auth == "Negotiate"
    assert s.sdk.folder == tmp_path / "sdk" and s.sdk.fake_world == tmp_path / "demo" / "world"
    assert s.service.store == tmp_path / "state" / "smartsync.db" and s.service.log_dir == tmp_path / "logs"
    assert s.config_path == path
    assert (s.lifecycle.add, s.lifecycle.move, s.lifecycle.replace, s.lifecycle.delete) == (True, True, False, True)
    assert s.sync.camera_ptz is False and s.sync.camera_streams is True
    assert s.selection.groups == ["/Parking"] and not s.selection.is_all
    assert s.guard.max_delete_share == 0.10


def test_path_defaults_to_env_then_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path)
    assert load_settings(None, env={"SMARTSYNC_CONFIG": str(path), "PW_PRIMARY": "x"}).config_path == path
    monkeypatch.chdir(tmp_path)
    assert load_settings(None, env={"PW_PRIMARY": "x"}).config_path == path


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml", env={})
    assert "nope.toml" in info.value.message and "smartsync.example.toml" in info.value.problems[0]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "smartsync.toml"
    path.write_text('direction = "backup"\nmode = \n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert "line 2" in info.value.problems[0]


def test_environment_overrides(tmp_path: Path) -> None:
    path = write(tmp_path)
    env = {"PW_PRIMARY": "x", "SMARTSYNC_GUARD__MAX_DELETE_SHARE": "0.25", "SMARTSYNC_DIRECTION": "restore",
           "SMARTSYNC_LIFECYCLE__REPLACE": "true", "SMARTSYNC_SITES__1__USER": "dr-admin",
           "SMARTSYNC_LABELS__SECONDARY": '["Recorder S1", "Recorder S9"]', "SMARTSYNC_FAKE_WORLD": "ignored"}
    s = load_settings(path, env=env)
    assert s.guard.max_delete_share == 0.25 and s.direction == "restore" and s.lifecycle.replace is True
    assert s.sites[1].user == "dr-admin" and s.labels.secondary == ["Recorder S1", "Recorder S9"]


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"PW_PRIMARY": "x", "SMARTSYNC_GUARD__MAX_DELETE_SHARE": "lots",
                                 "SMARTSYNC_GAURD__MAX_DELETE_SHARE": "0.2"})
    text = "\n".join(info.value.problems)
    assert "guard.max_delete_share" in text and "SMARTSYNC_GUARD__MAX_DELETE_SHARE" in text
    assert "SMARTSYNC_GAURD__MAX_DELETE_SHARE" in text and "did you mean `guard`" in text


def test_one_value_where_a_list_belongs_shows_the_list_to_write(tmp_path: Path) -> None:
    # pydantic's "Input should be a valid list" did not say how to write one, in TOML or in the environment.
    path = write(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"PW_PRIMARY": "x", "SMARTSYNC_LABELS__SECONDARY": "Recorder S1"})
    text = "\n".join(info.value.problems)
    assert 'labels.secondary: must be a list in square brackets, e.g. ["Recorder S1"]' in text, text
    assert """write it as JSON: SMARTSYNC_LABELS__SECONDARY='["Recorder S1"]'""" in text, text
    assert "Input should be" not in text


def test_every_static_problem_is_reported_at_once_with_its_key() -> None:
    data = {
        "architecture": "independent",
        "mode": "manual",
        "sdk": {"runtim": "mono"},
        "sites": [{"name": "p", "uri": "ms-primary", "user": "admin", "password_env": "UNSET_VAR"}],
        "labels": {"primary": ["P1", "P1"], "secondary": ["P1"]},
        "links": [{"primary": "P1", "secondary": "S1"}, {"primary": "P1", "secondary": "S2"}],
        "lifecycle": {"delet": True},
        "guard": {"max_delete_share": 1.5},
    }
    problems = problems_of(data)
    expected = [
        "sites: architecture = \"independent\" needs two [[sites]]",
        "sites[0].uri: 'ms-primary' is not an http:// or https:// address",
        "sdk.runtim: unknown key (did you mean `runtime`?)",
        "lifecycle.delet: unknown key (did you mean `delete`?)",
        "guard.max_delete_share: must be a share between 0 and 1",
        "labels.primary[1]: 'P1' is listed twice",
        "labels.secondary[0]: 'P1' is also labelled in labels.primary[0]",
        "links: [[links]] are for mode = \"auto\"",
        "camera_map: mode = \"manual\" needs [camera_map] entries",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)


def test_auto_mode_problems() -> None:
    problems = problems_of({
        "sites": [{"name": "p", "uri": "http://ms/", "user": "a", "password_env": "PW"}],
        "labels": {"primary": ["P1", "P2"], "secondary": ["S1"]},
        "links": [{"primary": "P1", "secondary": "S1"}, {"primary": "P1", "secondary": "S1"},
                  {"primary": "S1", "secondary": "P2"}],
        "camera_map": {"Front door": ["S1"]},
    }, env={"PW": "x"})
    for fragment in ("links[1].primary: 'P1' is already linked in links[0]",
                     "links[2].primary: 'S1' is labelled secondary", "links[2].secondary: 'P2' is labelled primary",
                     "camera_map: [camera_map] is for mode = \"manual\""):
        assert any(fragment in p for p in problems), (fragment, problems)


def test_missing_labels_and_links() -> None:
    problems = problems_of({"sites": [{"name": "p", "uri": "http://ms/", "password_env": "PW"}]}, env={"PW": "x"})
    assert any(p.startswith("labels.primary: no recorder is labelled primary") for p in problems)
    assert any(p.startswith("labels.secondary: no recorder is labelled secondary") for p in problems)
    assert any(p.startswith("links: mode = \"auto\" needs one [[links]]") for p in problems)


def test_password_sources() -> None:
    base = {"labels": {"primary": ["P"], "secondary": ["S"]}, "links": [{"primary": "P", "secondary": "S"}]}
    no_source = problems_of({**base, "sites": [{"name": "p", "uri": "http://ms/", "user": "admin"}]})
    assert any("sites[0]: no password source for admin on http://ms/" in p for p in no_source)
    two = problems_of({**base, "sites": [{"name": "p", "uri": "http://ms/", "password_env": "A",
                                          "password_file": "f"}]})
    assert any("give one password source" in p for p in two)
    # Windows integrated log-on needs no password.
    s = settings_from_dict({**base, "sites": [{"name": "p", "uri": "http://ms/", "auth": "Negotiate"}]})
    assert s.sites[0].password.get_secret_value() == ""


def test_plain_password_only_when_allowed_and_never_shown() -> None:
    base = {"labels": {"primary": ["P"], "secondary": ["S"]}, "links": [{"primary": "P", "secondary": "S"}],
            "sites": [{"name": "p", "uri": "http://ms/", "user": "admin", "password": SECRET}]}
    problems = problems_of(base)
    assert any("sites[0].password: a plain password in the configuration is refused" in p for p in problems)
    assert not any(SECRET in p for p in problems)
    s = settings_from_dict({**base, "allow_plain_password": True})
    assert s.sites[0].password.get_secret_value() == SECRET
    for text in (str(s), repr(s), s.model_dump_json(), str(s.sites[0]), repr(s.sites[0])):
        assert SECRET not in text


def test_secret_never_in_messages_even_when_other_things_fail(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('direction = "backup"', 'direction = "sideways"'))
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"PW_PRIMARY": SECRET, "SMARTSYNC_SITES__0__PASSWORD": SECRET})
    everything = info.value.message + "\n".join(info.value.problems) + str(info.value) + repr(info.value)
    assert SECRET not in everything
    assert any("SMARTSYNC_SITES__0__PASSWORD" in p for p in info.value.problems) or any(
        "give one password source" in p for p in info.value.problems)


def test_unreadable_password_file_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path)
    (tmp_path / "secrets" / "dr.txt").unlink()
    settings = load_settings(path, env={"PW_PRIMARY": "x"})  # loads: nothing here logs in
    with pytest.raises(ConfigError) as info:
        check_passwords(settings)
    assert any(p.startswith("sites[1].password_file: cannot read") and "dr.txt" in p for p in info.value.problems)
    with pytest.raises(ConfigError) as at_login:
        settings.sites[1].password.get_secret_value()
    assert at_login.value.message.startswith("sites[1].password_file: cannot read")


def test_a_password_is_read_only_when_a_log_in_asks_for_it(tmp_path: Path) -> None:
    """Read-only commands load the settings without the password; a log-in reads it, afresh each time."""
    path = write(tmp_path)
    settings = load_settings(path, env={})  # PW_PRIMARY not set: loading still works
    assert settings.sites[0].password_env == "PW_PRIMARY"
    with pytest.raises(ConfigError) as info:
        settings.sites[0].password.get_secret_value()
    assert info.value.exit_code == 2
    assert "sites[0].password_env: the environment variable PW_PRIMARY is not set" in info.value.message
    with pytest.raises(ConfigError) as every:
        check_passwords(settings)
    assert every.value.problems == [info.value.message]
    # A changed password file is what the next log-in gets (`service restart` relies on it).
    (tmp_path / "secrets" / "dr.txt").write_text("changed-password\n", encoding="utf-8")
    assert settings.sites[1].password.get_secret_value() == "changed-password"
    for text in (repr(settings), str(settings), settings.model_dump_json(), repr(settings.sites[1]._source)):
        assert "changed-password" not in text and "dr-password" not in text


def test_sync_switch_lookup() -> None:
    s = settings_from_dict({"labels": {"primary": ["P"], "secondary": ["S"]},
                            "links": [{"primary": "P", "secondary": "S"}],
                            "sites": [{"name": "p", "uri": "http://ms/", "auth": "Negotiate"}],
                            "sync": {"camera_storage": False, "microphone": False}})
    on = {k.name: k.enabled(s.sync) for k in KINDS}
    assert "storage" not in on["camera"] and "general" in on["camera"]
    assert "general" not in on["microphone"] and "general" in on["input"]
    assert "driver_settings" in on["hardware"] and "password" in on["password"]


def test_example_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "smartsync.example.toml"
    s = load_settings(example, env={"SMARTSYNC_PASSWORD_PRIMARY": "x"})
    assert s.selection.is_all and s.storage_links[0].map == {"30-Day Local": "90-Day DR"}


def test_site_count_follows_the_architecture() -> None:
    two_sites = [{"name": n, "uri": f"http://{n}/", "auth": "Negotiate"} for n in ("parent", "other")]
    base = {"labels": {"primary": ["P"], "secondary": ["S"]}, "links": [{"primary": "P", "secondary": "S"}]}
    problems = problems_of({**base, "architecture": "federated", "sites": two_sites})
    assert any("sites: architecture = \"federated\" needs one [[sites]]: the parent" in p for p in problems)
    s = settings_from_dict({**base, "architecture": "independent", "sites": two_sites})
    assert [site.name for site in s.sites] == ["parent", "other"]
