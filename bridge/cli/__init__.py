"""The `smartsync` command: one group, sub-commands from the modules beside it.

Every sub-command gets the configuration through `ctx.obj["settings_loader"]`
(so it is read only by commands that need it, and tests can hand in another),
and every BridgeError ends as one line on stderr and its exit code: no
traceback for a user. `-c FILE` is accepted before or after the sub-command.
Everything printed passes the log's secret masker (`bridge.logs.redact`).
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from loguru import logger

from bridge import __version__
from bridge.errors import BridgeError, ConfigError
from bridge.logs import console_logging, redact, redact_console

_CONFIG_HELP = "Configuration file (default: ./smartsync.toml)."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "-c", "config_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
    envvar="SMARTSYNC_CONFIG", help=_CONFIG_HELP,
)
@click.version_option(__version__, prog_name="smartsync")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """SmartSync bridge: keep secondary XProtect recording servers in step with the primary ones."""
    redact_console()
    console_logging()
    cache: dict[str, Any] = {}
    obj = ctx.ensure_object(dict)

    def load() -> Any:
        if "settings" not in cache:
            from bridge.settings import load_settings

            # `-c` after the sub-command wins over the one before it.
            cache["settings"] = load_settings(obj.get("config_path") or config_path)
        return cache["settings"]

    obj.setdefault("settings_loader", load)


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(dict)["config_path"] = value


def _leaf_commands(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _leaf_commands(command)
        else:
            yield command


def _accept_config_everywhere() -> None:
    """Give each sub-command its own `-c/--config`, so `smartsync status -c FILE` works as the README says."""
    for command in _leaf_commands(cli):
        if any(p.name == "config_path" or "-c" in getattr(p, "opts", ()) for p in command.params):
            continue
        command.params.append(click.Option(
            ["--config", "-c", "config_path"], type=click.Path(path_type=Path, dir_okay=False), default=None,
            expose_value=False, callback=_remember_config, help=_CONFIG_HELP,
        ))


def _register() -> None:
    from bridge.cli.sync_cmds import sync_commands

    for command in sync_commands:
        cli.add_command(command)
    others = (
        ("bridge.cli.config_cmds", "config_group"),
        ("bridge.cli.doctor", "doctor_command"),
        ("bridge.cli.service_cmds", "service_commands"),
        ("bridge.cli.journal_cmds", "journal_commands"),
    )
    import importlib

    for module_name, attr in others:
        module = importlib.import_module(module_name)
        found = getattr(module, attr)
        for command in found if isinstance(found, list) else [found]:
            cli.add_command(command)
    from bridge.cli.journal_cmds import schedule_subcommands
    from bridge.cli.service_cmds import schedule_group

    for command in schedule_subcommands:
        schedule_group.add_command(command)
    _accept_config_everywhere()


def _exit(code: int) -> NoReturn:
    """Leave the process with `code`.

    Once .NET is loaded, Mono 6.8 may crash while it finalizes threads that
    called into it (the service's worker threads), turning a clean stop into
    a SIGSEGV and a crash dump. Everything durable is already written (the
    store commits per transaction, loguru's file sink writes each line), so
    after flushing we leave without running the runtime's teardown.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    from bridge.sdk.runtime import loaded

    if loaded() is not None:
        logger.remove()
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script; exits with the documented codes."""
    _register()
    try:
        rc = _run(argv)
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    _exit(rc)


def _run(argv: Sequence[str] | None) -> int:
    try:
        rc = cli.main(args=list(argv) if argv is not None else None, prog_name="smartsync", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigError as exc:
        # A bad argument (InputError) is not the settings file's fault: do not send the user there.
        from bridge.app import InputError

        kind = "Error" if isinstance(exc, InputError) else "Configuration error"
        click.echo(f"{kind}: {_shortened(exc.message)}", err=True)
        for problem in exc.problems:
            click.echo(f"  - {_shortened(problem)}", err=True)
        return exc.exit_code
    except BridgeError as exc:
        click.echo(f"Error: {_shortened(exc.message)}", err=True)
        return exc.exit_code
    except OSError as exc:
        click.echo(f"Error: {_os_error_text(exc)}", err=True)
        return 1
    except sqlite3.Error as exc:
        from bridge.store import store_error

        error = store_error(Path("(the store)"), exc)
        click.echo(f"Error: {error.message}", err=True)
        return error.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        click.echo(f"Error: unexpected {type(exc).__name__}: {redact(str(exc), prose=True)[:500]}. This is a "
                   f"SmartSync defect; please report it with the command you ran.", err=True)
        return 1
    return rc if isinstance(rc, int) else 0


_LONG_WORD = re.compile(r"\S{200,}")


def _shortened(text: str) -> str:
    """`text` with any very long word (a 100,000-digit argument echoed back) cut to its start and its length."""
    return _LONG_WORD.sub(lambda m: f"{m.group(0)[:40]}...({len(m.group(0))} characters)", text)


def _os_error_text(exc: OSError) -> str:
    what = f"{exc.strerror or type(exc).__name__}" + (f": {exc.filename}" if exc.filename else "")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{what}; free space on that disk and run again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{what}; give the user running SmartSync access to it"
    return what
