# Three customer-managed keys, one per data class, so a key policy can name exactly the services that use it
# and a compromise or deletion of one key has a bounded blast radius.
#   s3       - generated data and knowledge-base documents (S3), the Bedrock agent and knowledge base,
#              the OpenSearch Serverless collection, the Lambda environment variables and the API-key parameter.
#   dynamodb - the generation-history table (incl. its PITR backups).
#   logs     - CloudWatch Logs log groups, the alarm SNS topic and the Lambda dead-letter queues.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  root_arn   = "arn:${local.partition}:iam::${local.account_id}:root"
}

# Statement shared by every key: the account root may administer the key, which delegates access control to IAM
# policies in this account (AWS's default key policy). Without it the key could become unmanageable.
data "aws_iam_policy_document" "s3" {
  # checkov:skip=CKV_AWS_109:Key policy: "Resource: *" means this key only; the root statement is AWS's default key policy that delegates to IAM.
  # checkov:skip=CKV_AWS_111:Key policy: "Resource: *" means this key only; service statements are constrained by kms:ViaService / encryption context / source account.
  # checkov:skip=CKV_AWS_356:Key policy: "Resource: *" is the only valid resource in a key policy (it refers to the key itself).
  statement {
    sid       = "EnableIamPolicies"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
  }

  statement {
    sid    = "AllowUseThroughS3"
    effect = "Allow"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid    = "AllowUseThroughBedrock"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
      "kms:CreateGrant",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["bedrock.${local.region}.amazonaws.com"]
    }
  }

  # The knowledge base encrypts its transient ingestion data and reads the SSE-KMS documents as the Bedrock service
  # itself, not through the KB role; the encryption context names the knowledge base, so only this account's
  # knowledge bases (in this region) can use the key this way.
  statement {
    sid       = "AllowBedrockKnowledgeBases"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

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
      variable = "kms:EncryptionContext:aws:bedrock:arn"
      values   = ["arn:${local.partition}:bedrock:${local.region}:${local.account_id}:knowledge-base/*"]
    }
  }

  # The AgentCore gateway and memory encrypt their data with this key through the AgentCore service.
  statement {
    sid       = "AllowUseThroughAgentCore"
    effect    = "Allow"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["bedrock-agentcore.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
  }

  # The API key is an SSM SecureString under this key; the functions decrypt it at cold start through SSM.
  statement {
    sid       = "AllowUseThroughSsm"
    effect    = "Allow"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "AllowOpenSearchServerlessCollectionEncryption"
    effect    = "Allow"
    actions   = ["kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["aoss.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "AllowEcrImageEncryption"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant", "kms:RetireGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ecr.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "AllowLambdaEnvironmentEncryption"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey", "kms:CreateGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["lambda.${local.region}.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "dynamodb" {
  # checkov:skip=CKV_AWS_109:Key policy: "Resource: *" means this key only; the root statement is AWS's default key policy that delegates to IAM.
  # checkov:skip=CKV_AWS_111:Key policy: "Resource: *" means this key only; service statements are constrained by kms:ViaService / encryption context / source account.
  # checkov:skip=CKV_AWS_356:Key policy: "Resource: *" is the only valid resource in a key policy (it refers to the key itself).
  statement {
    sid       = "EnableIamPolicies"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
  }

  statement {
    sid    = "AllowUseThroughDynamoDB"
    effect = "Allow"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
      "kms:CreateGrant",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "logs" {
  # checkov:skip=CKV_AWS_109:Key policy: "Resource: *" means this key only; the root statement is AWS's default key policy that delegates to IAM.
  # checkov:skip=CKV_AWS_111:Key policy: "Resource: *" means this key only; service statements are constrained by kms:ViaService / encryption context / source account.
  # checkov:skip=CKV_AWS_356:Key policy: "Resource: *" is the only valid resource in a key policy (it refers to the key itself).
  statement {
    sid       = "EnableIamPolicies"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
  }

  # CloudWatch Logs encrypts log groups with the service principal; the encryption context pins the key to
  # log groups of this account and region (AWS doc "Encrypt log data in CloudWatch Logs using AWS KMS").
  statement {
    sid    = "AllowCloudWatchLogs"
    effect = "Allow"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  # CloudWatch alarms publish to the KMS-encrypted SNS topic; without this statement alarm notifications are
  # silently dropped.
  statement {
    sid       = "AllowCloudWatchAlarmsToPublish"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "AllowUseThroughSnsAndSqs"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "s3" {
  description             = "${var.name_prefix}: S3 data, knowledge base, Bedrock agent, vector collection, Lambda env"
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.s3.json
  tags                    = merge(var.tags, { Purpose = "s3" })
}

resource "aws_kms_alias" "s3" {
  name          = "alias/${var.name_prefix}-s3"
  target_key_id = aws_kms_key.s3.key_id
}

resource "aws_kms_key" "dynamodb" {
  description             = "${var.name_prefix}: DynamoDB generation history"
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.dynamodb.json
  tags                    = merge(var.tags, { Purpose = "dynamodb" })
}

resource "aws_kms_alias" "dynamodb" {
  name          = "alias/${var.name_prefix}-dynamodb"
  target_key_id = aws_kms_key.dynamodb.key_id
}

resource "aws_kms_key" "logs" {
  description             = "${var.name_prefix}: CloudWatch Logs, alarm topic, dead-letter queues"
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.logs.json
  tags                    = merge(var.tags, { Purpose = "logs" })
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name_prefix}-logs"
  target_key_id = aws_kms_key.logs.key_id
}
