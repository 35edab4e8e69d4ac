# The five service roles of the seed (Bedrock agent, three action Lambdas, knowledge base) plus, in converse-api/both
# mode, the role of the Converse agent Lambda. Every role trusts exactly one service principal with source-account
# (and, where the caller is known by ARN pattern, source-ARN) conditions, and every policy names the ARNs it acts on.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  use_vpc    = length(var.vpc_subnet_arns) > 0

  log_group_arns = { for k, name in var.function_names : k => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${name}" }
  function_arns  = { for k, name in var.function_names : k => "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${name}" }
  dlq_arns       = { for k, name in var.function_names : k => "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${name}-dlq" }

  prefix_pattern = "${trimsuffix(var.generated_data_prefix, "/")}/*"

  api_key_parameter_arn = var.api_key_parameter_name == null ? null : "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${var.api_key_parameter_name}"

  # What each function does with the data stores (matching sdga.adapters; tests/infra/test_infra_iam_least_privilege.py
  # derives the calls from the code): generate writes data sets (upload_file, multipart above 8 MB, whose clean-up
  # is AbortMultipartUpload; the objects of an upload that failed half-way are deleted) and history items
  # (conditional PutItem; reads by Query on the key or the status index, never Scan or GetItem); metrics reads data
  # sets and history; validate touches neither; the Converse agent runs all three tools and keeps its memory in the
  # table (GetItem for index hits without the item).
  s3_actions = {
    generate = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    validate = []
    metrics  = ["s3:GetObject"]
    agent    = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
  }
  dynamodb_actions = {
    generate = ["dynamodb:PutItem", "dynamodb:Query"]
    validate = []
    metrics  = ["dynamodb:Query"]
    agent    = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"]
  }
  lambdas = { for k, name in var.function_names : k => {
    name             = name
    s3_actions       = local.s3_actions[k]
    dynamodb_actions = local.dynamodb_actions[k]
  } }
}

# ---------------------------------------------------------------------------------------------------------------
# Lambda execution roles
# ---------------------------------------------------------------------------------------------------------------
# Lambda does not document aws:SourceAccount / aws:SourceArn on the AssumeRole call it makes for an execution role,
# and a positive condition on a missing key denies, which would break every invocation. The confused-deputy risk is
# instead closed by iam:PassRole: only principals of this account allowed to pass the role can attach it to a
# function. Roles assumed by Bedrock (below) do carry both conditions, as the Bedrock documentation prescribes.
data "aws_iam_policy_document" "lambda_trust" {
  for_each = local.lambdas

  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  for_each = local.lambdas

  name                 = "${var.name_prefix}-${each.key}-lambda"
  description          = "Execution role of the ${each.value.name} Lambda function."
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust[each.key].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "lambda" {
  for_each = local.lambdas

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns[each.key]}:*"]
  }

  statement {
    sid       = "DeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [local.dlq_arns[each.key]]
  }

  # The DLQ is encrypted with the logs CMK; SQS needs a data key to store the failed event.
  statement {
    sid       = "DeadLetterQueueEncryption"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.logs_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${local.region}.amazonaws.com"]
    }
  }

  # Environment variables are encrypted with the S3/data CMK.
  statement {
    sid       = "DecryptEnvironment"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.s3_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["lambda.${local.region}.amazonaws.com"]
    }
  }

  # X-Ray segment upload does not support resource-level permissions (AWS service authorization reference), so "*"
  # is the only valid resource. Custom metrics need no grant: Powertools writes them as embedded metric format
  # (EMF) log lines, which CloudWatch turns into metrics; the code never calls PutMetricData.
  statement {
    sid       = "XRayTracing"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(each.value.s3_actions) > 0 ? [1] : []

    content {
      sid       = "GeneratedDataObjects"
      effect    = "Allow"
      actions   = each.value.s3_actions
      resources = ["${var.data_bucket_arn}/${local.prefix_pattern}"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.s3_actions) > 0 ? [1] : []

    content {
      sid       = "ListGeneratedData"
      effect    = "Allow"
      actions   = ["s3:ListBucket"]
      resources = [var.data_bucket_arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = [var.generated_data_prefix, local.prefix_pattern]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.s3_actions) > 0 ? [1] : []

    content {
      sid       = "GeneratedDataEncryption"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.s3_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.dynamodb_actions) > 0 ? [1] : []

    content {
      sid       = "GenerationHistory"
      effect    = "Allow"
      actions   = each.value.dynamodb_actions
      resources = [var.history_table_arn]
    }
  }

  # An index can only be queried: item reads and writes name the table.
  dynamic "statement" {
    for_each = contains(each.value.dynamodb_actions, "dynamodb:Query") ? [1] : []

    content {
      sid       = "GenerationHistoryIndex"
      effect    = "Allow"
      actions   = ["dynamodb:Query"]
      resources = ["${var.history_table_arn}/index/*"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.dynamodb_actions) > 0 ? [1] : []

    content {
      sid       = "GenerationHistoryEncryption"
      effect    = "Allow"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [var.dynamodb_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.region}.amazonaws.com"]
      }
    }
  }

  # The HTTP API key is an SSM SecureString under the data key, read once per container.
  dynamic "statement" {
    for_each = var.api_key_parameter_name == null ? [] : [1]

    content {
      sid       = "ReadApiKeyParameter"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = [local.api_key_parameter_arn]
    }
  }

  dynamic "statement" {
    for_each = var.api_key_parameter_name == null ? [] : [1]

    content {
      sid       = "DecryptApiKeyParameter"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [var.s3_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }
    }
  }

  # Above SDGA_EMR_ROW_THRESHOLD rows the generate function submits an EMR Serverless job run on the application
  # and follows it; it hands the job its execution role, and only to EMR Serverless.
  dynamic "statement" {
    for_each = var.enable_emr && each.key == "generate" ? [1] : []

    content {
      sid       = "RunGenerationJobs"
      effect    = "Allow"
      actions   = ["emr-serverless:StartJobRun", "emr-serverless:GetJobRun"]
      resources = [var.emr_application_arn, "${var.emr_application_arn}/jobruns/*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_emr && each.key == "generate" ? [1] : []

    content {
      sid       = "PassJobRole"
      effect    = "Allow"
      actions   = ["iam:PassRole"]
      resources = [var.emr_job_role_arn]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["emr-serverless.amazonaws.com"]
      }
    }
  }

  # Large generations are handed to an asynchronous invocation of the same function (event key sdga_job; generate
  # and the Converse agent), so the caller gets a generation_id at once and polls status.
  dynamic "statement" {
    for_each = contains(["generate", "agent"], each.key) ? [1] : []

    content {
      sid       = "InvokeSelfAsynchronously"
      effect    = "Allow"
      actions   = ["lambda:InvokeFunction"]
      resources = [local.function_arns[each.key]]
    }
  }

  dynamic "statement" {
    for_each = each.key == "agent" ? [1] : []

    content {
      sid       = "ConverseWithFoundationModel"
      effect    = "Allow"
      actions   = ["bedrock:InvokeModel"] # Converse; ConverseStream (not used) would need InvokeModelWithResponseStream
      resources = var.model_arns
    }
  }

  # ENI management for functions inside the VPC. Describe* calls only accept "*"; the mutating calls are pinned to
  # this account's network interfaces, subnets and security groups.
  dynamic "statement" {
    for_each = local.use_vpc ? [1] : []

    content {
      sid       = "DescribeNetworkInterfaces"
      effect    = "Allow"
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.use_vpc ? [1] : []

    content {
      sid     = "ManageNetworkInterfaces"
      effect  = "Allow"
      actions = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources = concat(
        ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"],
        var.vpc_subnet_arns,
        var.vpc_security_group_arns,
      )
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.lambdas

  name   = "${var.name_prefix}-${each.key}-lambda"
  role   = aws_iam_role.lambda[each.key].id
  policy = data.aws_iam_policy_document.lambda[each.key].json
}

# ---------------------------------------------------------------------------------------------------------------
# Bedrock agent role
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "agent_trust" {
  statement {
    sid     = "BedrockAgentAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:bedrock:${local.region}:${local.account_id}:agent/*"]
    }
  }
}

resource "aws_iam_role" "agent" {
  count = var.create_bedrock_agent_role ? 1 : 0

  # The console's naming convention, so the role is recognisable in the Bedrock console.
  name                 = "AmazonBedrockExecutionRoleForAgents_${var.name_prefix}"
  description          = "Service role of the ${var.name_prefix} Bedrock agent."
  assume_role_policy   = data.aws_iam_policy_document.agent_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "agent" {
  statement {
    sid       = "InvokeFoundationModel"
    effect    = "Allow"
    actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = var.model_arns
  }

  statement {
    sid       = "ReadInferenceProfile"
    effect    = "Allow"
    actions   = ["bedrock:GetInferenceProfile", "bedrock:GetFoundationModel"]
    resources = var.model_arns
  }

  # The agent's own resources are encrypted with the S3/data CMK (customer_encryption_key_arn).
  statement {
    sid       = "AgentEncryption"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.s3_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["bedrock.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "agent" {
  count = var.create_bedrock_agent_role ? 1 : 0

  name   = "${var.name_prefix}-bedrock-agent"
  role   = aws_iam_role.agent[0].id
  policy = data.aws_iam_policy_document.agent.json
}

# ---------------------------------------------------------------------------------------------------------------
# Knowledge-base role
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "kb_trust" {
  statement {
    sid     = "BedrockKnowledgeBaseAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:bedrock:${local.region}:${local.account_id}:knowledge-base/*"]
    }
  }
}

resource "aws_iam_role" "knowledge_base" {
  count = var.create_knowledge_base_role ? 1 : 0

  name                 = "AmazonBedrockExecutionRoleForKnowledgeBase_${var.name_prefix}"
  description          = "Service role of the ${var.name_prefix} knowledge base (embedding, vector store, documents)."
  assume_role_policy   = data.aws_iam_policy_document.kb_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "knowledge_base" {
  statement {
    sid       = "InvokeEmbeddingModel"
    effect    = "Allow"
    actions   = ["bedrock:InvokeModel"]
    resources = [var.embedding_model_arn]
  }

  statement {
    sid       = "ListDocuments"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.knowledge_base_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.knowledge_base_prefix, "${trimsuffix(var.knowledge_base_prefix, "/")}/*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "ReadDocuments"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.knowledge_base_bucket_arn}/${trimsuffix(var.knowledge_base_prefix, "/")}/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DecryptDocuments"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.s3_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com", "bedrock.${local.region}.amazonaws.com"]
    }
  }

  # Decided by the plain bool, not by collection_arn (unknown until the collection exists).
  dynamic "statement" {
    for_each = var.create_knowledge_base_role ? [1] : []

    content {
      sid       = "VectorStoreAccess"
      effect    = "Allow"
      actions   = ["aoss:APIAccessAll"]
      resources = [var.collection_arn]
    }
  }
}

resource "aws_iam_role_policy" "knowledge_base" {
  count = var.create_knowledge_base_role ? 1 : 0

  name   = "${var.name_prefix}-knowledge-base"
  role   = aws_iam_role.knowledge_base[0].id
  policy = data.aws_iam_policy_document.knowledge_base.json
}
