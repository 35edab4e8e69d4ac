"""What a generation prints on the command line: progress while it runs, the report when it ends.

Shared by the local engine's path (:mod:`sdga.cli.generate`) and the Spark path (:mod:`sdga.cli.spark`):
a live bar on a terminal, one plain line per 10% in logs for large runs, and the same report, JSON or
markdown, at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer

from sdga.cli.common import print_json
from sdga.models import GenerateDataRequest, GenerateDataResponse

Progress = Callable[[str, int], None]

# Log progress lines on stderr for runs at least this large when stderr is not a terminal (no live bar).
PROGRESS_MIN_ROWS = 1_000_000


class ProgressLog:
    """Progress for large runs when stderr is not a terminal (CI logs, files): one plain line per 10%."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.next_step = max(total, 1), 0, 10

    def __call__(self, table: str, rows: int) -> None:
        self.done += rows
        percent = self.done * 100 // self.total
        if percent >= self.next_step:
            typer.echo(f"progress: {self.done:,}/{self.total:,} rows ({percent}%), {table}", err=True)
            self.next_step = (percent // 10 + 1) * 10


def run_with_progress(
    total: int, run: Callable[[Progress | None], GenerateDataResponse], *, quiet: bool, label: str = ""
) -> GenerateDataResponse:
    """Call ``run(progress)`` with a live bar on a terminal, a 10% log for large runs elsewhere, or nothing."""
    if not quiet and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        bar = Bar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with bar:
            task = bar.add_task(f"starting {label}".strip() if label else "generating", total=total or None)

            def tick(table: str, rows: int) -> None:
                bar.update(task, advance=rows, description=f"generating {table}" + (f" ({label})" if label else ""))

            return run(tick)
    return run(ProgressLog(total) if not quiet and total >= PROGRESS_MIN_ROWS else None)


def write_json_report(path: Path, response: GenerateDataResponse) -> None:
    """The response as a JSON file, written atomically."""
    from sdga.writers._atomic import write_text_atomic

    write_text_atomic(path, response.model_dump_json(by_alias=True, indent=2) + "\n")


def print_markdown(text: str) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_result(
    response: GenerateDataResponse,
    request: GenerateDataRequest,
    *,
    report: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """The end of a run: the JSON report file if asked, then JSON, the markdown report, or only warnings."""
    if report is not None:
        response.report_location = str(report)
        write_json_report(report, response)
    if as_json:
        print_json(response)
    elif not quiet:
        from sdga.report import render_report

        print_markdown(render_report(response, request))
    elif response.warnings:
        for warning in response.warnings:
            typer.echo(f"warning: {warning}", err=True)
