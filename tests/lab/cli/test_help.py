"""`sdlab --help` and every command's help render every word of their help texts (none eaten as markup)."""

from __future__ import annotations

import inspect
import re

import click
import pytest
import typer
from typer.testing import CliRunner

from lab.cli.app import app

BORDERS = re.compile(r"[│╭╮╰╯─┃━┏┓┗┛]")


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """`command` and every command below it, with the words that call it."""
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def _plain(text: str) -> str:
    """Text as read, whatever the layout: no panel borders, one space between words."""
    return " ".join(BORDERS.sub(" ", text).split())


def _texts(command: click.Command) -> list[str]:
    """The help texts `command` declares: its own (up to a form feed) and each parameter's."""
    own = inspect.cleandoc(command.help or "").partition("\f")[0]
    return [_plain(text) for text in (own, *(getattr(param, "help", None) or "" for param in command.params)) if text]


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"simulate", "run", "resume", "history", "emulate", "devices check", "safety stop", "safety clear",
            "safety status", "safety log", "design", "discover", "ui", "fleet"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) or "sdlab" for path, _ in COMMANDS])
def test_help_renders_every_word_of_its_texts(path: tuple[str, ...], command: click.Command) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    shown = _plain(result.output)
    for text in _texts(command):
        assert text in shown, f"lost from `sdlab {' '.join(path)} --help`: {text!r}"


def test_fleet_help_names_the_extra_to_install() -> None:
    result = CliRunner().invoke(app, ["fleet", "--help"], env={"COLUMNS": "80"})
    assert "sdlab[dask]" in result.output
