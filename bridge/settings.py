"""The administrator's configuration: `smartsync.toml`, overridable by environment variables.

`load_settings()` reads the TOML file, applies `SMARTSYNC_<SECTION>__<KEY>`
overrides from the environment, checks every password source and resolves
every relative path (relative to the TOML file's folder), and returns a
validated `Settings`. A password itself is read only when a log-in asks for
it (`site.password`, read afresh each time): commands that never log in
(`status`, `history`, `schedule`, `log`, `service`) run without it, and a
running service picks up a changed password file at its next log-in.
`check_passwords()` reads them all now (for `serve` and `config check`).
Anything wrong is reported in ONE `ConfigError` whose `problems` list every
problem found, each naming the TOML key (`links[2].secondary`)
and how to fix it. Passwords are `SecretStr` from the moment they are read
and never appear in a message or a repr.

Checks here are *static*: they need no VMS. Checks against the recorders
that really exist live in `bridge.topology`.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, create_model

from bridge.errors import ConfigError, PasswordUnavailable
from bridge.kinds.base import Switch
from bridge.kinds.registry import SWITCHES
from bridge.logs import redact, register_secret

DEFAULT_FILE = "smartsync.toml"
ENV_PREFIX = "SMARTSYNC_"


MAX_DEPTH = 16
"""Deepest nesting of tables and arrays accepted; a real configuration needs 4."""

MAX_PASSWORD_CHECK_HOURS = 8760.0
"""One year: a longer interval means "never", which is `sync.hardware_password = false`."""

# A path is written as text in TOML; strict mode would demand a Path object.
TomlPath = Annotated[Path, Field(strict=False)]


class _Section(BaseModel):
    # Unknown keys are typos far more often than intent: refuse them. Strict: "yes" is not a boolean and a list
    # is not a password; a value is used as written or refused, never coerced.
    model_config = ConfigDict(extra="forbid", strict=True)


class SdkSettings(_Section):
    runtime: Literal["mono", "netfx", "coreclr"] | None = None
    """None: the environment (SMARTSYNC_RUNTIME), then the platform default (netfx on Windows, mono elsewhere)."""
    folder: TomlPath = Path("build/sdk")
    fake_world: TomlPath | None = None


@dataclass(frozen=True, slots=True)
class PasswordSource:
    """Where one site's password comes from; `read()` fetches it (never kept here, except a plain one)."""

    key: str
    """The site's TOML key, e.g. "sites[0]", for messages."""
    who: str
    """"admin on http://ms-primary/", for messages."""
    env: Mapping[str, str] = field(repr=False)
    plain: SecretStr | None = None
    env_name: str | None = None
    file: Path | None = None

    def read(self) -> SecretStr:
        """The password now (PasswordUnavailable, a ConfigError naming the key, when it cannot be read)."""
        if self.plain is not None:
            secret = self.plain
        elif self.env_name is not None:
            if self.env_name not in self.env:
                raise PasswordUnavailable(
                    f"{self.key}.password_env: the environment variable {self.env_name} is not set; set it to the "
                    f"password of {self.who}, or use password_file")
            secret = SecretStr(self.env[self.env_name])
        elif self.file is not None:
            password, problem = read_password_file(str(self.file), self.file.parent)
            if problem is not None:
                raise PasswordUnavailable(f"{self.key}.password_file: {problem}; it must hold the password of "
                                          f"{self.who}")
            secret = SecretStr(password)
        else:
            return SecretStr("")
        # From the moment a password is read, every log line masks it, whoever logs.
        register_secret(secret)
        return secret


class SiteSettings(_Section):
    """One management server to log in to."""

    name: str
    uri: str
    user: str = ""
    auth: Literal["Basic", "Negotiate"] = "Basic"
    password_env: str | None = None
    password_file: TomlPath | None = None
    _source: PasswordSource | None = PrivateAttr(default=None)

    def credentials_hint(self) -> str:
        """Where this site's user and password are set, for a refused log-in: "sites[0].user or the password in ..."."""
        source = self._source
        if source is None:
            return ""
        if source.env_name is not None:
            where = f"the environment variable {source.env_name} ({source.key}.password_env)"
        elif source.file is not None:
            where = f"the file {source.file} ({source.key}.password_file)"
        else:
            where = f"{source.key}.password"
        return f"{source.key}.user or the password in {where}"

    @property
    def password(self) -> SecretStr:
        """The password, read now from its source (PasswordUnavailable naming the key when it cannot be read)."""
        return SecretStr("") if self._source is None else self._source.read()


class LabelSettings(_Section):
    primary: list[str] = Field(default_factory=list)
    secondary: list[str] = Field(default_factory=list)


class LinkSettings(_Section):
    primary: str
    secondary: str


class StorageLinkSettings(_Section):
    primary: str
    secondary: str
    map: dict[str, str] = Field(default_factory=dict)


class LifecycleSettings(_Section):
    add: bool = True
    move: bool = False
    replace: bool = False
    delete: bool = True


class SyncSettingsBase(_Section):
    """Settings sync: one switch per entry of `bridge.kinds.registry.SWITCHES` (added by `SyncSettings`)."""

    password_check_hours: float = Field(default=24.0, ge=0.0, le=MAX_PASSWORD_CHECK_HOURS, allow_inf_nan=False)
    """How often passwords are compared: reading one costs a VMS task (~3 round trips) per hardware per side,
    so they are not read every cycle. 0 = every cycle."""
    role_names: list[str] = Field(default_factory=list)
    """The roles `sync.roles` copies, by name (a name the source does not have is a configuration error)."""
    role_permission_check_hours: float = Field(default=24.0, ge=0.0, le=MAX_PASSWORD_CHECK_HOURS,
                                               allow_inf_nan=False)
    """How often the chosen roles' camera permissions are read: one round trip per role per camera per side, so
    not every cycle (new cameras and roles are read at once). 0 = every cycle."""
    target_edits: Literal["overwrite", "keep", "stop"] = "overwrite"
    """A value edited by hand on the target since SmartSync wrote it: overwrite it, keep it, or stop for that item
    (bridge.edits)."""
    microphone: bool = True
    speaker: bool = True
    metadata: bool = True
    input: bool = True
    output: bool = True

    def on(self, switch: Switch) -> bool:
        """Whether a switch of the registry is on."""
        return bool(getattr(self, switch.key))


if TYPE_CHECKING:
    SyncSettings = SyncSettingsBase
else:
    # The switches come from the registry, so a new kind is a new key without touching this module.
    SyncSettings = create_model(
        "SyncSettings", __base__=SyncSettingsBase, __module__=__name__,
        **{s.key: (bool, Field(default=s.default, description=s.label)) for s in SWITCHES})


class SelectionSettings(_Section):
    """Which devices settings sync covers: all, or the union of names, ids and device groups."""

    devices: Literal["all"] | None = None
    names: list[str] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @property
    def is_all(self) -> bool:
        return not (self.names or self.ids or self.groups)


class GuardSettings(_Section):
    max_delete_share: float = Field(default=0.10, ge=0.0, le=1.0, allow_inf_nan=False)
    min_deletes: int = Field(default=5, ge=0)
    """This many deletions or fewer never trip the share rule (on a small site one delete is a large share)."""


class ServiceSettings(_Section):
    store: TomlPath = Path("smartsync.db")
    log_dir: TomlPath = Path("logs")
    secrets_file: TomlPath | None = None
    """The key that encrypts credentials the journal keeps (default: the store's path + ".key"), never in the store."""


class WebSettings(_Section):
    """Where `smartsync serve` offers the Redundancy Configuration page and its API."""

    host: str = "127.0.0.1"
    """Loopback only by default: the page changes the VMS; open it wider only behind a TLS proxy."""
    port: int = Field(default=8470, ge=1, le=65535)
    token_file: TomlPath | None = None
    """A file holding the service token (else the environment variable SMARTSYNC_SERVICE_TOKEN)."""


class Settings(_Section):
    architecture: Literal["single-site", "federated", "independent"] = "single-site"
    direction: Literal["backup", "restore"] = "backup"
    mode: Literal["auto", "manual"] = "auto"
    allow_plain_password: bool = False
    sdk: SdkSettings = Field(default_factory=SdkSettings)
    sites: list[SiteSettings] = Field(default_factory=list)
    labels: LabelSettings = Field(default_factory=LabelSettings)
    links: list[LinkSettings] = Field(default_factory=list)
    storage_links: list[StorageLinkSettings] = Field(default_factory=list)
    camera_map: dict[str, list[str]] = Field(default_factory=dict)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    selection: SelectionSettings = Field(default_factory=SelectionSettings)
    guard: GuardSettings = Field(default_factory=GuardSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    config_path: TomlPath = Path(DEFAULT_FILE)
    """The file these settings came from (absolute); not a TOML key."""
    _from_env: dict[str, str] = PrivateAttr(default_factory=dict)

    def set_through(self, key: str) -> str:
        """" (set through SMARTSYNC_...)" when the environment gave `key` ("service.store"), else ""."""
        var = self._from_env.get(key)
        return f" (set through {var})" if var else ""


# Where each TOML table's valid keys live, to suggest the nearest one for a typo.
_SECTIONS: dict[str, type[BaseModel]] = {
    "": Settings,
    "sdk": SdkSettings,
    "sites[]": SiteSettings,
    "labels": LabelSettings,
    "links[]": LinkSettings,
    "storage_links[]": StorageLinkSettings,
    "lifecycle": LifecycleSettings,
    "sync": SyncSettings,
    "selection": SelectionSettings,
    "guard": GuardSettings,
    "service": ServiceSettings,
    "web": WebSettings,
}
_NOT_TOML_KEYS = {"config_path"}
_TOP_SCALARS = ("architecture", "direction", "mode", "allow_plain_password")
_SITE_COUNT = {"single-site": 1, "federated": 1, "independent": 2}


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, override, resolve and validate the configuration; raise ConfigError listing every problem.

    `path` defaults to env `SMARTSYNC_CONFIG`, then `./smartsync.toml`.
    """
    env = os.environ if env is None else env
    if path is None:
        path = Path(env.get(ENV_PREFIX + "CONFIG") or DEFAULT_FILE)
    problem = path_problem(path)
    if problem:
        raise ConfigError(f"the configuration file name {str(path)!r} {problem}",
                          ["give --config / SMARTSYNC_CONFIG the path of your smartsync.toml"])
    path = path.expanduser().absolute()
    if not path.is_file():
        raise ConfigError(
            f"no configuration file at {path}",
            [f"create {path} (start from smartsync.example.toml) or point SMARTSYNC_CONFIG / --config at yours"],
        )
    try:
        # utf-8-sig: Notepad saves UTF-8 with a byte order mark; it is not part of the text.
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read", [f"{exc.strerror or exc.__class__.__name__}: check the "
                                                     f"file's permissions"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text", [f"byte {exc.start} cannot be decoded: save the file as "
                                                        f"UTF-8"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML", [f"{exc}: fix the syntax at that place"]) from None
    except RecursionError:
        raise ConfigError(f"{path} is not a usable configuration", [f"tables or arrays are nested more than "
                                                                    f"{MAX_DEPTH} deep; flatten them"]) from None
    return settings_from_dict(data, base_dir=path.parent, env=env, config_path=path)


def path_problem(path: Path | str) -> str | None:
    """Why `path` cannot name a file on this machine (a NUL byte, an unknown ~user), or None when it can."""
    text = str(path)
    if "\0" in text:
        return "holds a NUL character"
    try:
        Path(text).expanduser()
    except RuntimeError:
        return f"starts with {text.split('/')[0].split(os.sep)[0]!r}, but that user's home folder is unknown"
    return None


def settings_from_dict(
    data: Mapping[str, Any],
    base_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Validate an already parsed TOML document (tests and tools build settings this way).

    `env` defaults to no environment at all, so a test is not affected by the machine it runs on.
    """
    env = {} if env is None else env
    base_dir = (base_dir or Path.cwd()).absolute()
    if _too_deep(data):
        raise ConfigError("the configuration is nested too deep", [f"tables or arrays are nested more than "
                                                                   f"{MAX_DEPTH} deep; flatten them"])
    raw = _plain_copy(data)
    problems: list[str] = []
    from_env = _apply_env(raw, env, problems)
    for key in _NOT_TOML_KEYS & set(raw):
        problems.append(f"{key}: not a configuration key; remove it")
        del raw[key]
    sources = _password_sources(raw, env, base_dir, problems, from_env)
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_describe(err, from_env) for err in exc.errors())
    problems.extend(_cross_checks(raw))
    path_problems = _path_problems(settings) if settings is not None else []
    problems.extend(path_problems)
    if problems:
        # Whatever a value held, a problem's text never carries a secret (a URI's password, a token).
        error = ConfigError(_headline(problems, config_path), _dedupe([redact(p, prose=True) for p in problems]))
        if settings is not None and not path_problems:
            # Every value has its type: `config check` can still compare the file with the VMS and list those
            # problems too, instead of hiding them behind these.
            _resolve_paths(settings, base_dir)
            settings.config_path = (config_path or base_dir / DEFAULT_FILE).absolute()
            _attach_sources(settings, sources)
            settings._from_env = from_env
            error.settings = settings
        raise error
    assert settings is not None
    _resolve_paths(settings, base_dir)
    settings.config_path = (config_path or base_dir / DEFAULT_FILE).absolute()
    _attach_sources(settings, sources)
    settings._from_env = from_env
    return settings


def _attach_sources(settings: Settings, sources: list[PasswordSource | None]) -> None:
    """Give each site its password source: read at log-in (which registers it with the log masking)."""
    for site, source in zip(settings.sites, sources, strict=False):
        site._source = source


def check_passwords(settings: Settings) -> None:
    """Read every site's password now; one ConfigError listing each that cannot be read.

    For commands that will log in later (`serve`) or promise to check everything (`config check`).
    """
    problems: list[str] = []
    for site in settings.sites:
        try:
            site.password.get_secret_value()
        except ConfigError as exc:
            problems.append(exc.message)
    if problems:
        raise ConfigError(_headline(problems, getattr(settings, "config_path", None)), problems)


def short_password_warnings(settings: Settings) -> list[str]:
    """One warning per site whose password is too short for the log masker to hide inside other text.

    Such a password is still masked wherever it stands as a word of its own (see `bridge.logs.redact`); it is
    not refused, because it is the VMS's password, which SmartSync does not choose. Call after
    `check_passwords`, so every password here can be read.
    """
    from bridge.logs import SAFE_SECRET_LENGTH

    out = []
    for site in settings.sites:
        source = site._source
        if source is None:
            continue
        try:
            length = len(source.read().get_secret_value())
        except ConfigError:
            continue  # reported by check_passwords
        if 0 < length < SAFE_SECRET_LENGTH:
            out.append(f"{source.key}: the password of {source.who} is shorter than {SAFE_SECRET_LENGTH} "
                       f"characters, so logs and messages mask it only where it stands as a word of its own "
                       f"(masking it inside other words would blank ordinary text); give that user a password of "
                       f"at least {SAFE_SECRET_LENGTH} characters on the VMS and in its password source")
    return out


def _headline(problems: list[str], config_path: Path | None) -> str:
    where = f" in {config_path}" if config_path else ""
    n = len(problems)
    return f"{n} problem{'s' if n != 1 else ''}{where}"


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _too_deep(value: Any) -> bool:
    """True when tables/arrays nest deeper than MAX_DEPTH (checked without recursion, whatever the depth)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list | tuple):
            stack.extend((v, depth + 1) for v in node)
    return False


def _plain_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_copy(v) for v in value]
    return value


# --- environment overrides -------------------------------------------------------------------------------------


def _apply_env(raw: dict[str, Any], env: Mapping[str, str], problems: list[str]) -> dict[str, str]:
    """Apply SMARTSYNC_<SECTION>__<KEY> (and SMARTSYNC_<TOPKEY>) overrides; return key path -> variable name."""
    from_env: dict[str, str] = {}
    for var in sorted(env):
        if not var.startswith(ENV_PREFIX):
            continue
        rest = var[len(ENV_PREFIX):].lower()
        value = _env_value(env[var], rest.split("__"))
        if "__" not in rest:
            # Other SMARTSYNC_* variables (CONFIG, FAKE_WORLD, password variables) are not overrides.
            if rest in _TOP_SCALARS:
                raw[rest] = value
                from_env[rest] = var
            continue
        parts = rest.split("__")
        section = parts[0]
        valid = [k for k in Settings.model_fields if k not in _NOT_TOML_KEYS and k not in _TOP_SCALARS]
        if section not in valid or any(not p for p in parts):
            problems.append(f"environment variable {var}: no configuration key {'.'.join(parts)}"
                            f"{_suggest(section, valid)}; rename or unset it")
            continue
        key = _set_path(raw, parts, value)
        if key is None:
            problems.append(f"environment variable {var}: {'.'.join(parts)} does not name a value in the "
                            f"configuration (list entries are addressed by index, e.g. SMARTSYNC_SITES__0__USER, "
                            f"and must exist in the file); rename or unset it")
        else:
            from_env[key] = var
    return from_env


def _env_value(text: str, parts: list[str]) -> Any:
    """An override's value: JSON for lists and tables; for a boolean or number key, that type when it reads as one.

    Environment variables are text, so `true`/`false`/`1`/`0` are the booleans there (anything else is refused by
    validation, as "yes" is in the file) and numbers are parsed; every other key keeps the text as given.
    """
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):
            return text
    types = _field_types(parts)
    if bool in types and stripped.lower() in ("true", "false", "1", "0"):
        return stripped.lower() in ("true", "1")
    if (float in types or int in types) and str not in types:
        for kind in (int, float):
            try:
                return kind(stripped)
            except ValueError:
                pass
    return text


def _field_types(parts: list[str]) -> set[Any]:
    """The types a key path (`["sync", "camera_ptz"]`, `["sites", "0", "user"]`) accepts; empty when unknown."""
    model: Any = Settings
    annotation: Any = None
    for part in parts:
        if part.isdigit():
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return set()
        annotation = field.annotation
        inner = get_args(annotation)[0] if get_origin(annotation) is list else annotation
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return {annotation, *get_args(annotation)} if annotation is not None else set()


def _set_path(raw: dict[str, Any], parts: list[str], value: Any) -> str | None:
    """Set raw[parts...] = value, walking tables and list indexes; return the key path, None when impossible."""
    node: Any = raw
    key = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return None
            idx = int(part)
            key += f"[{idx}]"
            if last:
                node[idx] = value
                return key
            node = node[idx]
            continue
        if not isinstance(node, dict):
            return None
        key = f"{key}.{part}" if key else part
        if last:
            node[part] = value
            return key
        if part not in node:
            if parts[i + 1].isdigit():
                return None
            node[part] = {}
        node = node[part]
    return None


# --- passwords ---------------------------------------------------------------------------------------------------


def _password_sources(
    raw: dict[str, Any], env: Mapping[str, str], base_dir: Path, problems: list[str], from_env: dict[str, str]
) -> list[PasswordSource | None]:
    """Each site's password source, checked without reading it (one per entry of raw["sites"]).

    The `password` key (a plain password) leaves `raw` here: it is kept only in the source, never as a field.
    """
    sites = raw.get("sites")
    if not isinstance(sites, list):
        return []
    allow_plain = raw.get("allow_plain_password", False) is True
    out: list[PasswordSource | None] = []
    for i, site in enumerate(sites):
        out.append(None)
        if not isinstance(site, dict):
            continue
        key = f"sites[{i}]"
        plain = site.pop("password", None)
        env_name = site.get("password_env")
        file_name = site.get("password_file")
        given = [n for n, v in (("password_env", env_name), ("password_file", file_name), ("password", plain))
                 if v not in (None, "")]
        who = f"{site.get('user') or 'the user'} on {shown_uri(site.get('uri')) or 'this site'}"
        if len(given) > 1:
            problems.append(f"{key}: give one password source, not {' and '.join(given)}")
            continue
        if not given:
            if site.get("auth") == "Negotiate" and not site.get("user"):
                continue  # Windows integrated log-on: the service account's own credentials, no password.
            problems.append(f"{key}: no password source for {who}; add password_env = \"<VARIABLE>\" "
                            f"(an environment variable holding it) or password_file = \"<path>\"")
            continue
        if plain is not None:
            if not allow_plain:
                via = f" (set through {from_env[key + '.password']})" if key + ".password" in from_env else ""
                problems.append(f"{key}.password: a plain password in the configuration is refused{via}; put it "
                                f"in an environment variable named by password_env, or in a file named by "
                                f"password_file (or set allow_plain_password = true)")
                continue
            if not isinstance(plain, str):
                problems.append(f"{key}.password: must be text (a quoted string)")
                continue
            out[i] = PasswordSource(key, who, env, plain=SecretStr(plain))
        elif env_name is not None:
            if not isinstance(env_name, str):
                continue  # the type error is reported by validation
            if "\0" in env_name or "=" in env_name:
                problems.append(f"{key}.password_env: {env_name!r} cannot be the name of an environment variable; "
                                f"write the variable's name")
                continue
            out[i] = PasswordSource(key, who, env, env_name=env_name)
        else:
            if not isinstance(file_name, str):
                continue
            problem = path_problem(file_name)
            if problem:
                problems.append(f"{key}.password_file: the path {problem}; it must hold the password of {who}")
                continue
            file = Path(file_name).expanduser()
            out[i] = PasswordSource(key, who, env, file=file if file.is_absolute() else base_dir / file)
    return out


def read_password_file(name: str, base_dir: Path) -> tuple[str, str | None]:
    """(password, None) read from the file `name` (relative to `base_dir`), or ("", why it cannot be used)."""
    problem = path_problem(name)
    if problem:
        return "", f"the path {problem}"
    file = Path(name).expanduser()
    file = file if file.is_absolute() else base_dir / file
    try:
        data = file.read_bytes()
    except OSError as exc:
        return "", f"cannot read {file} ({exc.strerror or exc.__class__.__name__}); create it or fix the path"
    try:
        # A password file usually ends with a newline the editor added; it is not part of the password.
        text = data.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return "", f"{file} is not UTF-8 text; write the password into it as plain text"
    if any(ord(ch) < 32 and ch != "\t" for ch in text):
        return "", f"{file} holds control characters or more than one line; write only the password into it"
    return text, None


def shown_uri(uri: Any) -> str:
    """A site URI as it may be shown: any user:password written into it masked."""
    return redact(uri) if isinstance(uri, str) else ""


# --- validation messages ---------------------------------------------------------------------------------------


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def _section_of(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += "[]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def _suggest(word: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(word, valid, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _describe(err: Any, from_env: dict[str, str]) -> str:
    loc: tuple[Any, ...] = tuple(err["loc"])
    key = _key(loc) or "(top level)"
    via = f" (set through {from_env[key]})" if key in from_env else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        section = _section_of(loc[:-1])
        model = _SECTIONS.get(section)
        valid = [k for k in (model.model_fields if model else ()) if k not in _NOT_TOML_KEYS]
        hint = _suggest(str(loc[-1]), valid) or (f" (valid keys: {', '.join(valid)})" if valid else "")
        return f"{key}: unknown key{via}{hint}; fix or remove it"
    if kind == "missing":
        return f"{key}: missing; add it"
    if "password" in key:
        return f"{key}: {err['msg']}{via}"  # never echo what was given for a password
    if kind in ("greater_than_equal", "less_than_equal") and key == "guard.max_delete_share":
        return f"{key}: must be a share between 0 and 1 (0.10 = 10%), got {err['input']!r}{via}"
    shown = err.get("input")
    got = f", got {shown!r}" if isinstance(shown, str | int | float | bool) else ""
    if len(got) > 80:
        got = got[:60] + "...'"
    if kind == "list_type":
        # One value where a list belongs: show it in brackets, as TOML and JSON (an environment variable) write it.
        example = json.dumps([shown] if isinstance(shown, str) else ["..."])
        how = f"; in the environment write it as JSON: {from_env[key]}='{example}'" if via else ""
        return f"{key}: must be a list in square brackets, e.g. {example}{got}{via}{how}"
    wanted = _WANTED.get(kind)
    if wanted:
        return f"{key}: {wanted}{got}{via}"
    return f"{key}: {err['msg']}{got}{via}"


_WANTED = {
    "bool_type": "must be true or false, written without quotes",
    "float_type": "must be a number, written without quotes",
    "int_type": "must be a whole number, written without quotes",
    "string_type": "must be text in quotes",
    "finite_number": "must be a finite number",
}


def _roles_problems(raw: dict[str, Any], arch: Any) -> list[str]:
    """Role sync needs two management servers, and the roles it copies named."""
    sync = raw.get("sync", {})
    if not isinstance(sync, dict) or sync.get("roles") is not True:
        return []
    if arch == "single-site":
        return ["sync.roles: roles live on the management server, and in single-site both sides share the one "
                "server, so there is nothing to copy; set sync.roles = false (roles sync with federated or "
                "independent architectures)"]
    names = sync.get("role_names", [])
    if isinstance(names, list) and not names:
        return ["sync.role_names: sync.roles is on but no role is named; list the roles to copy, e.g. "
                "role_names = [\"Operators\"] (each role read costs round trips every cycle, so only chosen ones "
                "are synced)"]
    return []


def _cross_checks(raw: dict[str, Any]) -> list[str]:
    """Problems that involve more than one key; written defensively: the raw data may be ill-typed."""
    problems: list[str] = []
    arch, mode = raw.get("architecture", "single-site"), raw.get("mode", "auto")
    sites = raw.get("sites", [])
    if isinstance(sites, list) and isinstance(arch, str) and arch in _SITE_COUNT and len(sites) != _SITE_COUNT[arch]:
        if arch == "independent":
            want = "two [[sites]]: first the primary side's management server, then the secondary side's"
        elif arch == "federated":
            want = "one [[sites]]: the parent management server (child sites are reached through it)"
        else:
            want = "one [[sites]]: the management server holding both primary and secondary recorders"
        problems.append(f"sites: architecture = \"{arch}\" needs {want}; found {len(sites)}")
    if isinstance(sites, list):
        seen_names: dict[str, int] = {}
        for i, site in enumerate(sites):
            if not isinstance(site, dict):
                continue
            name, uri = site.get("name"), site.get("uri")
            if isinstance(name, str):
                if name in seen_names:
                    problems.append(f"sites[{i}].name: '{name}' is already used by sites[{seen_names[name]}]; "
                                    f"give each site its own name")
                seen_names.setdefault(name, i)
            if isinstance(uri, str):
                problems.extend(_uri_problems(f"sites[{i}].uri", uri))

    problems.extend(_roles_problems(raw, arch))
    labels = raw.get("labels", {})
    if isinstance(labels, dict):
        primary = labels.get("primary", [])
        secondary = labels.get("secondary", [])
        primary = primary if isinstance(primary, list) else []
        secondary = secondary if isinstance(secondary, list) else []
        if not primary:
            problems.append("labels.primary: no recorder is labelled primary; list at least one recorder name or id")
        if not secondary:
            problems.append("labels.secondary: no recorder is labelled secondary; list at least one recorder name "
                            "or id")
        first: dict[str, str] = {}
        for side, names in (("primary", primary), ("secondary", secondary)):
            for j, name in enumerate(names):
                where = f"labels.{side}[{j}]"
                if not isinstance(name, str):
                    continue
                if name in first:
                    other = first[name]
                    what = "listed twice" if other.startswith(f"labels.{side}[") else f"also labelled in {other}"
                    problems.append(f"{where}: '{name}' is {what}; a recorder has exactly one label")
                else:
                    first[name] = where
        label_of = {n: ("primary" if k.startswith("labels.primary") else "secondary") for n, k in first.items()}
    else:
        label_of = {}

    links = raw.get("links", [])
    camera_map = raw.get("camera_map", {})
    if mode == "manual" and isinstance(links, list) and links:
        problems.append("links: [[links]] are for mode = \"auto\"; in manual mode say where each camera goes in "
                        "[camera_map] (or set mode = \"auto\")")
    if mode == "auto" and isinstance(camera_map, dict) and camera_map:
        problems.append("camera_map: [camera_map] is for mode = \"manual\"; in auto mode link recorders with "
                        "[[links]] (or set mode = \"manual\")")
    if mode == "auto" and isinstance(links, list) and not links:
        problems.append("links: mode = \"auto\" needs one [[links]] entry per primary recorder "
                        "(primary = \"...\", secondary = \"...\")")
    if mode == "manual" and isinstance(camera_map, dict) and not camera_map:
        problems.append("camera_map: mode = \"manual\" needs [camera_map] entries: \"<primary camera name or id>\" "
                        "= [\"<secondary recorder>\", ...]")
    if mode == "auto" and isinstance(links, list):
        linked: dict[str, int] = {}
        for i, link in enumerate(links):
            if not isinstance(link, dict):
                continue
            p, s = link.get("primary"), link.get("secondary")
            if isinstance(p, str):
                if p in linked:
                    problems.append(f"links[{i}].primary: '{p}' is already linked in links[{linked[p]}]; a primary "
                                    f"recorder links to exactly one secondary")
                linked.setdefault(p, i)
            problems.extend(_label_mismatch(f"links[{i}]", p, s, label_of))
    if isinstance(camera_map, dict):
        for cam, recorders in camera_map.items():
            if isinstance(recorders, list) and not recorders:
                problems.append(f"camera_map.\"{cam}\": no secondary recorder given; list at least one or remove "
                                f"the entry")
            for j, rec in enumerate(recorders if isinstance(recorders, list) else []):
                if isinstance(rec, str) and label_of.get(rec) == "primary":
                    problems.append(f"camera_map.\"{cam}\"[{j}]: '{rec}' is labelled primary; name secondary "
                                    f"recorders here")
    storage_links = raw.get("storage_links", [])
    if isinstance(storage_links, list):
        for i, link in enumerate(storage_links):
            if isinstance(link, dict):
                problems.extend(_label_mismatch(f"storage_links[{i}]", link.get("primary"), link.get("secondary"),
                                                label_of))

    selection = raw.get("selection", {})
    if isinstance(selection, dict) and selection.get("devices") == "all" and any(
        selection.get(k) for k in ("names", "ids", "groups")
    ):
        problems.append("selection.devices: \"all\" conflicts with names/ids/groups; remove devices = \"all\" to "
                        "select by the lists, or remove the lists")
    return problems


def _uri_problems(key: str, uri: str) -> list[str]:
    """Why `uri` cannot be a management server's address; credentials in it are refused, never echoed."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        has_credentials = parts.password is not None or "@" in parts.netloc
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return [f"{key}: '{shown_uri(uri)}' is not a valid address; write it like \"http://ms-primary/\""]
    out = []
    if has_credentials:
        out.append(f"{key}: the address holds a user name or password (before '@'); remove it, put the user in "
                   f"`user` and the password in an environment variable named by `password_env` or a file "
                   f"named by `password_file`")
    shown = f"{parts.scheme}://{parts.hostname or ''}/" if has_credentials else uri
    if parts.scheme not in ("http", "https") or not host:
        out.append(f"{key}: '{shown}' is not an http:// or https:// address of a management server; write it "
                   f"like \"http://ms-primary/\"")
    return out


def _label_mismatch(where: str, p: Any, s: Any, label_of: dict[str, str]) -> list[str]:
    out = []
    if isinstance(p, str) and label_of.get(p) == "secondary":
        out.append(f"{where}.primary: '{p}' is labelled secondary; a link goes from a primary to a secondary recorder")
    if isinstance(s, str) and label_of.get(s) == "primary":
        out.append(f"{where}.secondary: '{s}' is labelled primary; a link goes from a primary to a secondary "
                   f"recorder")
    return out


def _path_problems(settings: Settings) -> list[str]:
    """Paths that cannot name a file on this machine, each by its key (password files: when they are read)."""
    paths = {"sdk.folder": settings.sdk.folder, "sdk.fake_world": settings.sdk.fake_world,
             "service.store": settings.service.store, "service.log_dir": settings.service.log_dir}
    out = []
    for key, path in paths.items():
        problem = None if path is None else path_problem(path)
        if problem:
            out.append(f"{key}: the path {problem}; write a path that exists on this machine")
    return out


def _resolve_paths(settings: Settings, base_dir: Path) -> None:
    def absolute(p: Path) -> Path:
        if path_problem(p):
            return p  # reported as a problem already; kept as written
        p = p.expanduser()
        return p if p.is_absolute() else (base_dir / p).absolute()

    settings.sdk.folder = absolute(settings.sdk.folder)
    if settings.sdk.fake_world is not None:
        settings.sdk.fake_world = absolute(settings.sdk.fake_world)
    settings.service.store = absolute(settings.service.store)
    settings.service.log_dir = absolute(settings.service.log_dir)
    if settings.service.secrets_file is not None:
        settings.service.secrets_file = absolute(settings.service.secrets_file)
    if settings.web.token_file is not None:
        settings.web.token_file = absolute(settings.web.token_file)
    for site in settings.sites:
        if site.password_file is not None:
            site.password_file = absolute(site.password_file)


__all__ = [
    "GuardSettings", "LabelSettings", "LifecycleSettings", "LinkSettings", "PasswordSource", "SdkSettings",
    "SelectionSettings", "ServiceSettings", "Settings", "SiteSettings", "StorageLinkSettings", "SyncSettings",
    "WebSettings", "check_passwords", "load_settings", "settings_from_dict", "short_password_warnings",
]
