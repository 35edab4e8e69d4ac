"""The command line's Spark path: ``sdga generate --engine spark [--spark-master URL] --out DIR|s3://...``.

Progress is a live bar on a terminal and a line per 10% otherwise (large runs), as for the local engine;
the report printed at the end is the same, with the manifest's location among the output files.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sdga.models import GenerateDataRequest
from sdga.spark.engine import SparkEngine

# Log progress lines on stderr for runs at least this large when stderr is not a terminal (no live bar).
PROGRESS_MIN_ROWS = 1_000_000


class _ProgressLog:
    """One plain progress line per 10% (CI logs, files)."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.next_step = max(total, 1), 0, 10

    def __call__(self, table: str, rows: int) -> None:
        import typer

        self.done += rows
        percent = self.done * 100 // self.total
        if percent >= self.next_step:
            typer.echo(f"progress: {self.done:,}/{self.total:,} rows ({percent}%), {table}", err=True)
            self.next_step = (percent // 10 + 1) * 10


def _write_json_report(path: Path, response: Any) -> None:
    from sdga.writers._atomic import publish_file, temp_path_for

    temp = temp_path_for(path)
    try:
        temp.write_text(response.model_dump_json(by_alias=True, indent=2) + "\n", encoding="utf-8")
        publish_file(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _print_markdown(text: str) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def output_location(out: Path | None, name: str) -> str:
    """Where to write: ``--out`` as given (an ``s3://`` URI survives the path option), else ``output/<name>``."""
    from sdga.writers import safe_file_stem

    if out is None:
        return str(Path("output") / safe_file_stem(name or "data"))
    text = str(out)
    if text.startswith("s3:/") and not text.startswith("s3://"):
        return "s3://" + text[len("s3:/") :]  # a Path option folds s3://bucket to s3:/bucket
    return text


def generate_spark(
    request: GenerateDataRequest,
    name: str,
    out: Path | None,
    engine: Any,
    plan: Any,
    warnings: list[str],
    *,
    quiet: bool,
    metrics: bool,
    report: Path | None,
    as_json: bool,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from sdga.cli.common import print_json
    from sdga.errors import InvalidInputError
    from sdga.spark.run import generate_with_spark

    assert isinstance(engine, SparkEngine)
    location = output_location(out, name)
    if report is not None and report.is_dir():
        raise InvalidInputError(f"--report {report} is a directory; give a file name")
    engine.check(plan, request)
    total = sum(int(t.volume) for t in plan.tables)
    run = {
        "request": request,
        "location": location,
        "engine": engine,
        "plan": plan,
        "metrics": metrics,
        "warnings": warnings,
    }
    if not quiet and sys.stderr.isatty():
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with bar:
            task = bar.add_task("starting Spark", total=total or None)

            def tick(table: str, rows: int) -> None:
                bar.update(task, advance=rows, description=f"generating {table} (Spark)")

            response = generate_with_spark(**run, progress=tick)
    else:
        log = _ProgressLog(total) if not quiet and total >= PROGRESS_MIN_ROWS else None
        response = generate_with_spark(**run, progress=log)
    if report is not None:
        response.report_location = str(report)
        _write_json_report(report, response)
    if as_json:
        print_json(response)
    elif not quiet:
        from sdga.report import render_report

        _print_markdown(render_report(response, request))
    elif response.warnings:
        import typer

        for warning in response.warnings:
            typer.echo(f"warning: {warning}", err=True)
