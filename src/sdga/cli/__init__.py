"""The ``sdga`` command.

Each area registers its commands from its own module (``generate``, ``quality``, ``service``, ``agent``,
``mcp``) so the modules stay small. Every command turns :class:`~sdga.errors.SdgaError` into one readable line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from sdga import __version__

app = typer.Typer(
    name="sdga",
    help="Realistic, compliant synthetic test data: generate, validate, measure, serve, ask.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that add commands to ``app``; a module that is missing (an optional area) is skipped.
_COMMAND_MODULES = ("generate", "quality", "service", "agent", "mcp")


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"sdga {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Realistic, compliant synthetic test data."""


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"sdga.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"sdga.cli.{name}":
                continue
            raise
        module.register(app)


_register()


def main() -> None:
    """Run the command; a usage error (bad option value, unknown option) is one line and exit code 2.

    Click would print a usage block and a boxed message over several lines; scripts and CI logs want
    the same single ``error:`` line every other failure gives.
    """
    try:  # Typer >= 0.20 carries its own copy of Click; older ones use Click itself
        from typer._click import exceptions as cx
    except ImportError:  # pragma: no cover - depends on the installed Typer
        from click import exceptions as cx  # type: ignore[no-redef]

    no_args = getattr(cx, "NoArgsIsHelpError", ())
    try:
        result = app(standalone_mode=False)
    except no_args as exc:  # a bare group prints its help, as before
        exc.show()
        sys.exit(2)
    except cx.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "sdga"
        typer.echo(f"error: {' '.join(exc.format_message().split())} (see '{where} --help')", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(130)
    except cx.ClickException as exc:
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
