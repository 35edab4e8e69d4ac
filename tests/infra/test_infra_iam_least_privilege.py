"""Least privilege that still works: the Lambda roles grant exactly the AWS calls the package makes in each function.

The AWS calls are found in the code (``src/sdga``): every attribute named like an operation of a service the module
creates a client for (``client("s3", ...)``, ``boto3.client("bedrock-runtime")``), plus the S3 transfer helpers and
paginators. Each call is classified in ``OPERATIONS`` (the IAM actions and resources it needs) and assigned to the
functions that run it in ``FUNCTION_OPERATIONS``. A new boto3 call fails ``test_every_aws_call_in_the_code_is_classified``
until it is classified here, and then the policy checks say which grant is missing or superfluous.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from infra_tf import MODULES, REPO, TERRAFORM, as_list, blocks, locals_of, statements

SRC = REPO / "src" / "sdga"
FUNCTIONS = ("generate", "validate", "metrics", "agent")
S3_TRANSFER = {"upload_file", "download_file", "upload_fileobj", "download_fileobj", "generate_presigned_url"}

Grant = tuple[str, str, str]  # (IAM action, resource kind, kms:ViaService service or "")


@dataclass(frozen=True)
class Need:
    """What one AWS call needs: IAM actions on a kind of resource, and the KMS use it implies."""

    actions: tuple[str, ...]
    resource: str
    kms: tuple[Grant, ...] = field(default=())

    def grants(self) -> set[Grant]:
        return {(a, self.resource, "") for a in self.actions} | set(self.kms)


S3_WRITE_KMS = (("kms:GenerateDataKey", "s3_key", "s3"), ("kms:Decrypt", "s3_key", "s3"))  # multipart needs both
S3_READ_KMS = (("kms:Decrypt", "s3_key", "s3"),)
DDB_KMS = tuple(
    (a, "dynamodb_key", "dynamodb") for a in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
)
# Without s3:ListBucket a GET of a missing key is answered 403 AccessDenied instead of 404 NoSuchKey, and the
# adapters turn 404 into "not found" for the caller: every reader needs the list permission as well.
S3_READ = Need(("s3:GetObject",), "data_objects", S3_READ_KMS)
S3_LIST = Need(("s3:ListBucket",), "data_bucket")

OPERATIONS: dict[tuple[str, str], tuple[Need, ...]] = {
    # S3 object store (sdga.adapters.s3). upload_file switches to multipart above 8 MB: Create/UploadPart/Complete
    # are s3:PutObject, the clean-up of a failed upload is s3:AbortMultipartUpload; with SSE-KMS the parts need
    # GenerateDataKey and Complete needs Decrypt.
    ("s3", "upload_file"): (Need(("s3:PutObject", "s3:AbortMultipartUpload"), "data_objects", S3_WRITE_KMS),),
    ("s3", "put_object"): (Need(("s3:PutObject",), "data_objects", S3_WRITE_KMS),),
    ("s3", "delete_objects"): (Need(("s3:DeleteObject",), "data_objects"),),
    ("s3", "list_objects_v2"): (S3_LIST,),
    ("s3", "get_object"): (S3_READ, S3_LIST),
    ("s3", "download_file"): (S3_READ, S3_LIST),  # HeadObject + ranged GetObject
    # The URL is signed with the function's credentials, so the function itself must be allowed to read.
    ("s3", "generate_presigned_url"): (S3_READ, S3_LIST),
    # Generation history and agent memory (sdga.adapters.dynamodb): reads by Query on the key or the status index.
    ("dynamodb", "put_item"): (Need(("dynamodb:PutItem",), "history_table", DDB_KMS),),
    ("dynamodb", "query"): (
        Need(("dynamodb:Query",), "history_table", DDB_KMS),
        Need(("dynamodb:Query",), "history_index"),
    ),
    ("dynamodb", "get_item"): (Need(("dynamodb:GetItem",), "history_table", DDB_KMS),),
    # Asynchronous self-invocation of large generations (sdga.adapters.background).
    ("lambda", "invoke"): (Need(("lambda:InvokeFunction",), "self"),),
    # Converse tool loop (sdga.agent.converse) and knowledge-base search (sdga.knowledge.retriever).
    ("bedrock-runtime", "converse"): (Need(("bedrock:InvokeModel",), "model"),),
    ("bedrock-agent-runtime", "retrieve"): (Need(("bedrock:Retrieve",), "knowledge_base"),),
    # The EMR Serverless hand-off of large generations (sdga.spark.emr): submit a job run passing its role, and
    # follow it from the status action.
    ("emr-serverless", "start_job_run"): (
        Need(("emr-serverless:StartJobRun",), "emr_application"),
        Need(("iam:PassRole",), "emr_job_role"),
    ),
    ("emr-serverless", "get_job_run"): (Need(("emr-serverless:GetJobRun",), "emr_job_runs"),),
}

# Calls that never run inside the Lambdas: table creation for local emulators and tests, and the `bedrock-agent`
# backend of the CLI/HTTP server (the agent Lambda runs the Converse loop, SDGA_LLM_BACKEND=bedrock).
NOT_IN_LAMBDA = {
    # The EMR job and the command line's Spark engine clear a stale manifest or progress object (the job role
    # may delete under the output prefix).
    ("s3", "delete_object"),
    ("dynamodb", "create_table"),
    ("dynamodb", "update_time_to_live"),
    ("bedrock-agent-runtime", "invoke_agent"),
}

_STORE_WRITE = {("s3", "upload_file"), ("s3", "put_object"), ("s3", "delete_objects")}
_STORE_READ = {("s3", "get_object"), ("s3", "generate_presigned_url")}
_HISTORY = {("dynamodb", "put_item"), ("dynamodb", "query")}
FUNCTION_OPERATIONS: dict[str, set[tuple[str, str]]] = {
    # generate: publish a data set (undo on failure), stream or presign downloads, record and read the history
    # (status of a dead worker is written back as failed), hand big jobs to an async invocation of itself,
    # and check that an explicit S3 prefix is free before writing into it (ListObjectsV2, one key).
    "generate": _STORE_WRITE
    | _STORE_READ
    | _HISTORY
    | {
        ("lambda", "invoke"),
        ("s3", "list_objects_v2"),
        ("emr-serverless", "start_job_run"),
        ("emr-serverless", "get_job_run"),
    },
    # validate: schema and compliance checks in memory; no AWS call at all.
    "validate": set(),
    # metrics: read a generation's record (Query), its manifest (GetObject) or list a prefix, download the files.
    "metrics": {("dynamodb", "query"), ("s3", "get_object"), ("s3", "list_objects_v2"), ("s3", "download_file")},
    # agent: runs the three tools in-process, remembers successful runs (PutItem, Query on the index, GetItem for
    # KEYS_ONLY hits), talks to the model and searches the knowledge base.
    "agent": _STORE_WRITE
    | _STORE_READ
    | _HISTORY
    | {
        ("s3", "list_objects_v2"),
        ("s3", "download_file"),
        ("dynamodb", "get_item"),
        ("lambda", "invoke"),
        ("bedrock-runtime", "converse"),
        ("bedrock-agent-runtime", "retrieve"),
    },
}

# What the Lambda platform does with the execution role, whatever the code: logs, X-Ray segments (tracing is
# Active), the SQS dead-letter queue of asynchronous invocations (encrypted with the logs key) and the decryption of
# the environment variables (encrypted with the data key).
PLATFORM: set[Grant] = {
    ("logs:CreateLogStream", "own_log_streams", ""),
    ("logs:PutLogEvents", "own_log_streams", ""),
    ("xray:PutTraceSegments", "*", ""),
    ("xray:PutTelemetryRecords", "*", ""),
    ("sqs:SendMessage", "own_dlq", ""),
    ("kms:GenerateDataKey", "logs_key", "sqs"),
    ("kms:Decrypt", "logs_key", "sqs"),
    ("kms:Decrypt", "s3_key", "lambda"),
}
# Data-plane services whose every grant must be backed by a call in the code.
# With an API key configured, every function reads it once per container: an SSM SecureString under the data key
# (Powertools' parameters utility makes the call, so the scanner of src/sdga does not see it).
API_KEY: set[Grant] = {("ssm:GetParameter", "api_key_parameter", ""), ("kms:Decrypt", "s3_key", "ssm")}
CHECKED_PREFIXES = (
    "ssm:",
    "s3:",
    "dynamodb:",
    "lambda:",
    "bedrock:",
    "cloudwatch:",
    "sqs:",
    "sns:",
    "logs:",
    "xray:",
    "emr-serverless:",
)

RESOURCE_KINDS = {
    "${var.data_bucket_arn}/${local.prefix_pattern}": "data_objects",
    "${var.data_bucket_arn}": "data_bucket",
    "${var.history_table_arn}": "history_table",
    "${var.history_table_arn}/index/*": "history_index",
    "${local.function_arns[each.key]}": "self",
    "${var.model_arns}": "model",
    "${var.s3_kms_key_arn}": "s3_key",
    "${var.dynamodb_kms_key_arn}": "dynamodb_key",
    "${var.logs_kms_key_arn}": "logs_key",
    "${local.log_group_arns[each.key]}:*": "own_log_streams",
    "${local.dlq_arns[each.key]}": "own_dlq",
    "${local.api_key_parameter_arn}": "api_key_parameter",
    "${var.emr_application_arn}": "emr_application",
    "${var.emr_application_arn}/jobruns/*": "emr_job_runs",
    "${var.emr_job_role_arn}": "emr_job_role",
    "${module.knowledge_base[0].knowledge_base_arn}": "knowledge_base",
    "*": "*",
}


# ----------------------------------------------------------------------------------------- the code's AWS calls
def _service_operations(service: str) -> set[str]:
    botocore_session = pytest.importorskip("botocore.session")
    xform_name = pytest.importorskip("botocore").xform_name
    model = botocore_session.get_session().get_service_model(service)
    return {xform_name(op) for op in model.operation_names}


def aws_calls_in(path: Path) -> set[tuple[str, str]]:
    """(service, operation) pairs a module can call, from the clients it creates and the attributes it uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    services: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "client" and isinstance(node.args[0].value, str):
                services.add(node.args[0].value)
    if not services:
        return set()
    operations = {service: _service_operations(service) for service in services}
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_paginator":
            arg = node.args[0]
            assert isinstance(arg, ast.Constant), f"{path}: paginator name must be a literal"
            found |= {(service, str(arg.value)) for service in services if arg.value in operations[service]}
        if isinstance(node, ast.Attribute):
            for service, names in operations.items():
                if node.attr in names or (service == "s3" and node.attr in S3_TRANSFER):
                    found.add((service, node.attr))
    return found


def code_calls() -> dict[tuple[str, str], list[str]]:
    calls: dict[tuple[str, str], list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for call in aws_calls_in(path):
            calls.setdefault(call, []).append(str(path.relative_to(REPO)))
    return calls


def test_the_scanner_sees_the_known_calls() -> None:
    """Guard against a scanner that silently finds nothing."""
    calls = code_calls()
    assert {("s3", "upload_file"), ("dynamodb", "query"), ("lambda", "invoke"), ("bedrock-runtime", "converse")} <= set(
        calls
    )


def test_every_aws_call_in_the_code_is_classified() -> None:
    calls = code_calls()
    unclassified = {c: where for c, where in calls.items() if c not in OPERATIONS and c not in NOT_IN_LAMBDA}
    assert not unclassified, f"classify these AWS calls in OPERATIONS or NOT_IN_LAMBDA: {unclassified}"
    stale = (set(OPERATIONS) | NOT_IN_LAMBDA) - set(calls)
    assert not stale, f"no longer called by the code, drop from the tables: {sorted(stale)}"
    used = set().union(*FUNCTION_OPERATIONS.values())
    assert used <= set(OPERATIONS), sorted(used - set(OPERATIONS))
    assert set(OPERATIONS) <= used, f"called in Lambda code but by no function: {sorted(set(OPERATIONS) - used)}"


# ------------------------------------------------------------------------------------------ the policies in HCL
_IAM_LOCALS = locals_of(MODULES / "iam" / "main.tf")


def _applies(for_each: str, key: str, *, use_vpc: bool, api_key: bool = False, emr: bool = False) -> bool:
    """Evaluate the few `dynamic "statement"` conditions the iam module uses, for one function key."""
    if for_each == "${var.api_key_parameter_name == null ? [] : [1]}":
        return api_key
    if for_each == '${var.enable_emr && each.key == "generate" ? [1] : []}':
        return emr and key == "generate"
    expr = for_each.removeprefix("${").removesuffix("}").replace(" ? [1] : []", "")
    if m := re.fullmatch(r"length\(each\.value\.(\w+)\) > 0", expr):
        return len(_IAM_LOCALS[m.group(1)][key]) > 0
    if m := re.fullmatch(r"contains\(\[([^\]]*)\], each\.key\)", expr):
        return key in re.findall(r'"([^"]+)"', m.group(1))
    if m := re.fullmatch(r'contains\(each\.value\.(\w+), "([^"]+)"\)', expr):
        return m.group(2) in _IAM_LOCALS[m.group(1)][key]
    if m := re.fullmatch(r'each\.key == "(\w+)"', expr):
        return key == m.group(1)
    if expr == "local.use_vpc":
        return use_vpc

    raise AssertionError(f"teach _applies this condition: {for_each}")


def _via(statement: dict[str, Any]) -> str:
    for condition in as_list(statement.get("condition")):
        if condition["variable"] == "kms:ViaService":
            services = {v.split(".", 1)[0] for v in condition["values"]}
            assert len(services) == 1, statement
            return services.pop()
    return ""


def _grants_of(statement: dict[str, Any], key: str) -> set[Grant]:
    actions = statement["actions"]
    if isinstance(actions, str):
        m = re.fullmatch(r"\$\{each\.value\.(\w+)\}", actions)
        assert m, actions
        actions = _IAM_LOCALS[m.group(1)][key]
    resources = statement["resources"]
    kinds = [RESOURCE_KINDS.get(r, r) for r in ([resources] if isinstance(resources, str) else resources)]
    return {(a, kind, _via(statement)) for a in actions for kind in kinds}


def granted(
    key: str, *, use_vpc: bool = False, with_knowledge_base: bool = True, api_key: bool = False, emr: bool = False
) -> set[Grant]:
    doc = next(
        b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == MODULES / "iam" and b.name == "lambda"
    )
    found: set[Grant] = set()
    for statement in as_list(doc.body.get("statement")):
        found |= _grants_of(statement, key)
    for dyn in as_list(doc.body.get("dynamic")):
        if "statement" in dyn and _applies(
            dyn["statement"]["for_each"], key, use_vpc=use_vpc, api_key=api_key, emr=emr
        ):
            for content in as_list(dyn["statement"]["content"]):
                found |= _grants_of(content, key)
    # The root module adds the knowledge-base Retrieve grant to the agent role once the knowledge base exists.
    if key == "agent" and with_knowledge_base:
        extra = next(b for b in blocks("data", "aws_iam_policy_document") if b.file.parent == TERRAFORM)
        attached = next(b for b in blocks("resource", "aws_iam_role_policy") if b.file.parent == TERRAFORM)
        assert attached.body["role"] == '${module.iam.lambda_role_names["agent"]}'
        for statement in statements(extra):
            found |= _grants_of(statement, key)
    return found


def needed(key: str) -> set[Grant]:
    out = set(PLATFORM)
    for call in FUNCTION_OPERATIONS[key]:
        for need in OPERATIONS[call]:
            out |= need.grants()
    return out


@pytest.mark.parametrize("key", FUNCTIONS)
def test_every_call_a_function_makes_is_allowed(key: str) -> None:
    # With every optional feature on (the EMR hand-off's calls, once classified, need the application's grants).
    missing = needed(key) - granted(key, emr=True)
    assert not missing, f"{key} Lambda role lacks {sorted(missing)}"


@pytest.mark.parametrize("key", FUNCTIONS)
def test_no_function_is_granted_a_data_action_its_code_never_uses(key: str) -> None:
    extra = {g for g in granted(key) - needed(key) if g[0].startswith(CHECKED_PREFIXES)}
    assert not extra, f"{key} Lambda role grants {sorted(extra)} that no code path of the function uses"


def test_vpc_functions_may_manage_their_network_interfaces() -> None:
    actions = {g[0] for g in granted("validate", use_vpc=True)} - {g[0] for g in granted("validate")}
    assert {"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"} <= actions


def test_the_policies_name_the_stores_the_functions_are_configured_with() -> None:
    """The resources the roles name are the ones the environment variables point the code at."""
    root = TERRAFORM / "main.tf"
    call = next(b.body for b in blocks("module") if b.file == root and b.name == "iam")
    env = str(locals_of(root)["common_environment"])
    pairs = {
        "SDGA_S3_BUCKET = module.s3.data_bucket_name": ("data_bucket_arn", "${module.s3.data_bucket_arn}"),
        "SDGA_S3_PREFIX = module.s3.generated_data_prefix": (
            "generated_data_prefix",
            "${module.s3.generated_data_prefix}",
        ),
        "SDGA_KMS_KEY_ID = module.kms.s3_key_arn": ("s3_kms_key_arn", "${module.kms.s3_key_arn}"),
        "SDGA_HISTORY_TABLE = module.dynamodb.table_name": ("history_table_arn", "${module.dynamodb.table_arn}"),
    }
    for setting, (variable, value) in pairs.items():
        assert setting in env, setting
        assert call[variable] == value, variable
    # The self-invocation grant is built from the same names the functions are created with.
    assert call["function_names"] == "${{for k, f in local.function_specs : k => f.name}}"


@pytest.mark.parametrize("key", FUNCTIONS)
def test_with_an_api_key_every_function_may_read_exactly_that_parameter(key: str) -> None:
    extra = granted(key, api_key=True) - granted(key)
    assert extra == API_KEY, sorted(extra ^ API_KEY)
    source = (SRC / "lambdas" / "runtime.py").read_text(encoding="utf-8")
    assert "SDGA_API_KEY_PARAMETER" in source and "get_parameter(" in source


# With the EMR Serverless application, the generate function submits and follows job runs and passes their role.
# When the hand-off code lands in src/sdga, classify its calls in OPERATIONS like any other, e.g.
#   ("emr-serverless", "start_job_run"): (Need(("emr-serverless:StartJobRun",), "emr_application"),
#                                         Need(("iam:PassRole",), "emr_job_role")),
#   ("emr-serverless", "get_job_run"): (Need(("emr-serverless:GetJobRun",), "emr_job_runs"),),
# add them to FUNCTION_OPERATIONS["generate"], and "emr-serverless:" to CHECKED_PREFIXES.
EMR: set[Grant] = {
    ("emr-serverless:StartJobRun", "emr_application", ""),
    ("emr-serverless:StartJobRun", "emr_job_runs", ""),
    ("emr-serverless:GetJobRun", "emr_application", ""),
    ("emr-serverless:GetJobRun", "emr_job_runs", ""),
    ("iam:PassRole", "emr_job_role", ""),
}


@pytest.mark.parametrize("key", FUNCTIONS)
def test_only_the_generate_function_may_run_emr_jobs(key: str) -> None:
    extra = granted(key, emr=True) - granted(key)
    assert extra == (EMR if key == "generate" else set()), sorted(extra ^ EMR)
