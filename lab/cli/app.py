"""`sdlab`: the command line, every command registered here. Bad input exits 2 with one line saying what is
wrong."""

from __future__ import annotations

import sys

import typer

from lab.cli import campaigns, design, devices, history, safety, ui
from lab.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="sdlab: a self-driving lab for CVD growth of 2D materials.")
USAGE_ERROR = typer.BadParameter.__mro__[1]  # click's UsageError as bundled with typer (bad options, values)

app.command()(campaigns.simulate)
app.command()(campaigns.run)
app.command()(campaigns.resume)
app.command()(history.history)
app.command()(devices.emulate)
app.add_typer(devices.devices_app, name="devices")
app.add_typer(safety.safety_app, name="safety")
app.command("design")(design.design_command)
app.command("discover")(design.discover_command)
app.command("ui")(ui.ui_command)
app.command()(campaigns.fleet)


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        print(f"sdlab: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except USAGE_ERROR as exc:
        print(f"sdlab: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        print("sdlab: interrupted", file=sys.stderr)
        sys.exit(130)
    if isinstance(code, int) and code:
        sys.exit(code)
