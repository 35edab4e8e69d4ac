"""Nothing left behind: real `sdga generate` processes killed mid-write (SIGTERM, SIGKILL), then swept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sdga.process import owner_tag
from sdga.writers._atomic import StagingDir, find_stale, sweep_stale, temp_path_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SDGA_HOME": str(tmp_path / "home")}


def _hidden(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith("."))


def _start_and_wait_for_temp(tmp_path: Path, out: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A generation big enough to take minutes, stopped once its temporary file holds data."""
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdga", "generate", "-t", "user_profile", "-n", "20000000", "-o", str(out), "-q"],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while True:
        temps = [p for p in _hidden(out.parent) if p.name.endswith(".tmp") and p.stat().st_size > 100_000]
        if temps:
            return proc, temps[0]
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.1)


def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path) -> None:
    out = tmp_path / "out" / "users.parquet"
    proc, temp = _start_and_wait_for_temp(tmp_path, out)
    assert f".p{proc.pid}-" in temp.name  # the owner is in the name
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert err.strip().splitlines() == ["error: terminated (SIGTERM); nothing partial was left behind"]
    assert list(out.parent.iterdir()) == []  # neither the temporary file nor a partial final file


def test_sigkill_leftovers_are_swept_by_the_next_run_and_by_sdga_clean(tmp_path: Path) -> None:
    out = tmp_path / "out" / "users.parquet"
    proc, temp = _start_and_wait_for_temp(tmp_path, out)
    proc.kill()
    proc.wait(timeout=30)
    assert temp.exists() and not out.exists()  # a killed process cannot clean up

    # sdga clean --dry-run lists it, and removes nothing
    listed = subprocess.run(
        [sys.executable, "-m", "sdga", "clean", str(out.parent), "--dry-run", "--json"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    assert report["would_remove"] == [str(temp)] and report["bytes"] > 100_000 and temp.exists()

    # the next run writing into the same directory removes it
    small = subprocess.run(
        [sys.executable, "-m", "sdga", "generate", "-t", "user_profile", "-n", "10", "-o", str(out.parent / "few.csv")],
        env=_env(tmp_path),
        capture_output=True,
        timeout=120,
    )
    assert small.returncode == 0, small.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["few.csv"]

    # and sdga clean does, for a kill in a directory nobody writes to again
    proc, temp = _start_and_wait_for_temp(tmp_path, tmp_path / "other" / "users.csv")
    proc.kill()
    proc.wait(timeout=30)
    cleaned = subprocess.run(
        [sys.executable, "-m", "sdga", "clean", str(tmp_path)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert cleaned.stdout.startswith(f"removed {temp} (") and not temp.exists()
    assert "1 left-over item(s) removed" in cleaned.stderr


def test_files_of_live_processes_and_other_hosts_are_never_swept(tmp_path: Path) -> None:
    mine = temp_path_for(tmp_path / "a.csv")  # this process: alive
    staging = StagingDir(tmp_path / "multi")
    other_host = tmp_path / ".b.csv.p1-1-000000.abcdefgh.tmp"
    other_host.write_text("x")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(ended.stdout)
    host = owner_tag().rsplit("-", 1)[1]
    dead = tmp_path / f".c.csv.p{dead_pid}-0-{host}.abcdefgh.tmp"
    dead.write_text("partial")
    dead_dir = tmp_path / f".d.p{dead_pid}-0-{host}.ijklmnop.staging"
    dead_dir.mkdir()
    (dead_dir / "t.csv").write_text("partial")
    unowned = tmp_path / ".e.csv.qrstuvwx.tmp"  # an earlier version's name: only age speaks for removing it
    unowned.write_text("old")

    assert sorted(x.path for x in find_stale(tmp_path)) == sorted([dead, dead_dir])
    assert sorted(x.path for x in sweep_stale(tmp_path)) == sorted([dead, dead_dir])
    assert mine.exists() and staging.path.exists() and other_host.exists() and unowned.exists()
    assert sweep_stale(tmp_path, unowned_older_than_s=3600) == []
    os.utime(unowned, (time.time() - 7200, time.time() - 7200))
    assert [x.path for x in sweep_stale(tmp_path, unowned_older_than_s=3600)] == [unowned]
    staging.discard()


def test_service_staging_of_dead_processes_is_swept(tmp_path: Path) -> None:
    from sdga.pipeline import staging_area
    from sdga.pipeline.run import sweep_staging

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = owner_tag().rsplit("-", 1)[1]
    dead = tmp_path / f"6f1c2d4e-0000-4000-8000-000000000001-p{int(ended.stdout)}-0-{host}-x1y2z3"
    dead.mkdir()
    (dead / "data.csv").write_text("partial")
    with staging_area(tmp_path, "6f1c2d4e-0000-4000-8000-000000000002") as live:
        assert not dead.exists()  # a new generation sweeps the dead one's staging
        assert sweep_staging(tmp_path) == [] and live.exists()
