"""build-lambda.sh: a reproducible function zip whose handlers import and answer Bedrock events on their own."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from infra_tf import REPO, SCRIPTS

BUILD = SCRIPTS / "build-lambda.sh"
HANDLERS = ("generate", "validate", "metrics", "agent")


@pytest.fixture(scope="module")
def function_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    result = subprocess.run(["bash", str(BUILD), "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    archive = out / "lambda" / "function.zip"
    assert archive.is_file()
    return archive


def test_zip_is_reproducible(tmp_path: Path) -> None:
    # Build twice from one snapshot of the package (so concurrent edits cannot interfere), with different file
    # mtimes and creation order in between: the archives must be byte-identical.
    snapshot = tmp_path / "sdga"
    shutil.copytree(REPO / "src" / "sdga", snapshot, ignore=shutil.ignore_patterns("__pycache__"))
    helper = [sys.executable, str(SCRIPTS / "lambda_package.py"), "function", "--src", str(snapshot)]
    subprocess.run([*helper, "--out", str(tmp_path / "a.zip")], check=True, capture_output=True)
    for path in snapshot.rglob("*.py"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    subprocess.run([*helper, "--out", str(tmp_path / "b.zip")], check=True, capture_output=True)
    first = hashlib.sha256((tmp_path / "a.zip").read_bytes()).hexdigest()
    second = hashlib.sha256((tmp_path / "b.zip").read_bytes()).hexdigest()
    assert first == second


def test_zip_layout(function_zip: Path) -> None:
    with zipfile.ZipFile(function_zip) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    for handler in HANDLERS:
        assert f"sdga/lambdas/{handler}.py" in names
    assert "sdga/agent/instruction.md" in names  # package data travels with the code
    assert any(n.startswith("sdga/templates/") and n.endswith(".yaml") for n in names)
    assert all(n.startswith("sdga/") for n in names)


def test_requirements_come_from_pyproject() -> None:
    helper = [
        sys.executable,
        str(SCRIPTS / "lambda_package.py"),
        "requirements",
        "--pyproject",
        str(REPO / "pyproject.toml"),
    ]
    runtime = subprocess.run(
        [*helper, "--group", "runtime", "--extra", "aws"], capture_output=True, text=True, check=True
    )
    scientific = subprocess.run(
        [*helper, "--group", "scientific", "--extra", "aws"], capture_output=True, text=True, check=True
    )
    runtime_names = runtime.stdout.split()
    assert any(r.startswith("pydantic") for r in runtime_names)
    assert any(r.startswith("aws-lambda-powertools") for r in runtime_names)
    assert not any(r.startswith(("numpy", "pyarrow")) for r in runtime_names)
    assert {r.split(">")[0].split("=")[0] for r in scientific.stdout.split()} >= {"numpy", "pyarrow"}


def test_size_check_rejects_oversized_packages(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("python/blob.bin", b"\0" * 2_000_000)
    helper = [sys.executable, str(SCRIPTS / "lambda_package.py"), "size"]
    assert subprocess.run([*helper, "--max-bytes", "1000000", str(archive)], capture_output=True).returncode == 1
    assert subprocess.run([*helper, "--max-bytes", "3000000", str(archive)], capture_output=True).returncode == 0


# The invocation script runs in a fresh interpreter whose only copy of sdga is the unzipped package; the third-party
# dependencies come from site-packages (in Lambda: the layers). It proves where sdga was imported from.
INVOKE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    root = Path(sys.argv[1]).resolve()
    import sdga
    assert Path(sdga.__file__).resolve().is_relative_to(root), sdga.__file__

    class Context:
        function_name = "sdga-test"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sdga-test"
        aws_request_id = "req-1"
        def get_remaining_time_in_millis(self):
            return 60_000

    def bedrock(group, path, method, props=(), params=()):
        event = {"messageVersion": "1.0", "agent": {"name": "a", "id": "A1", "alias": "TSTALIASID", "version": "DRAFT"},
                 "inputText": "test", "sessionId": "s1", "actionGroup": group, "apiPath": path, "httpMethod": method,
                 "parameters": [{"name": k, "type": "string", "value": v} for k, v in params],
                 "sessionAttributes": {}, "promptSessionAttributes": {}}
        if props:
            event["requestBody"] = {"content": {"application/json": {"properties": [
                {"name": k, "type": "string", "value": v} for k, v in props]}}}
        return event

    import importlib
    out = {}
    schema = json.dumps({"name": "users", "fields": [
        {"name": "id", "type": "uuid", "constraints": {"unique": True}},
        {"name": "email", "type": "email"},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}}]})
    validate = importlib.import_module("sdga.lambdas.validate").handler
    out["validate"] = validate(bedrock("schema-validation-actions", "/api/v1/synthetic-data/validate-schema", "POST",
                                       [("schema", schema), ("compliance_requirements", "GDPR")]), Context())
    generate = importlib.import_module("sdga.lambdas.generate").handler
    out["generate"] = generate(bedrock("data-generation-actions", "/api/v1/synthetic-data/generate", "POST",
                                       [("data_type", "custom"), ("volume", "50"), ("schema", schema),
                                        ("output_format", "csv"), ("seed", "7")]), Context())
    body = json.loads(out["generate"]["response"]["responseBody"]["application/json"]["body"])
    gid = body.get("generation_id")
    out["status"] = generate(bedrock("data-generation-actions", "/api/v1/synthetic-data/status/{generation_id}", "GET",
                                     params=[("generation_id", gid)]), Context())
    metrics = importlib.import_module("sdga.lambdas.metrics").handler
    out["metrics"] = metrics(bedrock("quality-metrics-actions", "/api/v1/synthetic-data/quality-metrics", "POST",
                                     [("generation_id", gid)]), Context())
    agent = importlib.import_module("sdga.lambdas.agent")
    out["agent_import"] = callable(agent.handler)
    from importlib import metadata
    tops = {m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names) - {"sdga"}
    owners = metadata.packages_distributions()
    out["imports"] = {t: owners.get(t, []) for t in sorted(tops)}
    print(json.dumps(out))
    """
)


def test_handlers_run_from_the_unzipped_package(function_zip: Path, tmp_path: Path) -> None:
    code = tmp_path / "code"
    with zipfile.ZipFile(function_zip) as zf:
        zf.extractall(code)
    home = tmp_path / "home"
    site_packages = sysconfig.get_paths()["purelib"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(code), site_packages]),
        "PYTHONNOUSERSITE": "1",
        # Storage and history on local temp dirs instead of S3/DynamoDB.
        "SDGA_HOME": str(home),
        "SDGA_STORAGE_BACKEND": "local",
        "SDGA_HISTORY_BACKEND": "sqlite",
        "SDGA_BACKGROUND_MODE": "off",
        "SDGA_LLM_BACKEND": "offline",
        "SDGA_KB_BACKEND": "local",
        "POWERTOOLS_SERVICE_NAME": "synthetic-data-agent-test",
        "POWERTOOLS_METRICS_NAMESPACE": "SyntheticDataAgent",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [sys.executable, "-c", INVOKE, str(code)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    def body(name: str) -> dict:
        response = out[name]
        assert response["messageVersion"] == "1.0"
        inner = response["response"]
        assert inner["httpStatusCode"] == 200, (name, inner)
        return json.loads(inner["responseBody"]["application/json"]["body"])

    assert out["validate"]["response"]["actionGroup"] == "schema-validation-actions"
    assert body("validate")["valid"] is True
    generated = body("generate")
    assert generated["status"] == "success" and generated["records_generated"] == 50
    assert body("status")["generation_id"] == generated["generation_id"]
    metrics = body("metrics")
    assert metrics["generation_id"] == generated["generation_id"]
    assert out["agent_import"] is True
    assert (home / "history.sqlite3").is_file()

    # What the handlers imported while serving those events must ship in the layers / image, which are built from
    # the core dependencies + the aws extra of pyproject.toml.
    helper = [
        sys.executable,
        str(SCRIPTS / "lambda_package.py"),
        "requirements",
        "--pyproject",
        str(REPO / "pyproject.toml"),
    ]
    roots = subprocess.run([*helper, "--group", "all", "--extra", "aws"], capture_output=True, text=True, check=True)
    closure = _requirement_closure(roots.stdout.splitlines())
    missing = {
        top: dists
        for top, dists in out["imports"].items()
        if top not in OPPORTUNISTIC and dists and not any(re.sub(r"[-_.]+", "-", d).lower() in closure for d in dists)
    }
    assert not missing, f"imported by the handlers but missing from the Lambda requirements (pyproject): {missing}"


# Imported only because they happen to be installed in the test environment: libraries probe for them and work
# without them (none is imported by sdga itself).
OPPORTUNISTIC = {
    "_distutils_hack",  # setuptools' .pth hook, not a runtime import
    "certifi",  # botocore/urllib3 use it when present, else the system CA bundle
    "cloudpickle",  # polars/pyarrow serialization helpers, optional
    "pandas",  # pyarrow/polars interop, imported lazily when installed
}


def _requirement_closure(roots: list[str]) -> set[str]:
    """Distributions reachable from ``roots`` through installed metadata (markers for extras are followed)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        key = norm(req.name)
        extras = set(req.extras)
        marker_key = (key, frozenset(extras))
        if marker_key in seen:
            continue
        seen.add(marker_key)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            child = Requirement(text)
            env = {"extra": ""}
            if (
                child.marker is None
                or child.marker.evaluate(env)
                or any(child.marker.evaluate({"extra": e}) for e in extras)
            ):
                todo.append(child)
    return {k for k, _ in seen}
