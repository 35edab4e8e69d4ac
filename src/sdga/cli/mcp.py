"""``sdga mcp``: serve the actions to an AI assistant over the Model Context Protocol.

stdio by default (the assistant starts this command and talks over stdin/stdout); ``--http`` serves
streamable HTTP instead. Nothing heavy is imported until the command runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sdga.cli.common import handle_errors


def register(app: typer.Typer) -> None:
    @app.command("mcp")
    @handle_errors
    def mcp_command(
        http: bool = typer.Option(False, "--http", help="Serve streamable HTTP instead of stdio."),
        host: str = typer.Option("127.0.0.1", "--host", help="--http: address to listen on."),
        port: int = typer.Option(8000, "--port", min=0, max=65535, help="--http: port (0 picks a free one)."),
        path: str = typer.Option("/mcp", "--path", help="--http: the MCP endpoint's path."),
        allow_root: list[Path] = typer.Option(
            None,
            "--allow-root",
            help="A directory the tools may read from and write to, besides SDGA_HOME (repeatable).",
        ),
        max_result_bytes: int = typer.Option(
            None, "--max-result-bytes", min=4096, help="Largest JSON result a tool returns (SDGA_MCP_MAX_RESULT_BYTES)."
        ),
        max_resource_bytes: int = typer.Option(
            None,
            "--max-resource-bytes",
            min=4096,
            help="Largest file a resource read returns (SDGA_MCP_MAX_RESOURCE_BYTES).",
        ),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each call to stderr."),
    ) -> None:
        """Serve generate/validate/metrics/plan as MCP tools to Claude, VS Code, Cursor or any MCP client.

        Local paths in tool arguments are confined to SDGA_HOME, SDGA_ALLOWED_ROOTS and --allow-root.
        Over HTTP on anything but a loopback address, SDGA_API_KEY must be set: clients then send
        'Authorization: Bearer <key>'.
        """
        from sdga.mcp.main import run

        run(
            http=http,
            host=host,
            port=port,
            path=path,
            allow_roots=list(allow_root or []),
            max_result_bytes=max_result_bytes,
            max_resource_bytes=max_resource_bytes,
            verbose=verbose,
        )
