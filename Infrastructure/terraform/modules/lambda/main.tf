# One action Lambda: the function, its KMS-encrypted log group (created before the function so Lambda never
# creates an unencrypted one), an SQS dead-letter queue for failed asynchronous invocations, X-Ray tracing and
# reserved concurrency.

locals {
  zip = var.package_type == "Zip"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.function_name}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = var.logs_kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
  tags                              = var.tags
}

data "aws_iam_policy_document" "dlq" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.dlq.json
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_117:VPC placement is a per-environment choice (var.enable_vpc, on in staging/prod); dev runs without a VPC to avoid NAT cost.
  # checkov:skip=CKV_AWS_272:Code signing is optional (var.code_signing_config_arn); the zip is built reproducibly in CI and its hash pinned by source_code_hash.
  function_name                  = var.function_name
  description                    = var.description
  role                           = var.role_arn
  package_type                   = var.package_type
  handler                        = local.zip ? var.handler : null
  runtime                        = local.zip ? var.runtime : null
  architectures                  = [var.architecture]
  filename                       = local.zip ? var.package_path : null
  source_code_hash               = local.zip ? try(filebase64sha256(var.package_path), null) : null
  image_uri                      = local.zip ? null : var.image_uri
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  layers                         = local.zip ? var.layers : null
  kms_key_arn                    = var.environment_kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  ephemeral_storage {
    size = var.ephemeral_storage_mb
  }

  environment {
    variables = merge(
      {
        POWERTOOLS_LOG_LEVEL = var.log_level
        LOG_LEVEL            = var.log_level
      },
      var.environment,
    )
  }

  # The image serves every function; the handler is chosen here.
  dynamic "image_config" {
    for_each = local.zip ? [] : [1]

    content {
      command = [var.handler]
    }
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  dynamic "vpc_config" {
    for_each = length(var.subnet_ids) > 0 ? [1] : []

    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.zip ? (var.package_path != null && fileexists(coalesce(var.package_path, "/nonexistent"))) : var.image_uri != null
      error_message = "package_type Zip needs the zip from build-lambda.sh at package_path; Image needs image_uri."
    }
  }

  depends_on = [aws_cloudwatch_log_group.this]
}

# Asynchronous invocations (the generate function's background jobs) are not retried blindly: a failed job has
# already recorded "failed" in the history, and re-running a five-minute generation would only double the cost. The
# event goes to the DLQ for inspection and replay; events older than an hour are not started at all.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}
