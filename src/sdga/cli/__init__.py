"""The ``sdga`` command.

Each area registers its commands from its own module (``generate``, ``quality``, ``service``, ``agent``)
so the modules stay small. Every command turns :class:`~sdga.errors.SdgaError` into one readable line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import importlib

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
_COMMAND_MODULES = ("generate", "quality", "service", "agent")


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
    app()
