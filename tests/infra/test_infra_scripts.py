"""Deployment scripts: strict mode, syntax, shellcheck, environment checks and the prod confirmation gate."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from infra_tf import SCRIPTS, TERRAFORM, require_or_skip, shellcheck

EXPECTED = {
    "bootstrap-backend.sh",
    "terraform-ci.sh",
    "init.sh",
    "validate.sh",
    "plan.sh",
    "deploy.sh",
    "destroy.sh",
    "build-lambda.sh",
    "upload-knowledge-base.sh",
    "common.sh",
}
SCRIPT_FILES = sorted(SCRIPTS.glob("*.sh"))
STATE_BUCKET = "sdga-terraform-state-123456789012-us-east-1"


def test_all_scripts_exist() -> None:
    assert {p.name for p in SCRIPT_FILES} >= EXPECTED


@pytest.mark.parametrize("script", SCRIPT_FILES, ids=lambda p: p.name)
def test_strict_mode_and_syntax(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    if script.name != "common.sh":  # sourced, not executed
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_shellcheck_is_clean() -> None:
    binary = shellcheck()
    if binary is None:
        require_or_skip("shellcheck")
    assert binary is not None  # require_or_skip never returns
    result = subprocess.run([binary, "-x", *map(str, SCRIPT_FILES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def fake_tools(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """terraform/aws/docker stand-ins that only record their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("terraform", "aws", "docker"):
        stub = bin_dir / tool
        stub.write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >> "{log}"\n', encoding="utf-8")
        stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "SDGA_CONFIRM_PROD"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["SDGA_STATE_BUCKET"] = STATE_BUCKET
    return env, log


def _run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPTS / script), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("script", ["deploy.sh", "destroy.sh", "upload-knowledge-base.sh"])
def test_prod_is_refused_without_confirmation(script: str, fake_tools: tuple[dict[str, str], Path]) -> None:
    env, log = fake_tools
    result = _run(script, "prod", env=env)
    assert result.returncode != 0
    assert "refusing" in result.stderr and "prod" in result.stderr
    assert not log.exists(), "terraform/aws must not run before the confirmation"


@pytest.mark.parametrize("script", ["init.sh", "plan.sh", "deploy.sh", "destroy.sh", "upload-knowledge-base.sh"])
def test_environment_argument_is_required_and_checked(script: str, fake_tools: tuple[dict[str, str], Path]) -> None:
    env, log = fake_tools
    missing = _run(script, env=env)
    assert missing.returncode != 0 and "missing environment" in missing.stderr
    unknown = _run(script, "qa", env=env)
    assert unknown.returncode != 0 and "unknown environment 'qa'" in unknown.stderr
    assert not log.exists()


def test_confirmed_prod_destroy_uses_the_prod_backend_and_tfvars(fake_tools: tuple[dict[str, str], Path]) -> None:
    env, log = fake_tools
    env["SDGA_CONFIRM_PROD"] = "prod"
    result = _run("destroy.sh", "prod", "--auto-approve", env=env)
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert (
        calls[0]
        == f"terraform -chdir={TERRAFORM} init -input=false -reconfigure -backend-config=backends/prod.s3.tfbackend"
        f" -backend-config=bucket={STATE_BUCKET}"
    )
    assert calls[-1].startswith(f"terraform -chdir={TERRAFORM} destroy -input=false -var-file=environments/prod.tfvars")
    assert calls[-1].endswith("-auto-approve")


def test_plan_builds_then_plans_into_a_file(fake_tools: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, log = fake_tools
    (tmp_path / "image-tag").write_text("0123456789abcdef\n", encoding="utf-8")  # dev deploys an image
    env["SDGA_BUILD_DIR"] = str(tmp_path)
    result = _run("plan.sh", "dev", env=env)
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert any("backends/dev.s3.tfbackend" in c for c in calls)
    plan = calls[-1]
    assert "plan -input=false -var-file=environments/dev.tfvars" in plan and plan.endswith("dev.tfplan")


def test_deploy_rejects_unknown_options(fake_tools: tuple[dict[str, str], Path]) -> None:
    env, log = fake_tools
    result = _run("deploy.sh", "dev", "--yolo", env=env)
    assert result.returncode != 0 and "unknown option" in result.stderr
    assert not log.exists()


def test_deploy_pushes_the_image_then_plans_and_applies(tmp_path: Path) -> None:
    """The whole deploy.sh flow against stand-ins: ECR first, push the content-hash tag, plan with it, apply the plan."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    repo_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sdga-dev-lambda"
    stubs = {
        "terraform": f'echo "terraform $*" >> "{log}"\ncase "$*" in *"output -raw ecr_repository_url"*) echo "{repo_url}" ;; esac',
        "aws": f'echo "aws $*" >> "{log}"\ncase "$*" in "ecr describe-images"*) exit 1 ;; "ecr get-login-password"*) echo secret ;; esac',
        "docker": f'echo "docker $*" >> "{log}"; cat >/dev/null',
    }
    for tool, body in stubs.items():
        stub = bin_dir / tool
        stub.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
        stub.chmod(0o755)
    build = tmp_path / "build"
    build.mkdir()
    (build / "image-tag").write_text("0123456789abcdef\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SDGA_CONFIRM_PROD"}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", SDGA_BUILD_DIR=str(build), SDGA_STATE_BUCKET=STATE_BUCKET
    )
    result = _run("deploy.sh", "dev", "--skip-build", "--auto-approve", env=env)
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()

    def index(fragment: str) -> int:
        return next(i for i, c in enumerate(calls) if fragment in c)

    ecr = index(
        "apply -input=false -auto-approve -var-file=environments/dev.tfvars -target=module.kms -target=module.ecr"
    )
    login = index("docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com")
    push = index(f"docker push {repo_url}:0123456789abcdef")
    plan = index("plan -input=false -var-file=environments/dev.tfvars -var lambda_image_tag=0123456789abcdef")
    apply = index(f"apply -input=false {build}/dev.tfplan")
    assert index("backends/dev.s3.tfbackend") < ecr < login < push < plan < apply
    assert not any("start-ingestion-job" in c for c in calls)  # dev has no knowledge base


def test_upload_knowledge_base_syncs_and_waits_for_ingestion(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    outputs = {
        "knowledge_base_bucket_name": "sdga-staging-kb-123456789012-us-east-1",
        "knowledge_base_prefix": "documents/",
        "knowledge_base_id": "KB12345678",
        "knowledge_base_data_source_id": "DS12345678",
    }
    cases = "\n".join(f'  *"output -raw {k}") echo "{v}" ;;' for k, v in outputs.items())
    stubs = {
        "terraform": f'echo "terraform $*" >> "{log}"\ncase "$*" in\n{cases}\nesac',
        "aws": (
            f'echo "aws $*" >> "{log}"\ncase "$*" in\n'
            "  *start-ingestion-job*) echo JOB42 ;;\n"
            f'  "s3 sync"*) find "$3" -type f >> "{log}.files" ;;\n'
            '  *"--query ingestionJob.status"*) echo COMPLETE ;;\n'
            "esac"
        ),
    }
    for tool, body in stubs.items():
        stub = bin_dir / tool
        stub.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
        stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "SDGA_CONFIRM_PROD"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["SDGA_STATE_BUCKET"] = STATE_BUCKET
    result = _run("upload-knowledge-base.sh", "staging", env=env)
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    sync = next(c for c in calls if c.startswith("aws s3 sync"))
    assert sync.endswith("--exclude __pycache__/*")
    exported = sync.split()[3]  # aws s3 sync <exported dir> s3://...
    assert "s3://sdga-staging-kb-123456789012-us-east-1/documents/ --delete" in sync
    assert not Path(exported).exists(), "the temporary export is removed afterwards"
    uploaded = (tmp_path / "calls.log.files").read_text(encoding="utf-8")
    for expected in ("ecommerce", "user_profile", "hipaa"):  # a domain template, a core template, a rule set
        assert expected in uploaded
    start = next(c for c in calls if "start-ingestion-job" in c)
    assert "--knowledge-base-id KB12345678 --data-source-id DS12345678" in start
    assert any("get-ingestion-job" in c and "--ingestion-job-id JOB42" in c for c in calls)


def _sandbox(tmp_path: Path, tfvars: str) -> tuple[Path, dict[str, str], Path]:
    """A copy of the scripts over a one-environment Terraform tree, with build-lambda.sh and the tools stubbed."""
    root = tmp_path / "repo"
    scripts = root / "Infrastructure" / "scripts"
    scripts.mkdir(parents=True)
    for script in SCRIPT_FILES:
        shutil.copy2(script, scripts / script.name)
    log = tmp_path / "calls.log"
    (scripts / "build-lambda.sh").write_text(
        f'#!/usr/bin/env bash\necho "build-lambda.sh $*" >> "{log}"\n'
        'while [ $# -gt 0 ]; do [ "$1" = --out ] && mkdir -p "$2" && echo 0123456789abcdef > "$2/image-tag"; shift; done\n',
        encoding="utf-8",
    )
    (scripts / "build-lambda.sh").chmod(0o755)
    tf = root / "Infrastructure" / "terraform"
    (tf / "environments").mkdir(parents=True)
    (tf / "backends").mkdir()
    (tf / "environments" / "dev.tfvars").write_text(tfvars, encoding="utf-8")
    (tf / "backends" / "dev.s3.tfbackend").write_text('bucket = "state"\n', encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("terraform", "aws", "docker"):
        stub = bin_dir / tool
        stub.write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >> "{log}"\n', encoding="utf-8")
        stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("SDGA_CONFIRM_PROD", "SDGA_BUILD_DIR")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["SDGA_STATE_BUCKET"] = STATE_BUCKET
    return scripts, env, log


@pytest.mark.parametrize(
    ("arch_line", "expected"),
    [('lambda_architecture = "arm64"\n', "arm64"), ('lambda_architecture = "x86_64"\n', "x86_64"), ("", "x86_64")],
    ids=["arm64", "x86_64", "default"],
)
def test_deploy_builds_for_the_architecture_the_environment_deploys(
    tmp_path: Path, arch_line: str, expected: str
) -> None:
    """Layers and images built for x86_64 do not run on arm64 functions (and vice versa); an environment
    that does not say gets the variable's default, x86_64."""
    scripts, env, log = _sandbox(tmp_path, f'environment = "dev"\n{arch_line}')
    result = subprocess.run(
        ["bash", str(scripts / "deploy.sh"), "dev", "--auto-approve", "--skip-kb"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    build = next(c for c in log.read_text(encoding="utf-8").splitlines() if c.startswith("build-lambda.sh"))
    assert f"--arch {expected}" in build


def _plan(scripts: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(scripts / "plan.sh"), "dev", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plan_of_an_image_environment_passes_the_built_image_tag(tmp_path: Path) -> None:
    """Without lambda_image_tag every image_uri is null and terraform stops at the lambda module's precondition."""
    scripts, env, log = _sandbox(tmp_path, 'environment = "dev"\n')
    build = tmp_path / "build"
    build.mkdir()
    (build / "image-tag").write_text("0123456789abcdef\n", encoding="utf-8")
    env["SDGA_BUILD_DIR"] = str(build)
    result = _plan(scripts, env)
    assert result.returncode == 0, result.stderr
    plan = next(c for c in log.read_text(encoding="utf-8").splitlines() if " plan " in c)
    assert "-var-file=environments/dev.tfvars -var lambda_image_tag=0123456789abcdef" in plan
    assert plan.endswith(f"-out={build}/dev.tfplan")


def test_plan_of_an_image_environment_without_a_tag_says_how_to_get_one(tmp_path: Path) -> None:
    scripts, env, log = _sandbox(tmp_path, 'environment = "dev"\n')
    env["SDGA_BUILD_DIR"] = str(tmp_path / "empty")
    result = _plan(scripts, env)
    assert result.returncode != 0
    assert "build-lambda.sh --image auto" in result.stderr and "lambda_image_tag" in result.stderr
    assert not log.exists() or " plan " not in log.read_text(encoding="utf-8")


def test_plan_keeps_an_explicit_image_tag(tmp_path: Path) -> None:
    scripts, env, log = _sandbox(tmp_path, 'environment = "dev"\n')
    env["SDGA_BUILD_DIR"] = str(tmp_path / "empty")
    result = _plan(scripts, env, "-var", "lambda_image_tag=v1.2.3")
    assert result.returncode == 0, result.stderr
    plan = next(c for c in log.read_text(encoding="utf-8").splitlines() if " plan " in c)
    assert plan.count("lambda_image_tag=") == 1 and "lambda_image_tag=v1.2.3" in plan


def _aws_stub(tmp_path: Path, body: str) -> tuple[dict[str, str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool, script in {"aws": body, "terraform": ""}.items():
        stub = bin_dir / tool
        stub.write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >> "{log}"\n{script}\n', encoding="utf-8")
        stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("SDGA_CONFIRM_PROD", "SDGA_STATE_BUCKET")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env, log


def test_backend_files_hold_no_account_placeholder() -> None:
    for backend in (TERRAFORM / "backends").glob("*.s3.tfbackend"):
        text = backend.read_text(encoding="utf-8")
        assert "ACCOUNT_ID" not in text and not re.search(r"^\s*bucket\s*=", text, re.M), backend.name


def test_init_uses_the_state_bucket_of_the_callers_account(tmp_path: Path) -> None:
    env, log = _aws_stub(tmp_path, 'case "$*" in "sts get-caller-identity"*) echo 210987654321 ;; esac')
    result = _run("init.sh", "staging", env=env)
    assert result.returncode == 0, result.stderr
    init = next(c for c in log.read_text(encoding="utf-8").splitlines() if " init " in c)
    assert init.endswith(
        "-backend-config=backends/staging.s3.tfbackend -backend-config=bucket=sdga-terraform-state-210987654321-us-east-1"
    )


def test_init_without_credentials_says_so(tmp_path: Path) -> None:
    env, log = _aws_stub(tmp_path, "exit 255")
    result = _run("init.sh", "dev", env=env)
    assert result.returncode != 0 and "SDGA_STATE_BUCKET" in result.stderr
    assert " init " not in log.read_text(encoding="utf-8")


def test_bootstrap_creates_a_hardened_bucket_and_lock_table_once(tmp_path: Path) -> None:
    created = tmp_path / "created"
    env, log = _aws_stub(
        tmp_path,
        f'''case "$*" in
  "sts get-caller-identity"*) echo 210987654321 ;;
  "s3api head-bucket"*|"dynamodb describe-table"*) [ -e "{created}" ] || exit 254 ;;
  "dynamodb create-table"*) touch "{created}" ;;
esac''',
    )
    first = _run("bootstrap-backend.sh", "--region", "eu-west-1", env=env)
    assert first.returncode == 0, first.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    bucket = "sdga-terraform-state-210987654321-eu-west-1"
    create = next(c for c in calls if "s3api create-bucket" in c)
    assert f"--bucket {bucket}" in create and "LocationConstraint=eu-west-1" in create
    for needle in (
        "put-public-access-block",
        "BlockPublicPolicy=true",
        "Status=Enabled",
        '"SSEAlgorithm":"aws:kms"',
        "aws:SecureTransport",
        "NoncurrentVersionExpiration",
        "BucketOwnerEnforced",
    ):
        assert any(needle in c for c in calls), needle
    table = next(c for c in calls if "dynamodb create-table" in c)
    assert "--table-name sdga-terraform-locks" in table and "AttributeName=LockID,KeyType=HASH" in table
    assert any("PointInTimeRecoveryEnabled=true" in c for c in calls)
    log.unlink()
    second = _run("bootstrap-backend.sh", "--region", "eu-west-1", env=env)
    assert second.returncode == 0, second.stderr
    again = log.read_text(encoding="utf-8")
    assert "create-bucket" not in again and "create-table" not in again
