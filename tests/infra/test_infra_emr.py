"""EMR Serverless behind the generate action: the application, a least-privilege job role, the hand-off settings
and a reproducible Python environment archive."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tarfile
from pathlib import Path
from typing import Any

from infra_tf import MODULES, SCRIPTS, TERRAFORM, as_list, blocks, load, locals_of, statements

EMR = MODULES / "emr-serverless"


def _helper() -> Any:
    spec = importlib.util.spec_from_file_location("lambda_package", SCRIPTS / "lambda_package.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["lambda_package"] = module
    spec.loader.exec_module(module)
    return module


def _doc(name: str) -> Any:
    return next(b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == EMR and b.name == name)


def test_application_is_optional_and_on_in_prod_only() -> None:
    call = next(b.body for b in blocks("module") if b.file.parent == TERRAFORM and b.name == "emr_serverless")
    assert call["count"] == "${var.enable_emr_serverless ? 1 : 0}"
    assert call["release_label"] == "${var.emr_release_label}"
    assert load(TERRAFORM / "environments" / "prod.tfvars")["enable_emr_serverless"] is True
    for env in ("dev", "staging"):
        assert load(TERRAFORM / "environments" / f"{env}.tfvars").get("enable_emr_serverless", False) is False
    app = next(b.body for b in blocks("resource", "aws_emrserverless_application") if b.module_dir == EMR)
    assert app["type"] == "spark" and app["auto_stop_configuration"][0]["enabled"] is True
    logging = app["monitoring_configuration"][0]["cloudwatch_logging_configuration"][0]
    assert logging["encryption_key_arn"] == "${var.logs_kms_key_arn}"


def test_job_role_reaches_only_the_output_prefix_the_code_and_the_key() -> None:
    trust = statements(_doc("job_trust"))[0]
    assert trust["principals"][0]["identifiers"] == ["emr-serverless.amazonaws.com"]
    assert {c["variable"] for c in trust["condition"]} == {"aws:SourceAccount", "aws:SourceArn"}
    grants = {(a, r) for s in statements(_doc("job")) for a in s["actions"] for r in as_list(s["resources"])}
    assert grants == {
        ("s3:GetObject", "${local.code_objects}"),
        ("s3:GetObject", "${local.output_objects}"),
        ("s3:PutObject", "${local.output_objects}"),
        ("s3:DeleteObject", "${local.output_objects}"),
        ("s3:AbortMultipartUpload", "${local.output_objects}"),
        ("s3:ListBucket", "${var.output_bucket_arn}"),
        ("kms:GenerateDataKey", "${var.kms_key_arn}"),
        ("kms:Decrypt", "${var.kms_key_arn}"),
    }
    listing = next(s for s in statements(_doc("job")) if s["sid"] == "ListOwnPrefixes")
    assert listing["condition"][0]["variable"] == "s3:prefix"
    key = next(s for s in statements(_doc("job")) if s["sid"] == "DataKeyThroughS3")
    assert key["condition"][0]["values"] == ["s3.${local.region}.amazonaws.com"]
    names = locals_of(EMR / "main.tf")
    assert names["output_objects"].endswith('trimsuffix(var.output_prefix, "/")}/*')
    assert names["code_objects"].endswith('trimsuffix(var.artifacts_prefix, "/")}/*')


def test_generate_lambda_gets_the_hand_off_settings_config_knows() -> None:
    env = locals_of(TERRAFORM / "main.tf")["emr_environment"]
    for name in (
        "SDGA_EMR_APPLICATION_ID",
        "SDGA_EMR_JOB_ROLE_ARN",
        "SDGA_EMR_ROW_THRESHOLD",
        "SDGA_EMR_ENTRYPOINT",
        "SDGA_EMR_PYTHON_ARCHIVE",
    ):
        assert name in env, name
    assert "local.emr_environment" in locals_of(TERRAFORM / "main.tf")["function_environment"]["generate"]
    from sdga.config import Settings

    settings = Settings(
        emr_application_id="00f1abcdexample",
        emr_row_threshold=20_000_000,
        emr_entrypoint="s3://b/artifacts/emr/sdga_emr_job.py",
    )
    assert settings.emr_row_threshold == 20_000_000 and settings.emr_application_id == "00f1abcdexample"
    doc = (TERRAFORM.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for name in ("SDGA_EMR_APPLICATION_ID", "SDGA_EMR_JOB_ROLE_ARN", "SDGA_EMR_ROW_THRESHOLD", "SDGA_EMR_ENTRYPOINT"):
        assert name in doc, f"{name} is documented"


def test_environment_archive_is_reproducible(tmp_path: Path) -> None:
    helper = _helper()
    tree = tmp_path / "env"
    (tree / "pkg" / "sub").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("x = 1\n", encoding="utf-8")
    (tree / "pkg" / "sub" / "data.txt").write_text("data\n", encoding="utf-8")
    (tree / "pkg" / "__pycache__").mkdir()
    (tree / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"cache")
    first = helper.write_archive(tree, tmp_path / "a.tar.gz")
    for path in tree.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    second = helper.write_archive(tree, tmp_path / "b.tar.gz")
    assert first == second == hashlib.sha256((tmp_path / "a.tar.gz").read_bytes()).hexdigest()
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["pkg/__init__.py", "pkg/sub/data.txt"]
    assert {(m.uid, m.gid, m.mtime) for m in members} == {(0, 0, 315532800)}


def test_archive_script_installs_the_hashed_lock_for_the_workers() -> None:
    script = (SCRIPTS / "build-emr-env.sh").read_text(encoding="utf-8")
    for part in (
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        "requirements.lock",
        "manylinux_2_${v}_${SUFFIX}",
    ):
        assert part in script, part
    assert "lambda_package.py" in script and "archive --dir" in script
    variables = {b.name: b.body for b in blocks("variable") if b.file.parent == TERRAFORM}
    assert variables["emr_python_archive_key"]["default"].startswith("artifacts/emr/")
    assert variables["emr_entrypoint_key"]["default"].startswith("artifacts/emr/")
