"""``sdga clean [PATH]``: remove what killed runs left behind (hidden temporary outputs, staging areas)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from sdga.cli.common import fail, handle_errors, print_json


def _walk_dirs(root: Path, recursive: bool) -> list[Path]:
    """``root`` and, when recursive, every directory below it (symlinks not followed, staging areas skipped)."""
    if not recursive:
        return [root]
    found = []
    for current, dirs, _files in os.walk(root, followlinks=False):
        found.append(Path(current))
        dirs[:] = [d for d in dirs if not d.endswith(".staging")]
    return found


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover


def register(app: typer.Typer) -> None:
    @app.command("clean")
    @handle_errors
    def clean(
        paths: list[Path] = typer.Argument(None, help="Directories (or output files) to clean; default: here."),
        recursive: bool = typer.Option(True, "--recursive/--no-recursive", help="Also the directories below."),
        older_than_h: float = typer.Option(
            24.0,
            "--unowned-older-than",
            min=0,
            help="Hours after which temporary files of earlier versions (no owner in the name) are removed too.",
        ),
        dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Only list what would be removed."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
    ) -> None:
        """Remove what killed runs left behind: hidden temporary outputs and staging areas of dead processes.

        A file is removed only when the process named in it is certainly gone (same host, pid not
        running or running a different program); files of live runs and of other hosts are kept. The
        history's running generations whose process is gone are marked failed, their staging removed.
        """
        from sdga.pipeline.run import sweep_staging
        from sdga.service import SyntheticDataService
        from sdga.writers._atomic import Leftover, find_stale, sweep_stale

        roots = [p.expanduser() for p in (paths or [Path(".")])]
        for root in roots:
            if not root.exists():
                raise fail(f"{root}: no such file or directory")
        found: list[Leftover] = []
        age = older_than_h * 3600
        for root in roots:
            directory = root if root.is_dir() else root.parent
            for d in _walk_dirs(directory, recursive and root.is_dir()):
                if dry_run:
                    found += list(find_stale(d, unowned_older_than_s=age))
                else:
                    found += sweep_stale(d, unowned_older_than_s=age)
        staging: list[str] = []
        if not dry_run:
            svc = SyntheticDataService.from_env()
            for status in ("pending", "running"):  # reaping a dead generation removes its staging too
                svc.history(limit=1000, status=status)
            staging = [str(p) for p in sweep_staging(svc.settings.staging_dir)]
        total = sum(item.size for item in found)
        if as_json:
            print_json(
                {
                    "dry_run": dry_run,
                    "removed" if not dry_run else "would_remove": [str(i.path) for i in found],
                    "bytes": total,
                    "staging_removed": staging,
                }
            )
            return
        verb = "would remove" if dry_run else "removed"
        for item in found:
            typer.echo(f"{verb} {item.path} ({_human(item.size)})")
        for path in staging:
            typer.echo(f"{verb} {path}")
        typer.echo(f"{len(found) + len(staging)} left-over item(s) {verb}, {_human(total)}", err=True)
