"""CI/CD workflows: tests as in .ci/run, infrastructure checks and a plan per environment, gated prod apply."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra_tf import REPO, TERRAFORM, blocks
from test_infra_scripts import _sandbox

WORKFLOWS = REPO / ".github" / "workflows"


def _load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as a boolean
    return doc


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_every_workflow_is_valid_yaml() -> None:
    names = {p.name for p in WORKFLOWS.glob("*.yml")}
    assert {"tests.yml", "infra.yml", "deploy.yml", "deploy-environment.yml"} <= names
    for name in names:
        doc = _load(name)
        assert doc["jobs"], name
        assert doc.get("permissions"), f"{name} must declare least-privilege permissions"


def test_tests_workflow_runs_the_ci_script() -> None:
    job = _load("tests.yml")["jobs"]["test"]
    assert "bash .ci/run" in _runs(job)
    assert {"postgres", "mariadb"} <= set(job["services"])
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "checkov" in ci and "pytest" in ci


def test_infra_workflow_checks_and_plans_every_environment() -> None:
    doc = _load("infra.yml")
    static = _runs(doc["jobs"]["static"])
    for needle in ("fmt -check", "validate", "sdga.openapi --check", "validate.sh"):
        assert needle in static, needle
    plan = doc["jobs"]["plan"]
    assert plan["strategy"]["matrix"]["environment"] == ["dev", "staging", "prod"]
    assert "plan -input=false" in _runs(plan)
    assert plan["permissions"]["id-token"] == "write"


def test_prod_apply_needs_staging_and_an_approved_environment() -> None:
    deploy = _load("deploy.yml")["jobs"]
    assert deploy["prod"]["needs"] == "staging" and deploy["staging"]["needs"] == "dev"
    assert all(job["uses"] == "./.github/workflows/deploy-environment.yml" for job in deploy.values())
    apply = _load("deploy-environment.yml")["jobs"]["apply"]
    assert apply["environment"] == "${{ inputs.environment }}"
    assert "deploy.sh" in _runs(apply)


def test_workflows_reference_existing_scripts() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        for token in text.split():
            if token.startswith("Infrastructure/scripts/"):
                assert (REPO / Path(token.strip("\"'"))).is_file(), f"{path.name}: {token}"


def test_deploy_job_installs_what_deploy_sh_and_the_smoke_test_import() -> None:
    """upload-knowledge-base.sh runs `python -m sdga kb export` (typer, pydantic, yaml) and the smoke test imports
    boto3: a bare setup-python has neither, so the job must install the package with its aws extra first."""
    steps = _load("deploy-environment.yml")["jobs"]["apply"]["steps"]
    runs = [step.get("run", "") for step in steps]
    deploy = next(i for i, run in enumerate(runs) if "deploy.sh" in run)
    installs = [i for i, run in enumerate(runs) if "pip install" in run and ".[" in run and "aws" in run]
    assert installs and installs[0] < deploy, "install the package (with the aws extra) before deploy.sh"
    smoke = next(i for i, run in enumerate(runs) if "import json, sys, boto3" in run)
    assert installs[0] < smoke


def _run_plan_build_step(tmp_path: Path, tfvars: str) -> str:
    """Run the plan job's build step against a one-environment sandbox; return build-lambda.sh's arguments."""
    scripts, env, log = _sandbox(tmp_path, tfvars)
    steps = _load("infra.yml")["jobs"]["plan"]["steps"]
    step = next(s for s in steps if "build-lambda.sh" in s.get("run", ""))
    script = step["run"].replace("${{ matrix.environment }}", "dev")
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=scripts.parents[1],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return next(c for c in log.read_text(encoding="utf-8").splitlines() if c.startswith("build-lambda.sh"))


@pytest.mark.parametrize("arch", ["arm64", "x86_64"])
def test_plan_job_hashes_the_artefacts_built_for_the_environments_architecture(tmp_path: Path, arch: str) -> None:
    """The image tag is the hash of the layers, which are platform-specific: a plan computed from x86_64 wheels
    names a tag that deploy.sh (building for the environment's lambda_architecture) never pushes."""
    build = _run_plan_build_step(tmp_path, f'environment = "dev"\nlambda_architecture = "{arch}"\n')
    assert f"--arch {arch}" in build and "--image auto" in build and "--no-docker" in build


def test_plan_job_uses_the_variable_default_architecture_when_the_environment_sets_none(tmp_path: Path) -> None:
    build = _run_plan_build_step(tmp_path, 'environment = "dev"\n')
    default = next(b for b in blocks("variable") if b.file.parent == TERRAFORM and b.name == "lambda_architecture")
    assert f"--arch {default.body['default']}" in build
