"""Static checks of the Terraform configuration (no terraform binary or provider download needed)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from infra_tf import (
    MODULES,
    REPO,
    TERRAFORM,
    Block,
    as_list,
    blocks,
    load,
    locals_of,
    statements,
    tf_files,
    walk,
)

MODULE_NAMES = {
    "agentcore",
    "emr-serverless",
    "kms",
    "s3",
    "dynamodb",
    "iam",
    "lambda",
    "bedrock-agent",
    "opensearch",
    "bedrock-knowledge-base",
    "cloudwatch",
    "vpc",
    "api-gateway",
    "ecr",
}
ENVIRONMENTS = ("dev", "staging", "prod")
# The seed's sizes: generate 1024 MB / 300 s, validate 512 MB / 60 s, metrics 512 MB / 120 s.
SEED_SIZES = {
    "generate": ("sdga.lambdas.generate.handler", 1024, 300),
    "validate": ("sdga.lambdas.validate.handler", 512, 60),
    "metrics": ("sdga.lambdas.metrics.handler", 512, 120),
}
ROOT_LOCALS = locals_of(TERRAFORM / "main.tf")


def _module_call(name: str) -> dict[str, Any]:
    for block in blocks("module"):
        if block.file.parent == TERRAFORM and block.name == name:
            return block.body
    raise AssertionError(f"root module has no module {name!r}")


def _resources(rtype: str, module: str | None = None) -> list[Block]:
    found = blocks("resource", rtype)
    if module is not None:
        found = [b for b in found if b.module_dir == MODULES / module]
    return found


def _one(rtype: str, module: str, name: str) -> dict[str, Any]:
    for block in _resources(rtype, module):
        if block.name == name:
            return block.body
    raise AssertionError(f"{rtype}.{name} missing in module {module}")


# ------------------------------------------------------------------------------------------------------------
# Layout and parsing
# ------------------------------------------------------------------------------------------------------------
def test_every_tf_file_parses() -> None:
    files = tf_files()
    assert len(files) >= 50
    for path in files:
        assert isinstance(load(path), dict), path


def test_root_layout() -> None:
    for name in ("versions.tf", "backend.tf", "providers.tf", "main.tf", "variables.tf", "outputs.tf"):
        assert (TERRAFORM / name).is_file(), name
    for env in ENVIRONMENTS:
        assert (TERRAFORM / "environments" / f"{env}.tfvars").is_file()
        backend = (TERRAFORM / "backends" / f"{env}.s3.tfbackend").read_text()
        assert f"synthetic-data-agent/{env}/terraform.tfstate" in backend
        assert "dynamodb_table" in backend and "encrypt        = true" in backend
    backend_block = load(TERRAFORM / "backend.tf")["terraform"][0]["backend"]
    assert "s3" in backend_block[0]


def test_every_module_has_the_standard_files() -> None:
    present = {p.name for p in MODULES.iterdir() if p.is_dir()}
    assert present >= MODULE_NAMES
    for module in present:
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert (MODULES / module / name).is_file(), f"{module}/{name}"


def test_every_module_is_used_by_the_root() -> None:
    sources = {b.body["source"] for b in blocks("module") if b.file.parent == TERRAFORM}
    assert {f"./modules/{m}" for m in MODULE_NAMES} <= sources


def test_provider_pins() -> None:
    terraform = load(TERRAFORM / "versions.tf")["terraform"][0]
    assert terraform["required_version"] == ">= 1.5.0"
    providers = terraform["required_providers"][0]
    aws = providers["aws"]["version"]
    assert re.match(r"^(>= ?[56]\.\d+|~> ?[56]\.\d+)", aws), aws
    # 6.3 fixed concurrent PrepareAgent calls, which three action groups on one agent make.
    floor = re.match(r"^>= ?(\d+)\.(\d+)", aws)
    assert floor and (int(floor.group(1)), int(floor.group(2))) >= (6, 3), aws
    assert providers["aws"]["source"] == "hashicorp/aws"
    assert providers["opensearch"] == {"source": "opensearch-project/opensearch", "version": "= 2.2.0"}
    assert providers["time"]["source"] == "hashicorp/time"
    for module in MODULE_NAMES:
        versions = load(MODULES / module / "versions.tf")["terraform"][0]
        assert versions["required_version"] == ">= 1.5.0", module
        assert versions["required_providers"][0]["aws"]["version"] == aws, module


# ------------------------------------------------------------------------------------------------------------
# The seed's inventory
# ------------------------------------------------------------------------------------------------------------
def test_seed_inventory_is_present() -> None:
    # Compute: agent + action groups + alias, Lambda module, layers.
    assert _resources("aws_bedrockagent_agent", "bedrock-agent")
    assert _resources("aws_bedrockagent_agent_action_group", "bedrock-agent")
    assert _resources("aws_bedrockagent_agent_alias", "bedrock-agent")
    assert _resources("aws_lambda_function", "lambda")
    # Zip packaging (and with it the layers) was dropped: the functions run one container image.
    assert not (MODULES / "lambda-layers").exists()
    repository = _one("aws_ecr_repository", "ecr", "this")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["encryption_configuration"][0] == {"encryption_type": "KMS", "kms_key": "${var.kms_key_arn}"}
    # Storage: two data buckets (for_each) + the log bucket, the history table.
    buckets = _resources("aws_s3_bucket", "s3")
    assert {b.name for b in buckets} == {"this", "access_logs"}
    assert set(locals_of(MODULES / "s3" / "main.tf")["buckets"]) == {"data", "knowledge"}
    assert _resources("aws_dynamodb_table", "dynamodb")
    assert _module_call("dynamodb")["table_name"].startswith("${var.history_table_name}")
    default_table = next(b for b in blocks("variable") if b.name == "history_table_name" and b.file.parent == TERRAFORM)
    assert default_table.body["default"] == "synthetic-data-generations"
    # Knowledge base: one VECTORSEARCH collection, a KB with Titan Embed Text v1.
    collection = _one("aws_opensearchserverless_collection", "opensearch", "this")
    assert collection["type"] == "VECTORSEARCH"
    assert _resources("aws_bedrockagent_knowledge_base", "bedrock-knowledge-base")
    assert _resources("aws_bedrockagent_data_source", "bedrock-knowledge-base")
    embedding = next(b for b in blocks("variable") if b.name == "embedding_model_id" and b.file.parent == TERRAFORM)
    assert embedding.body["default"] == "amazon.titan-embed-text-v1"
    # Security: five roles (agent, KB, and one per action Lambda via for_each), three rotated CMKs.
    roles = {b.name for b in _resources("aws_iam_role", "iam")}
    assert roles == {"lambda", "agent", "knowledge_base"}
    assert set(SEED_SIZES) <= set(ROOT_LOCALS["action_function_specs"])
    keys = _resources("aws_kms_key", "kms")
    assert {k.name for k in keys} == {"s3", "dynamodb", "logs"}
    assert len(_resources("aws_kms_alias", "kms")) == 3
    # Monitoring: log groups, alarms, SNS topic, dashboard.
    assert len(_resources("aws_cloudwatch_log_group")) >= 4
    alarm_metrics = {b.body.get("metric_name") for b in _resources("aws_cloudwatch_metric_alarm", "cloudwatch")} | {
        v.get("metric_name")
        for b in _resources("aws_cloudwatch_metric_alarm", "cloudwatch")
        for v in walk(b.body)
        if isinstance(v, dict) and "metric_name" in v
    }
    for metric in ("Errors", "Duration", "Throttles", "ReadThrottleEvents", "WriteThrottleEvents", "BucketSizeBytes"):
        assert metric in alarm_metrics, metric
    assert len(_resources("aws_cloudwatch_metric_alarm", "cloudwatch")) >= 5
    assert _resources("aws_sns_topic", "cloudwatch")
    assert _resources("aws_cloudwatch_dashboard", "cloudwatch")
    # Networking (optional): VPC, private + public subnets, NAT, gateway + interface endpoints.
    for rtype in ("aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_vpc_endpoint", "aws_flow_log"):
        assert _resources(rtype, "vpc"), rtype
    endpoint_services = next(b for b in blocks("variable") if b.name == "interface_endpoint_services")
    assert {"bedrock-runtime", "bedrock-agent-runtime"} <= set(endpoint_services.body["default"])
    assert 'toset(["s3", "dynamodb"])' in _one("aws_vpc_endpoint", "vpc", "gateway")["for_each"]
    # Fallback: HTTP API.
    assert _one("aws_apigatewayv2_api", "api-gateway", "this")["protocol_type"] == "HTTP"


# AWS services the functions call from their own code, keyed by IAM action prefix, and the VPC endpoint that keeps
# each call off the NAT gateway. ec2:* is absent on purpose: the Lambda service manages the ENIs, not the code.
FUNCTION_CALLS_ENDPOINT = {
    "bedrock": "bedrock-runtime",
    "dynamodb": "dynamodb",
    "kms": "kms",
    "lambda": "lambda",
    "logs": "logs",
    "s3": "s3",
    "sqs": "sqs",
    "ssm": "ssm",
    "emr-serverless": "emr-serverless",
    "xray": "xray",
}


def test_every_service_the_functions_call_has_a_vpc_endpoint() -> None:
    """In the VPC, a call without an endpoint leaves through the NAT gateway (cost per GB, and a public path):
    e.g. the asynchronous self-invocation (lambda:InvokeFunction) of large generations."""
    policy = next(
        b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == MODULES / "iam" and b.name == "lambda"
    )
    iam_locals = locals_of(MODULES / "iam" / "main.tf")
    actions: list[str] = []
    for statement in statements(policy):
        listed = statement.get("actions")
        if isinstance(listed, str):  # ${each.value.s3_actions}: the per-function table in the module's locals
            table = listed.removeprefix("${each.value.").removesuffix("}")
            actions += [a for per_function in iam_locals[table].values() for a in per_function]
        else:
            actions += as_list(listed)
    prefixes = {str(a).split(":")[0] for a in actions}
    prefixes.discard("ec2")
    prefixes.discard("iam")  # iam:PassRole authorises handing a role to EMR; it is not a call of its own
    assert prefixes <= set(FUNCTION_CALLS_ENDPOINT), (
        f"map {sorted(prefixes - set(FUNCTION_CALLS_ENDPOINT))} to an endpoint"
    )
    assert "interface_endpoint_services" not in _module_call("vpc"), "the root keeps the module's endpoint list"
    interface = next(
        b for b in blocks("variable") if b.module_dir == MODULES / "vpc" and b.name == "interface_endpoint_services"
    )
    private = set(interface.body["default"]) | {"s3", "dynamodb"}  # gateway endpoints
    # Endpoints only some environments need come from the root, tied to the feature that needs them.
    extra = _module_call("vpc")["additional_interface_endpoint_services"]
    assert extra == '${var.enable_emr_serverless ? ["emr-serverless"] : []}', extra
    private |= {"emr-serverless"}
    missing = {FUNCTION_CALLS_ENDPOINT[p] for p in prefixes} - private
    assert not missing, f"no VPC endpoint for {sorted(missing)}"
    # Every interface endpoint answers on the private DNS name, through the HTTPS-from-the-VPC security group.
    endpoint = _one("aws_vpc_endpoint", "vpc", "interface")
    assert endpoint["private_dns_enabled"] is True
    assert endpoint["security_group_ids"] == ["${aws_security_group.endpoints.id}"]


def test_lambda_sizes_and_handlers_match_the_seed() -> None:
    specs = ROOT_LOCALS["action_function_specs"]
    for key, (handler, memory, timeout) in SEED_SIZES.items():
        assert specs[key]["handler"] == handler
        assert specs[key]["memory_size"] == memory, key
        assert specs[key]["timeout"] == timeout, key
    assert ROOT_LOCALS["agent_function_spec"]["handler"] == "sdga.lambdas.agent.handler"
    call = _module_call("lambda")
    # The runtime is the image's base: the Lambda Python 3.12 image.
    dockerfile = (TERRAFORM.parent / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert (
        "ARG PYTHON_VERSION=3.12" in dockerfile and "FROM public.ecr.aws/lambda/python:${PYTHON_VERSION}" in dockerfile
    )
    assert call["memory_size"] == "${each.value.memory_size}" and call["timeout"] == "${each.value.timeout}"
    function = _one("aws_lambda_function", "lambda", "this")
    assert function["tracing_config"][0]["mode"] == "Active"
    assert function["dead_letter_config"][0]["target_arn"] == "${aws_sqs_queue.dlq.arn}"
    assert function["reserved_concurrent_executions"] == "${var.reserved_concurrency}"
    assert function["kms_key_arn"] == "${var.environment_kms_key_arn}"
    # Both packagings run the same handler: zip via `handler`, the container image via image_config.command.
    assert function["package_type"] == "Image" and function["image_uri"] == "${var.image_uri}"
    assert function["image_config"][0]["command"] == ["${var.handler}"]
    assert function["logging_config"][0]["log_group"] == "${aws_cloudwatch_log_group.this.name}"


def test_every_handler_terraform_names_exists_in_the_package() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in tf_files())
    handlers = set(re.findall(r"\"(sdga\.lambdas\.\w+\.handler)\"", text))
    assert handlers >= {spec[0] for spec in SEED_SIZES.values()} | {"sdga.lambdas.agent.handler"}
    for handler in sorted(handlers):
        module_name, attr = handler.rsplit(".", 1)
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attr, None)), handler


def test_reserved_concurrency_is_set_per_environment() -> None:
    for env in ENVIRONMENTS:
        tfvars = load(TERRAFORM / "environments" / f"{env}.tfvars")
        assert set(tfvars["lambda_reserved_concurrency"]) == {"generate", "validate", "metrics", "agent"}, env
    prod = load(TERRAFORM / "environments" / "prod.tfvars")["lambda_reserved_concurrency"]
    dev = load(TERRAFORM / "environments" / "dev.tfvars")["lambda_reserved_concurrency"]
    assert all(prod[k] > dev[k] for k in prod)


# ------------------------------------------------------------------------------------------------------------
# Encryption
# ------------------------------------------------------------------------------------------------------------
def test_kms_keys_rotate_and_are_wired_to_every_store() -> None:
    for key in _resources("aws_kms_key", "kms"):
        assert key.body["enable_key_rotation"] is True, key
        assert key.body["policy"].startswith("${data.aws_iam_policy_document."), key
    assert _module_call("s3")["kms_key_arn"] == "${module.kms.s3_key_arn}"
    assert _module_call("dynamodb")["kms_key_arn"] == "${module.kms.dynamodb_key_arn}"
    assert _module_call("opensearch")["kms_key_arn"] == "${module.kms.s3_key_arn}"
    assert _module_call("bedrock_agent")["kms_key_arn"] == "${module.kms.s3_key_arn}"
    assert _module_call("knowledge_base")["kms_key_arn"] == "${module.kms.s3_key_arn}"
    assert _module_call("ecr")["kms_key_arn"] == "${module.kms.s3_key_arn}"
    assert _module_call("lambda")["logs_kms_key_arn"] == "${module.kms.logs_key_arn}"
    assert _module_call("lambda")["environment_kms_key_arn"] == "${module.kms.s3_key_arn}"
    for name in ("cloudwatch", "api", "vpc"):
        assert _module_call(name)["logs_kms_key_arn"] == "${module.kms.logs_key_arn}", name


def test_logs_key_policy_names_the_logs_service_with_encryption_context() -> None:
    doc = next(
        b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == MODULES / "kms" and b.name == "logs"
    )
    logs = next(s for s in statements(doc) if s.get("sid") == "AllowCloudWatchLogs")
    assert logs["principals"][0]["identifiers"] == ["logs.${local.region}.amazonaws.com"]
    assert logs["condition"][0]["variable"] == "kms:EncryptionContext:aws:logs:arn"
    for name, service in (("s3", "s3"), ("dynamodb", "dynamodb")):
        doc = next(
            b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == MODULES / "kms" and b.name == name
        )
        via = [c for s in statements(doc) for c in as_list(s.get("condition")) if c["variable"] == "kms:ViaService"]
        assert any(f"{service}.${{local.region}}.amazonaws.com" in c["values"] for c in via), name


def test_every_bucket_is_encrypted_with_the_cmk() -> None:
    sse = {b.name: b.body for b in _resources("aws_s3_bucket_server_side_encryption_configuration", "s3")}
    rule = sse["this"]["rule"][0]
    default = rule["apply_server_side_encryption_by_default"][0]
    assert default == {"sse_algorithm": "aws:kms", "kms_master_key_id": "${var.kms_key_arn}"}
    assert rule["bucket_key_enabled"] is True
    # The access-log bucket is the one exception: S3 server access logging cannot deliver to SSE-KMS targets.
    assert sse["access_logs"]["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"
    buckets = {b.name for b in _resources("aws_s3_bucket", "s3")}
    for companion in (
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_ownership_controls",
    ):
        assert {b.name for b in _resources(companion, "s3")} == buckets, companion
    assert {b.name for b in _resources("aws_s3_bucket_logging", "s3")} == {"this"}
    for block in _resources("aws_s3_bucket_public_access_block", "s3"):
        for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
            assert block.body[flag] is True


def test_bucket_policies_deny_plain_http() -> None:
    for doc in blocks("data", "aws_iam_policy_document"):
        if doc.module_dir != MODULES / "s3":
            continue
        tls = [s for s in statements(doc) if s.get("effect") == "Deny" and "aws:SecureTransport" in json.dumps(s)]
        assert tls, doc


def test_table_is_encrypted_with_pitr_ttl_and_status_index() -> None:
    table = _one("aws_dynamodb_table", "dynamodb", "generations")
    assert table["hash_key"] == "generation_id" and table["range_key"] == "timestamp"
    attributes = {a["name"]: a["type"] for a in table["attribute"]}
    assert attributes == {"generation_id": "S", "timestamp": "N", "status": "S"}
    assert table["server_side_encryption"][0] == {"enabled": True, "kms_key_arn": "${var.kms_key_arn}"}
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["ttl"][0]["enabled"] is True
    gsi = table["global_secondary_index"][0]
    assert gsi["hash_key"] == "status" and gsi["range_key"] == "timestamp"
    # The service's DynamoDB adapter queries this index and writes this TTL attribute.
    adapter = (REPO / "src" / "sdga" / "adapters" / "dynamodb.py").read_text(encoding="utf-8")
    index_default = next(b for b in blocks("variable") if b.name == "status_index_name").body["default"]
    ttl_default = next(b for b in blocks("variable") if b.name == "ttl_attribute").body["default"]
    assert f'"{index_default}"' in adapter and f'"{ttl_default}"' in adapter
    assert {b.name for b in _resources("aws_appautoscaling_policy", "dynamodb")} == {"this"}


def test_every_log_group_topic_queue_and_collection_is_encrypted() -> None:
    log_groups = _resources("aws_cloudwatch_log_group")
    assert log_groups
    for group in log_groups:
        assert "kms_key_id" in group.body and "logs_kms_key_arn" in group.body["kms_key_id"], group
        assert "retention_in_days" in group.body, group
    for topic in _resources("aws_sns_topic"):
        assert topic.body["kms_master_key_id"] == "${var.logs_kms_key_arn}", topic
    queues = _resources("aws_sqs_queue")
    assert queues
    for queue in queues:
        assert queue.body["kms_master_key_id"] == "${var.logs_kms_key_arn}", queue
    encryption = _one("aws_opensearchserverless_security_policy", "opensearch", "encryption")
    assert encryption["type"] == "encryption"
    policy = re.sub(r"\s+", " ", encryption["policy"])
    assert "AWSOwnedKey = false" in policy and "KmsARN = var.kms_key_arn" in policy
    collection = _resources("aws_opensearchserverless_collection", "opensearch")[0]
    assert "aws_opensearchserverless_security_policy.encryption" in json.dumps(collection.body["depends_on"])
    agent = _one("aws_bedrockagent_agent", "bedrock-agent", "this")
    assert agent["customer_encryption_key_arn"] == "${var.kms_key_arn}"
    assert (
        _one("aws_bedrockagent_data_source", "bedrock-knowledge-base", "documents")[
            "server_side_encryption_configuration"
        ][0]["kms_key_arn"]
        == "${var.kms_key_arn}"
    )


# ------------------------------------------------------------------------------------------------------------
# IAM least privilege
# ------------------------------------------------------------------------------------------------------------
# Actions that have no resource-level permissions in the AWS service authorization reference, so "*" is the
# only valid resource. Each is further constrained where a condition key exists.
STAR_RESOURCE_ALLOWED = {
    "xray:PutTraceSegments",  # X-Ray: no resource types
    "xray:PutTelemetryRecords",  # X-Ray: no resource types
    "ec2:DescribeNetworkInterfaces",  # Describe* calls only accept "*"
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
}


def _policy_documents() -> list[Block]:
    docs = blocks("data", "aws_iam_policy_document")
    assert len(docs) >= 15
    return docs


def _is_key_policy(doc: Block) -> bool:
    return doc.module_dir == MODULES / "kms"


def test_no_statement_allows_wildcard_actions() -> None:
    for doc in _policy_documents():
        for statement in statements(doc):
            if statement.get("effect", "Allow") != "Allow":
                continue  # Deny with s3:* is a restriction (TLS-only), not a grant
            actions = statement.get("actions", [])
            if isinstance(actions, str):  # a variable list: resolve from the module's locals
                assert actions.startswith("${each.value."), (doc, actions)
                continue
            for action in actions:
                assert action != "*", (doc, statement.get("sid"))
                if action.endswith(":*"):
                    # Only the key policies' administrative statement for the account root (AWS's default key
                    # policy; delegates to IAM) may name a service wildcard.
                    assert _is_key_policy(doc) and statement["sid"] == "EnableIamPolicies", (doc, action)


def test_variable_action_lists_are_explicit() -> None:
    iam_locals = locals_of(MODULES / "iam" / "main.tf")
    for table in ("s3_actions", "dynamodb_actions"):
        for key, actions in iam_locals[table].items():
            for action in actions:
                assert "*" not in action, (table, key, action)


def test_no_statement_grants_star_resources_where_an_arn_exists() -> None:
    for doc in _policy_documents():
        if _is_key_policy(doc):
            continue  # in a key policy "Resource: *" means the key itself
        for statement in statements(doc):
            if statement.get("effect", "Allow") != "Allow":
                continue
            resources = as_list(statement.get("resources"))
            if "*" in resources or any(r == "arn:aws:*" for r in resources):
                extra = set(statement["actions"]) - STAR_RESOURCE_ALLOWED
                assert not extra, f"{doc} statement {statement.get('sid')} uses '*' for {sorted(extra)}"


def test_metrics_are_emf_logs_so_no_role_may_put_metric_data() -> None:
    """Powertools writes the custom metrics as EMF log lines; a PutMetricData grant would be unused privilege."""
    common = (REPO / "src" / "sdga" / "lambdas" / "runtime.py").read_text(encoding="utf-8")
    assert "flush_metrics()" in common and "put_metric_data" not in common
    for doc in _policy_documents():
        for statement in statements(doc):
            assert "cloudwatch:PutMetricData" not in as_list(statement.get("actions")), (doc, statement.get("sid"))


def test_roles_are_handed_out_only_with_their_policies_attached() -> None:
    """CreateFunction checks the role at once: with a dead-letter queue it refuses a role without sqs:SendMessage
    ("The provided execution role does not have permissions to call SendMessage on SQS"), in a VPC one without the
    ENI actions. The role ARN outputs therefore wait for the inline policies, so no function (or agent) is created
    with a bare role, and on destroy the policies outlive the functions whose ENIs they clean up."""
    outputs = {b.name: b.body for b in blocks("output") if b.module_dir == MODULES / "iam"}
    assert "${aws_iam_role_policy.lambda}" in as_list(outputs["lambda_role_arns"].get("depends_on"))
    assert "${aws_iam_role_policy.agent}" in as_list(outputs["agent_role_arn"].get("depends_on"))
    lambda_call = _module_call("lambda")
    assert lambda_call["role_arn"] == "${module.iam.lambda_role_arns[each.key]}"


def test_bedrock_trust_policies_carry_source_conditions() -> None:
    trusts = [
        doc
        for doc in _policy_documents()
        if any("sts:AssumeRole" in as_list(s.get("actions")) for s in statements(doc))
    ]
    assert len(trusts) >= 4
    for doc in trusts:
        for statement in statements(doc):
            services = [i for p in as_list(statement.get("principals")) for i in p["identifiers"]]
            if services == ["lambda.amazonaws.com"]:
                continue  # Lambda sets no source keys on AssumeRole; iam:PassRole guards execution roles
            variables = {c["variable"] for c in as_list(statement.get("condition"))}
            assert {"aws:SourceAccount", "aws:SourceArn"} <= variables, doc


def test_bedrock_may_invoke_the_lambdas_only_for_this_agent() -> None:
    permission = _one("aws_lambda_permission", "bedrock-agent", "bedrock")
    assert permission["principal"] == "bedrock.amazonaws.com"
    assert permission["source_arn"] == "${aws_bedrockagent_agent.this.agent_arn}"
    assert permission["source_account"] == "${data.aws_caller_identity.current.account_id}"
    api = _one("aws_lambda_permission", "api-gateway", "api")
    assert api["source_arn"] == "${aws_apigatewayv2_api.this.execution_arn}/*/*"


# ------------------------------------------------------------------------------------------------------------
# Bedrock agent, knowledge base, vector index
# ------------------------------------------------------------------------------------------------------------
def test_action_groups_use_the_generated_openapi_documents() -> None:
    groups = ROOT_LOCALS["action_groups"]
    assert groups == {
        "data-generation-actions": {"key": "generate", "description": groups["data-generation-actions"]["description"]},
        "schema-validation-actions": {
            "key": "validate",
            "description": groups["schema-validation-actions"]["description"],
        },
        "quality-metrics-actions": {"key": "metrics", "description": groups["quality-metrics-actions"]["description"]},
    }
    action_group = _one("aws_bedrockagent_agent_action_group", "bedrock-agent", "this")
    assert action_group["api_schema"][0]["payload"] == "${file(each.value.schema_path)}"
    assert action_group["agent_version"] == "DRAFT"
    assert action_group["action_group_executor"][0]["lambda"] == "${each.value.lambda_arn}"
    call = _module_call("bedrock_agent")
    assert '"${path.root}/openapi/${name}.json"' in call["action_groups"]
    openapi = pytest.importorskip("sdga.openapi")
    assert set(openapi.ACTION_GROUPS) == set(groups)
    documents = openapi.bedrock_documents()
    for name, group in groups.items():
        path = TERRAFORM / "openapi" / f"{name}.json"
        assert path.is_file(), f"{path} missing: run python -m sdga.openapi --write"
        assert path.read_text(encoding="utf-8") == openapi.render(documents[name]), f"{path} is stale"
        handler_module = ROOT_LOCALS["action_function_specs"][group["key"]]["handler"].rsplit(".", 1)[0]
        assert openapi.ACTION_GROUPS[name][0] == handler_module
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["openapi"] == "3.0.0"
        assert '"enum"' not in path.read_text(encoding="utf-8")


def test_agent_instruction_fits_bedrock_limits() -> None:
    call = _module_call("bedrock_agent")
    assert call["instruction_path"] == "${local.instruction_path}"
    default = next(b for b in blocks("variable") if b.name == "agent_instruction_path" and b.file.parent == TERRAFORM)
    path = (TERRAFORM / default.body["default"]).resolve()
    assert path == REPO / "src" / "sdga" / "agent" / "instruction.md"
    text = path.read_text(encoding="utf-8").strip()
    assert 40 <= len(text) <= 8000


def test_alias_moves_with_each_configuration_change_and_only_then() -> None:
    # prepared_at changes on every apply (the action groups prepare the agent again), so a description built from
    # it never matches the next plan: a perpetual diff and a new agent version per apply. The fingerprint alone.
    alias = _one("aws_bedrockagent_agent_alias", "bedrock-agent", "this")
    assert "prepared_at" not in alias["description"]
    assert "agent_fingerprint" in alias["description"]
    assert "routing_configuration" not in alias
    fingerprint = locals_of(MODULES / "bedrock-agent" / "main.tf")["agent_fingerprint"]
    for part in ("instruction", "schemas", "executors", "model", "knowledgebase", "guardrail"):
        assert part in fingerprint, part


def test_foundation_model_default_is_current_and_not_the_retired_claude_3() -> None:
    model = next(b for b in blocks("variable") if b.name == "foundation_model" and b.file.parent == TERRAFORM)
    assert model.body["default"].startswith("anthropic.claude-")
    assert model.body["default"] != "anthropic.claude-3-sonnet-20240229-v1:0"
    assert "claude-3-sonnet" in model.body["description"]  # says why it is not the default


def test_vector_index_matches_titan_v1_and_the_knowledge_base() -> None:
    index = _one("opensearch_index", "opensearch", "vector")
    mappings = index["mappings"]
    assert "knn_vector" in mappings and '"faiss"' in mappings and '"hnsw"' in mappings
    assert index["index_knn"] is True
    dimension = next(b for b in blocks("variable") if b.name == "vector_dimension")
    assert dimension.body["default"] == 1536
    sleeps = {b.name: b.body for b in _resources("time_sleep", "opensearch")}
    assert set(sleeps) == {"after_access_policy", "after_index"}
    assert index["depends_on"] == ["${time_sleep.after_access_policy}"]
    kb_call = _module_call("knowledge_base")
    assert kb_call["index_name"] == "${module.opensearch[0].index_name}"
    kb = _one("aws_bedrockagent_knowledge_base", "bedrock-knowledge-base", "this")
    storage = kb["storage_configuration"][0]
    assert storage["type"] == "OPENSEARCH_SERVERLESS"
    data_policy = _one("aws_opensearchserverless_access_policy", "opensearch", "data")
    assert data_policy["type"] == "data" and "aoss:CreateIndex" in data_policy["policy"]


# ------------------------------------------------------------------------------------------------------------
# Contracts with the package
# ------------------------------------------------------------------------------------------------------------
CONTRACT_ENV = {
    "SDGA_STORAGE_BACKEND",
    "SDGA_S3_BUCKET",
    "SDGA_S3_PREFIX",
    "SDGA_KMS_KEY_ID",
    "SDGA_HISTORY_BACKEND",
    "SDGA_HISTORY_TABLE",
    "SDGA_HISTORY_TTL_DAYS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
}
AGENT_ENV = {"SDGA_LLM_BACKEND", "SDGA_MODEL_ID", "SDGA_KB_BACKEND", "SDGA_KNOWLEDGE_BASE_ID"}


def test_lambda_environment_follows_the_contract() -> None:
    common = ROOT_LOCALS["common_environment"]
    for name in CONTRACT_ENV:
        assert re.search(rf"\b{name}\b", common), name
    expected = {
        "SDGA_STORAGE_BACKEND": '"s3"',
        "SDGA_S3_BUCKET": "module.s3.data_bucket_name",
        "SDGA_S3_PREFIX": "module.s3.generated_data_prefix",
        "SDGA_KMS_KEY_ID": "module.kms.s3_key_arn",
        "SDGA_HISTORY_BACKEND": '"dynamodb"',
        "SDGA_HISTORY_TABLE": "module.dynamodb.table_name",
        "SDGA_HISTORY_TTL_DAYS": "tostring(var.history_ttl_days)",
        "POWERTOOLS_METRICS_NAMESPACE": "local.metrics_namespace",
    }
    for name, value in expected.items():
        assert re.search(rf"\b{name} = {re.escape(value)}[,}}]", common), name
    # generate: background jobs by async self-invocation, plus the EMR hand-off settings when the application exists.
    assert (
        ROOT_LOCALS["function_environment"]["generate"]
        == '${merge({SDGA_BACKGROUND_MODE = "lambda"}, local.emr_environment)}'
    )
    agent = ROOT_LOCALS["function_environment"]["agent"]
    for name in AGENT_ENV:
        assert name in agent, name
    assert ROOT_LOCALS["metrics_namespace"] == "SyntheticDataAgent"
    # Every SDGA_* variable Terraform sets is a setting the package reads.
    settings = importlib.import_module("sdga.config").Settings
    known = {f"SDGA_{name.upper()}" for name in settings.model_fields}
    text = (TERRAFORM / "main.tf").read_text(encoding="utf-8")
    for name in set(re.findall(r"\b(SDGA_[A-Z_]+)\s*=", text)):
        assert name in known, f"{name} is not a setting of sdga.config.Settings"


def test_http_api_routes_follow_the_contract() -> None:
    assert ROOT_LOCALS["api_routes"] == {
        "POST /api/v1/synthetic-data/generate": "generate",
        "GET /api/v1/synthetic-data/status/{generation_id}": "generate",
        "GET /api/v1/synthetic-data/download/{generation_id}": "generate",
        "GET /api/v1/synthetic-data/history": "generate",
        "POST /api/v1/synthetic-data/validate-schema": "validate",
        "POST /api/v1/synthetic-data/quality-metrics": "metrics",
        "POST /api/v1/agent/ask": "agent",
    }
    integration = _one("aws_apigatewayv2_integration", "api-gateway", "lambda")
    assert integration["payload_format_version"] == "2.0"
    stage = _one("aws_apigatewayv2_stage", "api-gateway", "default")
    assert stage["access_log_settings"][0]["destination_arn"] == "${aws_cloudwatch_log_group.access.arn}"
    assert "throttling_rate_limit" in stage["default_route_settings"][0]


def test_agent_mode_switches_the_agent_and_the_api() -> None:
    variable = next(b for b in blocks("variable") if b.name == "agent_mode" and b.file.parent == TERRAFORM)
    assert "bedrock-agent" in variable.body["validation"][0]["condition"]
    assert ROOT_LOCALS["create_bedrock_agent"] == '${contains(["bedrock-agent", "both"], var.agent_mode)}'
    assert ROOT_LOCALS["create_http_api"] == '${contains(["converse-api", "both"], var.agent_mode)}'
    assert _module_call("bedrock_agent")["count"] == "${local.create_bedrock_agent ? 1 : 0}"
    assert _module_call("api")["count"] == "${local.create_http_api ? 1 : 0}"


def test_alarms_use_the_custom_metrics_namespace() -> None:
    contract = {
        "GenerationSuccess",
        "GenerationFailure",
        "RecordsGenerated",
        "GenerationTimePer1kRecordsMs",
        "UniquenessScore",
        "ValidityScore",
        "SchemaValidationFailure",
        "ComplianceViolations",
    }
    text = (MODULES / "cloudwatch" / "main.tf").read_text(encoding="utf-8")
    for metric in contract:
        assert f'"{metric}"' in text, metric
    handlers = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "src" / "sdga" / "lambdas").rglob("*.py")))
    for metric in contract:
        assert f'"{metric}"' in handlers, f"handlers never publish {metric}"
    for alarm in _resources("aws_cloudwatch_metric_alarm", "cloudwatch"):
        assert alarm.body["alarm_actions"] == "${local.alarm_actions}", alarm


# ------------------------------------------------------------------------------------------------------------
# Variables and tfvars
# ------------------------------------------------------------------------------------------------------------
def test_every_variable_has_a_description_and_a_type() -> None:
    variables = blocks("variable")
    assert len(variables) > 100
    for variable in variables:
        assert variable.body.get("description"), variable
        assert variable.body.get("type"), variable


# Root variables whose wrong values AWS (or the module layout) only refuses in the middle of an apply, with the
# bounds their validation must state.
VALIDATED_BOUNDS = {
    "agent_idle_session_ttl_seconds": ("60", "3600"),  # Bedrock idleSessionTTLInSeconds range
    "vpc_az_count": ("2", "3"),
    "vpc_cidr": ("cidrhost", "16", "20"),  # public subnets are /cidr+8, which must stay a valid /28 or larger
    "generation_success_rate_threshold": ("0", "100"),
    "dynamodb_provisioned_capacity": ("read_min", "read_max", "write_min", "write_max"),
    "api_throttling_rate_limit": ("0",),
    "api_throttling_burst_limit": ("0",),
    "alarm_email_addresses": ("@",),
}


@pytest.mark.parametrize("name", sorted(VALIDATED_BOUNDS))
def test_variables_with_service_limits_are_validated_at_plan_time(name: str) -> None:
    variable = next(b for b in blocks("variable") if b.module_dir == TERRAFORM and b.name == name)
    validations = as_list(variable.body.get("validation"))
    assert validations, f"variable {name} needs a validation block"
    conditions = " ".join(str(v["condition"]) for v in validations)
    for bound in VALIDATED_BOUNDS[name]:
        assert bound in conditions, (name, bound, conditions)
    assert all(v.get("error_message") for v in validations)


def _holds(condition: str, values: dict[str, Any]) -> bool:
    """Evaluate a small boolean HCL condition (``||``, ``&&``, ``!``, ``length()``, comparisons) over ``var.*`` values."""
    expr = condition.removeprefix("${").removesuffix("}")
    expr = expr.replace("||", " or ").replace("&&", " and ").replace("!=", " <> ")
    expr = re.sub(r"!(?!=)", " not ", expr).replace(" <> ", " != ").replace("length(", "len(")
    expr = re.sub(r"\bvar\.(\w+)", lambda m: f"v[{m.group(1)!r}]", expr)
    expr = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", expr))
    expr = re.sub(r"\bnull\b", "None", expr)
    # Only this repository's own conditions are evaluated, with no builtins.
    return bool(eval(expr, {"__builtins__": {}, "len": len}, {"v": values}))


def test_opensearch_vpc_endpoint_ids_are_declared_validated_and_passed() -> None:
    """With opensearch_public_network_access = false only Bedrock and the listed VPC endpoints reach the collection;
    the root must let the deployer name the endpoint its Terraform runner uses, or nobody can create the index."""
    variable = next(
        b for b in blocks("variable") if b.module_dir == TERRAFORM and b.name == "opensearch_vpc_endpoint_ids"
    )
    assert variable.body["type"] == "${list(string)}" and variable.body["default"] == []
    assert "VPC endpoint" in variable.body["description"]
    validation = as_list(variable.body.get("validation"))[0]
    assert "vpce-" in validation["error_message"]
    pattern = re.search(r'regex\("([^"]+)"', validation["condition"])
    assert pattern, validation["condition"]
    for good in ("vpce-050f79086ee71ac05", "vpce-829a4487959e2a839"):
        assert re.search(pattern.group(1), good), good
    for bad in ("050f79086ee71ac05", "vpce-", "vpc-050f79086ee71ac05", " vpce-050f79086ee71ac05"):
        assert not re.search(pattern.group(1), bad), bad
    assert _module_call("opensearch")["vpc_endpoint_ids"] == "${var.opensearch_vpc_endpoint_ids}"


def test_private_collection_without_vpc_endpoints_is_refused_at_plan_time() -> None:
    network = _one("aws_opensearchserverless_security_policy", "opensearch", "network")
    preconditions = as_list(network.get("lifecycle", [{}])[0].get("precondition"))
    assert preconditions, "the network policy needs a precondition on public access / VPC endpoints"
    check = preconditions[0]
    assert "opensearch_vpc_endpoint_ids" in check["error_message"] and "vector index" in check["error_message"]
    endpoint = ["vpce-050f79086ee71ac05"]
    cases = [(True, [], True), (True, endpoint, True), (False, endpoint, True), (False, [], False)]
    for public, ids, allowed in cases:
        values = {"allow_public_network_access": public, "vpc_endpoint_ids": ids}
        assert _holds(check["condition"], values) is allowed, (public, ids)


def test_deployment_docs_say_how_to_apply_with_a_private_collection() -> None:
    text = (TERRAFORM.parent / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")
    assert "opensearch_public_network_access = false" in text and "opensearch_vpc_endpoint_ids" in text
    assert "create-vpc-endpoint" in text  # how to get such an endpoint


def test_every_output_has_a_description() -> None:
    for output in blocks("output"):
        assert output.body.get("description"), output


def test_module_calls_only_pass_declared_variables() -> None:
    meta = {"source", "count", "for_each", "providers", "depends_on", "version"}
    for call in blocks("module"):
        source = (call.file.parent / call.body["source"]).resolve()
        declared = {b.name for b in blocks("variable") if b.file.parent == source}
        passed = set(call.body) - meta
        assert passed <= declared, f"module {call.name} passes undeclared {sorted(passed - declared)}"
        required = {b.name for b in blocks("variable") if b.file.parent == source and "default" not in b.body}
        assert required <= passed, f"module {call.name} misses required {sorted(required - passed)}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tfvars_only_set_declared_variables(env: str) -> None:
    declared = {b.name: b.body for b in blocks("variable") if b.file.parent == TERRAFORM}
    tfvars = load(TERRAFORM / "environments" / f"{env}.tfvars")
    assert tfvars, env
    undeclared = set(tfvars) - set(declared)
    assert not undeclared, f"{env}.tfvars sets undeclared {sorted(undeclared)}"
    assert tfvars["environment"] == env
    required = {name for name, body in declared.items() if "default" not in body}
    assert required <= set(tfvars), f"{env}.tfvars misses {sorted(required - set(tfvars))}"
    enums = {
        "agent_mode": {"agentcore", "bedrock-agent", "converse-api", "both"},
        "opensearch_standby_replicas": {"ENABLED", "DISABLED"},
        "dynamodb_billing_mode": {"PAY_PER_REQUEST", "PROVISIONED"},
        "api_authorization_type": {"AWS_IAM", "JWT", "NONE"},
    }
    for name, allowed in enums.items():
        if name in tfvars:
            assert tfvars[name] in allowed, (env, name)


def test_environments_differ_where_they_should() -> None:
    dev = load(TERRAFORM / "environments" / "dev.tfvars")
    prod = load(TERRAFORM / "environments" / "prod.tfvars")
    assert dev["enable_vpc"] is False and prod["enable_vpc"] is True
    assert dev["dynamodb_billing_mode"] == "PAY_PER_REQUEST" and prod["dynamodb_billing_mode"] == "PROVISIONED"
    assert prod["opensearch_standby_replicas"] == "ENABLED"
    assert prod["log_retention_days"] >= 365
    assert prod.get("s3_force_destroy") is False


def _source_of(module_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(module_dir.glob("*.tf")))


def test_checkov_skips_are_inline_with_reasons() -> None:
    for path in tf_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "checkov:skip" in line:
                assert re.search(r"checkov:skip=CKV2?_AWS_\d+:\S.{15,}", line), f"{path}: {line.strip()}"


def test_guardrail_version_is_replaced_when_the_guardrail_changes() -> None:
    version = _one("aws_bedrock_guardrail_version", "bedrock-agent", "this")
    triggers = version["lifecycle"][0]["replace_triggered_by"]
    assert any("aws_bedrock_guardrail.this" in str(t) for t in triggers), triggers


def test_knowledge_base_may_use_the_data_key_as_bedrock() -> None:
    """Bedrock itself (not the KB role) encrypts ingestion data and decrypts the documents: without a statement for
    the service principal, scoped by the aws:bedrock:arn encryption context, ingestion fails on KMS."""
    doc = next(
        b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == MODULES / "kms" and b.name == "s3"
    )
    statement = next(
        s
        for s in statements(doc)
        if any(p["type"] == "Service" and p["identifiers"] == ["bedrock.amazonaws.com"] for p in s["principals"])
    )
    assert set(statement["actions"]) >= {"kms:Decrypt", "kms:GenerateDataKey"}
    conditions = {c["variable"]: c for c in statement["condition"]}
    context = conditions["kms:EncryptionContext:aws:bedrock:arn"]
    assert context["test"] == "ArnLike" and context["values"][0].endswith(":knowledge-base/*")
    assert conditions["aws:SourceAccount"]["values"] == ["${local.account_id}"]


def test_data_access_principals_are_explicit_variables_not_the_caller() -> None:
    """A principal taken from the caller's identity makes a plan by any other role (CI) a diff or a 403."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in tf_files())
    assert "aws_iam_session_context" not in source
    data_principals = locals_of(MODULES / "opensearch" / "main.tf")["data_principals"]
    assert data_principals.startswith("${sort(distinct(") and "caller" not in data_principals
    assert "var.terraform_principal_arns" in data_principals
    assert _module_call("opensearch")["terraform_principal_arns"] == "${var.opensearch_terraform_principal_arns}"


def test_autoscaled_index_capacity_does_not_drift() -> None:
    table = _one("aws_dynamodb_table", "dynamodb", "generations")
    ignored = table["lifecycle"][0]["ignore_changes"]
    assert {"read_capacity", "write_capacity", "global_secondary_index"} <= set(ignored)


def test_every_versioned_bucket_expires_noncurrent_versions_and_delete_markers() -> None:
    for config in _resources("aws_s3_bucket_lifecycle_configuration", "s3"):
        rules = as_list(config.body.get("rule"))
        assert any("noncurrent_version_expiration" in r for r in rules), config
        markers = [e for r in rules for e in as_list(r.get("expiration")) if e.get("expired_object_delete_marker")]
        assert markers, f"{config} leaves expired delete markers behind"


def test_api_key_is_never_a_plain_environment_variable() -> None:
    common = ROOT_LOCALS["common_environment"]
    assert "SDGA_API_KEY =" not in common and "var.api_key" not in common
    assert "SDGA_API_KEY_PARAMETER" in common
    parameter = next(b for b in blocks("resource", "aws_ssm_parameter") if b.file.parent == TERRAFORM)
    assert parameter.body["type"] == "SecureString" and parameter.body["key_id"] == "${module.kms.s3_key_arn}"


def test_embedding_dimension_is_checked_against_the_model() -> None:
    kb = _one("aws_bedrockagent_knowledge_base", "bedrock-knowledge-base", "this")
    check = kb["lifecycle"][0]["precondition"][0]
    assert "var.embedding_dimension" in check["condition"] and "embedding_dimensions" in check["condition"]
    sizes = locals_of(MODULES / "bedrock-knowledge-base" / "main.tf")["embedding_dimensions"]
    assert sizes["amazon.titan-embed-text-v1"] == [1536]
    assert _module_call("knowledge_base")["embedding_dimension"] == "${var.embedding_dimension}"


def test_open_http_api_requires_the_api_key() -> None:
    route = _one("aws_apigatewayv2_route", "api-gateway", "this")
    check = route["lifecycle"][0]["precondition"][0]
    assert _holds(check["condition"], {"authorization_type": "NONE", "api_key_required": False}) is False
    assert _holds(check["condition"], {"authorization_type": "NONE", "api_key_required": True}) is True
    assert _holds(check["condition"], {"authorization_type": "AWS_IAM", "api_key_required": False}) is True


@pytest.mark.parametrize("name", ["api_throttling_rate_limit", "api_throttling_burst_limit"])
def test_throttling_limits_refuse_zero(name: str) -> None:
    variable = next(b for b in blocks("variable") if b.module_dir == TERRAFORM and b.name == name)
    condition = as_list(variable.body["validation"])[0]["condition"]
    assert _holds(condition, {name: 0}) is False and _holds(condition, {name: 1}) is True
