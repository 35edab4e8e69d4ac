"""The Lambda container image: hashed lock, content-derived tag, and the image's own check run here.

No Docker engine runs here, so the Dockerfile's import check is run the way the image runs it: the same command
(read from the Dockerfile), in a directory laid out like the image's task root (the dependencies and the sdga
package side by side), by an interpreter that sees nothing else. The handlers are then invoked from that layout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from infra_tf import INFRA, REPO, SCRIPTS

DOCKERFILE = INFRA / "docker" / "Dockerfile"
LOCK = INFRA / "docker" / "requirements.lock"
HELPER = [sys.executable, str(SCRIPTS / "lambda_package.py")]
TASK_ROOT = "/var/task"  # LAMBDA_TASK_ROOT of the public.ecr.aws/lambda/python images


def _helper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HELPER, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def image_layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(task root, python of an empty venv): the dependencies and sdga as the Dockerfile places them."""
    base = tmp_path_factory.mktemp("image")
    root = base / "var" / "task"
    root.mkdir(parents=True)
    # The dependencies: every entry of this environment's site-packages, linked (the image installs the same
    # distributions from the lock into the task root) - except sdga itself, which comes from src/ as in the image.
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.startswith(("sdga", "__editable__", "synthetic_data_agent", "_synthetic_data_agent")):
            continue
        if entry.suffix == ".pth":
            continue
        (root / entry.name).symlink_to(entry)
    shutil.copytree(REPO / "src" / "sdga", root / "sdga", ignore=shutil.ignore_patterns("__pycache__"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return root, venv / "bin" / "python"


def _dockerfile_check_command() -> str:
    text = DOCKERFILE.read_text(encoding="utf-8")
    run = next(line for line in text.splitlines() if line.startswith("RUN ") and "check_image.py" in line)
    return run.removeprefix("RUN ").split(" && ")[0]


def _run_like_the_image(command: str, root: Path, python: Path) -> subprocess.CompletedProcess[str]:
    copied = root.parent.parent / "check_image.py"
    shutil.copy(INFRA / "docker" / "check_image.py", copied)
    command = command.replace("${LAMBDA_TASK_ROOT}", str(root)).replace("/tmp/check_image.py", str(copied))
    env = {"PATH": f"{python.parent}{os.pathsep}/usr/bin:/bin", "HOME": str(root.parent), "PYTHONNOUSERSITE": "1"}
    return subprocess.run(["sh", "-c", command], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_dockerfile_import_check_passes_in_the_image_layout(image_layout: tuple[Path, Path]) -> None:
    root, python = image_layout
    command = _dockerfile_check_command()
    assert 'PYTHONPATH="${LAMBDA_TASK_ROOT}"' in command and "python3 /tmp/check_image.py" in command
    result = _run_like_the_image(command, root, python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "handlers import from" in result.stdout and "task root total" in result.stdout


def test_the_check_fails_without_the_dependencies_on_the_path(image_layout: tuple[Path, Path]) -> None:
    """The bug this replaces: an import check run without the dependencies' directory on the path fails."""
    root, python = image_layout
    command = _dockerfile_check_command().replace('PYTHONPATH="${LAMBDA_TASK_ROOT}" ', "")
    result = _run_like_the_image(command, root, python)
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr


def test_the_check_fails_above_the_size_limit(image_layout: tuple[Path, Path]) -> None:
    root, python = image_layout
    result = _run_like_the_image(_dockerfile_check_command() + " --max-mb 1", root, python)
    assert result.returncode == 1 and "above 1 MB" in result.stderr


def test_dependencies_and_code_land_in_the_task_root() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "COPY --from=dependencies /deps/ ${LAMBDA_TASK_ROOT}/" in text
    assert "COPY src/sdga/ ${LAMBDA_TASK_ROOT}/sdga/" in text
    install = re.search(r"pip install (.+?)-r /tmp/requirements.lock", text, re.S)
    assert install, "the image installs from the lock"
    flags = install.group(1)
    for flag in ("--require-hashes", "--no-deps", "--only-binary=:all:", "--implementation cp", "--target /deps"):
        assert flag in flags, flag
    assert "manylinux_2_${v}_${arch}" in text and "for v in 28 " in text
    assert "FROM --platform=$BUILDPLATFORM" in text and "ARG TARGETARCH" in text


def test_lock_pins_every_requirement_with_hashes_for_both_architectures() -> None:
    result = _helper("check-lock")
    assert result.returncode == 0, result.stderr
    lines = LOCK.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    pins = {line.split("==")[0]: line for line in lines if "==" in line}
    assert {"numpy", "pyarrow", "polars", "pydantic", "aws-lambda-powertools", "boto3"} <= set(pins)
    for name, line in pins.items():
        assert "--hash=sha256:" in line, name
    # Compiled packages have one wheel per architecture: two hashes.
    for name in ("numpy", "pyarrow", "pydantic-core"):
        assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", pins[name])) == 2, name


def test_check_lock_reports_a_requirement_the_lock_misses(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    text = LOCK.read_text(encoding="utf-8")
    lock.write_text(re.sub(r"(?m)^polars==[^\n]*\n(    --hash[^\n]*\n)*", "", text), encoding="utf-8")
    result = _helper("check-lock", "--lock", str(lock))
    assert result.returncode == 1 and "polars is not in the lock" in result.stderr


def test_image_tag_is_derived_from_the_content() -> None:
    spec = __import__("importlib.util").util.spec_from_file_location("lambda_package", SCRIPTS / "lambda_package.py")
    module = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first = module.image_tag(REPO, "x86_64")
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert module.image_tag(REPO, "x86_64") == first
    assert module.image_tag(REPO, "arm64") != first


def test_image_tag_changes_with_the_code(tmp_path: Path) -> None:
    spec = __import__("importlib.util").util.spec_from_file_location("lambda_package", SCRIPTS / "lambda_package.py")
    module = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(module)
    repo = tmp_path / "repo"
    for rel in module.TAG_INPUTS:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, repo / rel)
    shutil.copytree(REPO / "src" / "sdga", repo / "src" / "sdga", ignore=shutil.ignore_patterns("__pycache__"))
    before = module.image_tag(repo, "x86_64")
    (repo / "src" / "sdga" / "__pycache__").mkdir(exist_ok=True)
    (repo / "src" / "sdga" / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    assert module.image_tag(repo, "x86_64") == before, "caches do not change the tag"
    with (repo / "src" / "sdga" / "config.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    assert module.image_tag(repo, "x86_64") != before


def test_build_script_writes_the_tag_without_docker(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPTS / "build-lambda.sh"), "--arch", "arm64", "--no-docker", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    tag = (tmp_path / "image-tag").read_text(encoding="utf-8").strip()
    assert tag == _helper("tag", "--arch", "arm64").stdout.strip()
    assert f"image tag {tag} (linux/arm64)" in result.stdout


def test_build_script_builds_with_buildx_for_the_platform(tmp_path: Path) -> None:
    """Against a docker stand-in: buildx for the architecture, no attestations (Lambda refuses image indexes),
    then the size check on what was built."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "docker.log"
    size = tmp_path / "size"
    size.write_text("734003200", encoding="utf-8")
    (bin_dir / "docker").write_text(
        f'#!/usr/bin/env bash\necho "docker $*" >> "{log}"\ncase "$*" in "image inspect"*) cat "{size}" ;; esac\n',
        encoding="utf-8",
    )
    (bin_dir / "docker").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    build = ["bash", str(SCRIPTS / "build-lambda.sh"), "--arch", "arm64", "--out", str(tmp_path / "out")]
    result = subprocess.run(build, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    call = next(c for c in log.read_text(encoding="utf-8").splitlines() if "buildx build" in c)
    tag = (tmp_path / "out" / "image-tag").read_text(encoding="utf-8").strip()
    for part in (
        "--platform linux/arm64",
        "--provenance=false",
        "--load",
        f"-t sdga-lambda:{tag}",
        "docker/Dockerfile",
    ):
        assert part in call, part
    assert "image size 700 MB" in result.stdout
    size.write_text(str(11 * 1024**3), encoding="utf-8")
    too_big = subprocess.run(build, env=env, capture_output=True, text=True, timeout=120)
    assert too_big.returncode == 1 and "larger than Lambda accepts" in too_big.stderr


def test_sizes_lists_each_distribution_and_fails_above_the_limit(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "big.bin").write_bytes(b"\0" * 2_000_000)
    info = root / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("pkg/big.bin,,\n", encoding="utf-8")
    ok = _helper("sizes", str(root), "--max-mb", "3")
    assert ok.returncode == 0 and "pkg" in ok.stdout and "total" in ok.stdout
    over = _helper("sizes", str(root), "--max-mb", "1")
    assert over.returncode == 1


# The handlers run from the image layout with local adapters: a fresh interpreter whose only sdga is the task
# root's, answering Bedrock events.
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
    from importlib import metadata
    tops = {m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names) - {"sdga"}
    owners = metadata.packages_distributions()
    out["imports"] = {t: owners.get(t, []) for t in sorted(tops)}
    print(json.dumps(out))
    """
)


def test_handlers_answer_bedrock_events_from_the_image_layout(image_layout: tuple[Path, Path], tmp_path: Path) -> None:
    root, python = image_layout
    home = tmp_path / "home"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(root),
        "PYTHONNOUSERSITE": "1",
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
        [str(python), "-c", INVOKE, str(root)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    def body(name: str) -> dict:
        inner = out[name]["response"]
        assert inner["httpStatusCode"] == 200, (name, inner)
        return json.loads(inner["responseBody"]["application/json"]["body"])

    assert body("validate")["valid"] is True
    generated = body("generate")
    assert generated["status"] == "success" and generated["records_generated"] == 50
    assert body("status")["generation_id"] == generated["generation_id"]
    assert body("metrics")["generation_id"] == generated["generation_id"]
    # What the handlers imported must be in the lock the image is installed from.
    locked = {line.split("==")[0] for line in LOCK.read_text(encoding="utf-8").splitlines() if "==" in line}
    missing = {
        top: dists
        for top, dists in out["imports"].items()
        if top not in OPPORTUNISTIC and dists and not any(re.sub(r"[-_.]+", "-", d).lower() in locked for d in dists)
    }
    assert not missing, f"imported by the handlers but not in requirements.lock: {missing}"


# Imported only because they happen to be installed in the test environment: libraries probe for them and work
# without them (none is imported by sdga itself).
OPPORTUNISTIC = {
    "_distutils_hack",
    "certifi",
    "cloudpickle",
    "pandas",
    "pytz",
}  # polars converts time zones with pytz when present

_ = shlex  # quoting helpers are not needed: the Dockerfile command is used verbatim
