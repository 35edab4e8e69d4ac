# One action Lambda: the function, its KMS-encrypted log group (created before the function so Lambda never
# creates an unencrypted one), an SQS dead-letter queue for failed asynchronous invocations, X-Ray tracing and
# reserved concurrency.

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
  # checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only; these functions run a container image from an immutable, scan-on-push, KMS-encrypted ECR repository, tagged with the hash of its content.
  function_name                  = var.function_name
  description                    = var.description
  role                           = var.role_arn
  package_type                   = "Image"
  image_uri                      = var.image_uri
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.environment_kms_key_arn

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
  image_config {
    command = [var.handler]
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
      condition     = var.image_uri != null
      error_message = "image_uri is required: build and push the image (build-lambda.sh, deploy.sh) and pass lambda_image_tag."
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
