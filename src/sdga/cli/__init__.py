"""The ``sdga`` command.

Each area registers its commands from its own module (``generate``, ``quality``, ``service``, ``agent``,
``mcp``) so the modules stay small. The modules are imported only when one of their commands runs:
``sdga --help`` reads the command list below and imports none of them (the engine, the writers and the
service are heavy to import, and a help screen or a plan should not wait for them). Every command turns
:class:`~sdga.errors.SdgaError` into one readable line on stderr and a non-zero exit code, never a
traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from sdga import __version__
from sdga.cli.signals import terminate_like_interrupt

#: command -> (module under sdga.cli, the one-line help shown by ``sdga --help``). A test checks that
#: each line is the command's own first docstring line, so the list cannot drift from the modules.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("generate", "Generate synthetic data from a template or a schema into files, a bucket or a database."),
    "templates": ("generate", "List the built-in templates (use one with `sdga generate --template NAME`)."),
    "types": ("generate", "List the field types a schema can use (plus `faker:<method>` for any other Faker provider)."),
    "validate": ("quality", "Validate a schema (and compliance); JSON out; exit 0 valid, 1 invalid, 2 unreadable."),
    "metrics": ("quality", "Quality metrics of generated data (QualityMetricsResponse JSON, or --markdown; --html adds charts)."),
    "infer": ("quality", "Learn a schema from a sample: safe generators for PII, distributions, categories, correlations."),
    "serve": ("service", "Run the HTTP API and the web UI (http://HOST:PORT/)."),
    "history": ("service", "Recent generations, newest first."),
    "status": ("service", "Status and result of one generation, as JSON. Exit 1 when it failed."),
    "report": ("service", "Print a generation's markdown report."),
    "download": ("service", "Save a generation's files (a zip when there are several)."),
    "ask": ("agent", "Ask for test data in plain English; get validated data and a report."),
    "chat": ("agent", 'A conversation: follow-ups ("make it 10k and add a loyalty tier") change the previous plan.'),
    "mcp": ("mcp", "Serve generate/validate/metrics/plan as MCP tools to Claude, VS Code, Cursor or any MCP client."),
    "clean": ("clean", "Remove what killed runs left behind: hidden temporary outputs and staging areas of dead processes."),
    "kb": ("agent", "The knowledge base: search it, measure retrieval, export it for Bedrock."),
}  # fmt: skip
_loaded: dict[str, Any] = {}


def load_module_commands(module_name: str) -> dict[str, Any]:
    """The click commands one module registers, by name (the module imported on first use)."""
    if module_name not in _loaded:
        module = importlib.import_module(f"sdga.cli.{module_name}")
        sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        sub.callback()(lambda: None)  # a group even when the module has a single command
        module.register(sub)
        group = typer.main.get_command(sub)
        _loaded[module_name] = dict(getattr(group, "commands", {}))
    return _loaded[module_name]


class LazyGroup(TyperGroup):
    """The command list comes from :data:`COMMANDS`; a command's module is imported when it is run or
    its own help is asked for, never to print the list."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        if getattr(ctx, "_sdga_listing", False):
            import click

            return click.Command(cmd_name, help=COMMANDS[cmd_name][1], short_help=COMMANDS[cmd_name][1])
        return self._real(cmd_name)

    def _real(self, cmd_name: str) -> Any:
        try:
            return load_module_commands(COMMANDS[cmd_name][0]).get(cmd_name)
        except ModuleNotFoundError as exc:  # an optional area that is not installed
            if exc.name == f"sdga.cli.{COMMANDS[cmd_name][0]}":
                return None
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        ctx._sdga_listing = True  # the list needs names and help lines only
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx._sdga_listing = False


app = typer.Typer(
    name="sdga",
    help="Realistic, compliant synthetic test data: generate, validate, measure, serve, ask.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


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
    terminate_like_interrupt()
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
