"""`smartsync <command> --help` as a new user reads it: every option says what it does."""

from __future__ import annotations

from collections.abc import Iterator

import click

from bridge import cli as cli_module


def _commands(group: click.Group, prefix: str = "smartsync") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


def test_every_option_of_every_command_has_help_text() -> None:
    cli_module._register()
    bare = [f"{path} {option.opts[0]}" for path, command in _commands(cli_module.cli)
            for option in command.params
            if isinstance(option, click.Option) and not option.hidden and not option.help]
    assert bare == [], f"options with no help text (shown blank by --help): {bare}"
