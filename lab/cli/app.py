"""`sdlab`: the command line, every command registered here. Bad input exits 2 with one line saying what is
wrong; a helper service that does not start exits 1 with one line."""

from __future__ import annotations

import atexit
import gc
import sys
from functools import cache

import typer

from lab.cli import analyze, campaigns, deploy, design, devices, history, past_runs, safety, ui
from lab.cli.common import HELP_MARKUP, quiet_prefect
from lab.errors import ServiceError, UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=HELP_MARKUP, help="sdlab: a self-driving lab for CVD growth of 2D materials.")
USAGE_ERROR = typer.BadParameter.__mro__[1]  # click's UsageError as bundled with typer (bad options, values)
atexit.register(gc.freeze)  # the last exit handler to run: the interpreter's exit then skips a last walk over every
# object, ~1.5 s in a process with a campaign's stack imported


@app.callback()
def _before_every_command() -> None:
    quiet_prefect()  # before any command imports Prefect, which reads its settings once
    from lab.deploy.lab import use_when_up

    use_when_up()  # a deployment that is up serves Prefect and the catalog (unless the environment names others)


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
app.command("analyze")(analyze.analyze_command)
app.command("import")(past_runs.import_command)
app.command("calibrate")(past_runs.calibrate_command)
app.command("predict")(past_runs.predict_command)
app.add_typer(deploy.deploy_app, name="deploy")
app.command()(deploy.submit)


def _fail(message: str, code: int) -> None:
    print(f"sdlab: error: {message}", file=sys.stderr)
    sys.exit(code)


@cache
def _command() -> typer.core.TyperGroup:
    """The command tree, built once per process (typer builds it from the functions' signatures at every call, which
    is most of what a refused command costs)."""
    return typer.main.get_command(app)


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2, a helper service that did
    not start one line and exit code 1."""
    try:
        code = _command()(standalone_mode=False)
    except UserError as exc:
        _fail(str(exc), 2)
    except USAGE_ERROR as exc:
        _fail(exc.format_message(), 2)
    except ServiceError as exc:
        _fail(str(exc), 1)
    except (typer.Abort, KeyboardInterrupt):
        print("sdlab: interrupted", file=sys.stderr)
        sys.exit(130)
    if isinstance(code, int) and code:
        sys.exit(code)
