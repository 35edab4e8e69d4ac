"""``sdga serve``, ``sdga history``, ``sdga status ID``, ``sdga download ID``: the service from the shell."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sdga.cli.common import EXIT_INVALID, fail, handle_errors, print_json

if TYPE_CHECKING:
    from sdga.models import GenerateDataRequest
    from sdga.service import SyntheticDataService


def _service() -> SyntheticDataService:
    from sdga.service import SyntheticDataService

    # The CLI runs as the user on their own machine: local paths are not confined to SDGA_HOME.
    svc = SyntheticDataService.from_env()
    svc.restrict_paths = False
    return svc


def serve_until_stopped(uvicorn: Any, app: Any, service: Any, **options: Any) -> None:
    """Run uvicorn until SIGTERM/SIGINT, then stop within seconds even while a long generation runs.

    The signal stops every running generation at its next batch (:func:`sdga.limits.request_shutdown`:
    each is recorded as failed, its staging removed); requests get ``SDGA_SHUTDOWN_GRACE_S`` to finish;
    work that still has not returned after that (a step that cannot be interrupted) is abandoned.
    """
    import asyncio
    import threading
    import time

    from sdga.limits import request_shutdown

    grace = float(service.settings.shutdown_grace_s)

    class Server(uvicorn.Server):  # type: ignore[misc,name-defined]
        def handle_exit(self, sig: int, frame: Any) -> None:
            request_shutdown()
            super().handle_exit(sig, frame)

        async def shutdown(self, sockets: Any = None) -> None:
            await super().shutdown(sockets=sockets)
            # Background generations stop at their next batch and record why before the process ends.
            await asyncio.to_thread(service.drain, grace)

    Server(uvicorn.Config(app, timeout_graceful_shutdown=grace, **options)).run()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]:
            return
        time.sleep(0.05)
    typer.echo("sdga: work still running after the shutdown grace period was abandoned", err=True)
    sys.stderr.flush()
    os._exit(0)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @handle_errors
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (0.0.0.0 exposes it on the network)."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
        log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    ) -> None:
        """Run the HTTP API and the web UI (http://HOST:PORT/)."""
        try:
            import uvicorn
        except ImportError:
            raise fail("sdga serve needs: pip install 'synthetic-data-agent[server]'") from None
        from sdga.api import create_app
        from sdga.service import SyntheticDataService

        service = SyntheticDataService.from_env()
        if host not in ("127.0.0.1", "localhost", "::1") and not service.settings.api_key:
            typer.echo("warning: serving on a public interface without SDGA_API_KEY", err=True)
        typer.echo(f"sdga: serving on http://{host}:{port}/  (data in {service.settings.home_dir})", err=True)
        serve_until_stopped(uvicorn, create_app(service), service, host=host, port=port, log_level=log_level)

    @app.command("history")
    @handle_errors
    def history(
        limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="How many generations to show."),
        status: str | None = typer.Option(
            None, "--status", help="Only this status: pending|running|success|partial|failed."
        ),
        since: str | None = typer.Option(None, "--since", help="Only generations created on/after this ISO date/time."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Recent generations, newest first."""
        from rich.console import Console
        from rich.table import Table

        from sdga.errors import InvalidInputError
        from sdga.models import GenerationStatus

        status = status.strip().lower() if status is not None else None  # any case, like other enums
        if status is not None and status not in {s.value for s in GenerationStatus}:
            raise InvalidInputError(
                f"unknown status {status!r}; use one of {', '.join(s.value for s in GenerationStatus)}"
            )
        svc = _service()
        start = None
        if since is not None:
            from datetime import UTC, datetime

            try:
                start = datetime.fromisoformat(since)
            except ValueError:
                raise InvalidInputError(
                    f"--since {since!r} is not an ISO date or date-time (e.g. 2026-01-31)"
                ) from None
            start = start if start.tzinfo else start.replace(tzinfo=UTC)
        rows = svc.history(limit=limit, status=status, since=start)
        if as_json:
            print_json(rows)
            return
        table = Table("created", "generation_id", "status", "type", "records", "format", "destination", "ms")
        table.columns[1].no_wrap = True
        table.columns[0].no_wrap = True
        for r in rows:
            table.add_row(
                str(r["created_at"])[:19],
                r["generation_id"],
                r["status"],
                r["data_type"] or "",
                f"{r['records_generated']:,}",
                r["output_format"] or "",
                r["destination_type"] or "",
                f"{r['execution_time_ms']:.0f}",
            )
        console = Console()
        if not console.is_terminal:
            console = Console(width=160)  # piped: do not squeeze the ids into 80 columns
        console.print(table)

    @app.command("status")
    @handle_errors
    def status(
        generation_id: str = typer.Argument(..., help="The generation id (a UUID)."),
    ) -> None:
        """Status and result of one generation, as JSON. Exit 1 when it failed."""
        from sdga.models import GenerationStatus

        svc = _service()
        result = svc.status(generation_id)
        print_json(result)
        if result.status == GenerationStatus.FAILED:
            raise typer.Exit(EXIT_INVALID)

    @app.command("report")
    @handle_errors
    def report(
        generation_id: str = typer.Argument(..., help="The generation id (a UUID)."),
    ) -> None:
        """Print a generation's markdown report."""
        text = _service().report(generation_id)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

    @app.command("download")
    @handle_errors
    def download(
        generation_id: str = typer.Argument(..., help="The generation id (a UUID)."),
        out: str | None = typer.Option(
            None,
            "--out",
            "-o",
            help="File or directory (existing, or ending with '/') to write (default: the offered file name); "
            "'-' = stdout.",
        ),
    ) -> None:
        """Save a generation's files (a zip when there are several)."""
        svc = _service()
        stream = svc.download(generation_id)
        if out == "-":
            for chunk in stream.chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        target = Path(out).expanduser() if out else Path(stream.filename)
        # A trailing slash names a directory, created if need be (Path() itself would drop the slash).
        if target.is_dir() or (out or "").endswith(("/", os.sep)):
            target = target / stream.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        written = 0
        try:
            with tmp.open("wb") as handle:
                for chunk in stream.chunks:
                    handle.write(chunk)
                    written += len(chunk)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        typer.echo(f"{target} ({written:,} bytes)", err=True)


def generate_via_service(
    request: GenerateDataRequest,
    *,
    destination: str,
    location: str | None,
    if_exists: str,
    as_json: bool,
    quiet: bool,
    report: Path | None = None,
) -> None:
    """``sdga generate --destination ...``: run the request through the service (history, report, rds, s3)."""
    from rich.console import Console

    from sdga.errors import InvalidInputError
    from sdga.models import Destination, DestinationType, GenerationStatus
    from sdga.report import render_report

    allowed = {d.value for d in DestinationType}
    if destination.strip().lower() not in allowed:
        raise InvalidInputError(f"unknown destination {destination!r}: choose one of {', '.join(sorted(allowed))}")
    if if_exists not in ("fail", "replace", "append"):
        raise InvalidInputError("--if-exists must be fail, replace or append")
    dest = Destination(type=DestinationType(destination.strip().lower()), location=location, if_exists=if_exists)  # type: ignore[arg-type]
    request = request.model_copy(update={"destination": dest})
    svc = _service()
    total = request.volume
    console = Console(stderr=True)
    if quiet or as_json:
        response = svc.generate(request, background=False)
    else:
        with console.status(f"generating {total:,} records per table → {dest.type.value}") as status:

            def tick(table: str, rows: int) -> None:
                status.update(f"generating {table} → {dest.type.value}")

            response = svc.generate(request, background=False, progress=tick)
    if report is not None:
        report.write_text(response.model_dump_json(by_alias=True, indent=2), encoding="utf-8")
    if as_json:
        print_json(response)
    elif not quiet:
        text = render_report(response, request)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for warning in response.warnings if quiet else []:
        typer.echo(f"warning: {warning}", err=True)
    if response.status == GenerationStatus.FAILED:
        raise typer.Exit(EXIT_INVALID)
