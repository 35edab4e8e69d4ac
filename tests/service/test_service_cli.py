"""``sdga serve | history | status | download`` and ``sdga generate --destination``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from tests.service.conftest import MULTI_SCHEMA, free_port
from typer.testing import CliRunner

from sdga.cli import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_generate_with_destination_then_status_history_download(cli: CliRunner, tmp_path: Path) -> None:
    code, out, err = run(
        cli,
        "generate",
        "-t",
        "user_profile",
        "-n",
        "150",
        "-f",
        "csv",
        "-d",
        "local",
        "--location",
        "exports",
        "--json",
    )
    assert code == 0, err
    response = json.loads(out)
    gid = response["generation_id"]
    assert response["status"] == "success" and Path(response["output_location"]) == tmp_path / "exports"
    assert (tmp_path / "exports" / "report.md").exists()

    code, out, _ = run(cli, "status", gid)
    assert code == 0 and json.loads(out)["records_generated"] == 150
    code, out, _ = run(cli, "history", "--json")
    assert code == 0 and json.loads(out)[0]["generation_id"] == gid
    code, out, _ = run(cli, "history")
    assert code == 0 and gid in out
    code, out, _ = run(cli, "history", "--since", "2999-01-01", "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = run(cli, "history", "--since", "soon")
    assert code == 2 and "ISO" in err

    code, out, _ = run(cli, "report", gid)
    assert code == 0 and gid in out and "Quality" in out
    code, _, err = run(cli, "download", gid, "-o", str(tmp_path / "copy.csv"))
    assert code == 0, err
    assert (tmp_path / "copy.csv").read_bytes() == next((tmp_path / "exports").glob("*.csv")).read_bytes()


def test_multi_table_download_zip_and_inline(cli: CliRunner, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(MULTI_SCHEMA))
    code, out, err = run(cli, "generate", "-s", str(schema), "-n", "20", "-f", "parquet", "-d", "local", "--json")
    assert code == 0, err
    gid = json.loads(out)["generation_id"]
    code, _, err = run(cli, "download", gid, "-o", str(tmp_path))
    assert code == 0, err
    names = zipfile.ZipFile(tmp_path / f"{gid}.zip").namelist()
    assert sorted(names) == ["orders.parquet", "report.md", "users.parquet"]
    code, out, _ = run(cli, "generate", "-s", str(schema), "-n", "5", "-d", "inline", "--json")
    assert code == 0 and {k: len(v) for k, v in json.loads(out)["data"].items()} == {"users": 5, "orders": 5}


def test_download_to_a_new_directory_or_nested_file(cli: CliRunner, tmp_path: Path) -> None:
    code, out, err = run(cli, "generate", "-t", "user_profile", "-n", "10", "-f", "csv", "-d", "local", "--json")
    assert code == 0, err
    gid = json.loads(out)["generation_id"]
    code, _, err = run(cli, "download", gid, "-o", "fresh/")  # a trailing slash means a directory
    assert code == 0, err
    assert (tmp_path / "fresh").is_dir() and [p.name for p in (tmp_path / "fresh").iterdir()] == ["user_profile.csv"]
    code, _, err = run(cli, "download", gid, "-o", str(tmp_path / "a" / "b" / "copy.csv"))
    assert code == 0, err
    assert (tmp_path / "a" / "b" / "copy.csv").read_bytes() == (tmp_path / "fresh" / "user_profile.csv").read_bytes()
    code, out, _ = run(cli, "history", "--status", "SUCCESS", "--json")  # statuses read in any case
    assert code == 0 and [r["generation_id"] for r in json.loads(out)] == [gid]


def test_cli_errors(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdga.adapters.aws import reset_clients

    # S3 calls go to a closed local port: a destination failure without touching any real endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    reset_clients()
    code, _, err = run(cli, "status", "../../etc/passwd")
    assert code == 2 and err.startswith("error:") and "UUID" in err
    code, _, err = run(cli, "status", "6f1e0c1a-0000-4000-8000-000000000000")
    assert code == 2 and "not found" in err
    code, _, err = run(cli, "history", "--status", "sideways")
    assert code == 2 and "unknown status" in err
    code, _, err = run(cli, "generate", "-t", "user_profile", "-n", "5", "-d", "ftp")
    assert code == 2 and "unknown destination" in err
    code, _, err = run(cli, "generate", "-t", "user_profile", "-n", "5", "-d", "rds")
    assert code == 2 and "SQLAlchemy URL" in err
    code, _, err = run(
        cli, "generate", "-t", "user_profile", "-n", "5", "-d", "s3", "--location", "s3://sdga-nowhere/x"
    )
    assert code == 3 and err.startswith("error:")  # destination failed: exit 3, one line, no traceback
    assert "Traceback" not in err
    reset_clients()


def test_serve_binds_loopback_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SDGA_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdga", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as res:
                    body = json.loads(res.read())
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert body == {"status": "ok", "version": body["version"]} if body else False, (
            proc.stderr.read() if proc.stderr else ""
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as res:
            assert b"Synthetic Data Agent" in res.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
