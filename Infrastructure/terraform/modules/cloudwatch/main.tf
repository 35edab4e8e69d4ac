# Alarms on the Lambdas, their DLQs, DynamoDB, S3 and the custom metrics the handlers publish, all notifying one
# KMS-encrypted SNS topic; the operations dashboard; and the Bedrock model-invocation log group.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  region        = data.aws_region.current.region
  alarm_actions = [aws_sns_topic.alarms.arn]
  dims          = { service = var.metrics_service_name }
}

# ---------------------------------------------------------------------------------------------------------------
# Notification topic
# ---------------------------------------------------------------------------------------------------------------
resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.logs_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "AllowCloudWatchAlarms"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish", "sns:Subscribe"]
    resources = [aws_sns_topic.alarms.arn]

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

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# ---------------------------------------------------------------------------------------------------------------
# Lambda alarms
# ---------------------------------------------------------------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-errors"
  alarm_description   = "${each.value.function_name} raised errors (unhandled exceptions or timeouts)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.lambda_error_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_duration" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-duration-p95"
  alarm_description   = "p95 duration of ${each.value.function_name} is above ${var.duration_alarm_fraction * 100}% of its ${each.value.timeout}s timeout."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = each.value.function_name }
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = each.value.timeout * 1000 * var.duration_alarm_fraction
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-throttles"
  alarm_description   = "${each.value.function_name} is being throttled (reserved concurrency reached)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_messages" {
  for_each = var.functions

  alarm_name          = "${each.value.dlq_name}-not-empty"
  alarm_description   = "Failed asynchronous invocations of ${each.value.function_name} are waiting in its dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# ---------------------------------------------------------------------------------------------------------------
# DynamoDB and S3
# ---------------------------------------------------------------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  alarm_name          = "${var.history_table_name}-throttles"
  alarm_description   = "Reads or writes on ${var.history_table_name} are being throttled."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "throttles"
    expression  = "reads + writes"
    label       = "Throttle events"
    return_data = true
  }

  metric_query {
    id = "reads"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = var.history_table_name }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "writes"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = var.history_table_name }
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "data_bucket_size" {
  alarm_name          = "${var.data_bucket_name}-size"
  alarm_description   = "The generated-data bucket holds more than ${var.data_bucket_size_threshold_bytes} bytes; check the lifecycle rule and who is generating."
  namespace           = "AWS/S3"
  metric_name         = "BucketSizeBytes"
  dimensions          = { BucketName = var.data_bucket_name, StorageType = "StandardStorage" }
  statistic           = "Average"
  period              = 86400
  evaluation_periods  = 1
  threshold           = var.data_bucket_size_threshold_bytes
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# ---------------------------------------------------------------------------------------------------------------
# Custom metrics published by the handlers (namespace SyntheticDataAgent, dimension service)
# ---------------------------------------------------------------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "generation_success_rate" {
  alarm_name          = "${var.name_prefix}-generation-success-rate"
  alarm_description   = "Less than ${var.generation_success_rate_threshold}% of generations succeeded in the last 15 minutes."
  comparison_operator = "LessThanThreshold"
  evaluation_periods  = 1
  threshold           = var.generation_success_rate_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF((ok + failed) > 0, 100 * ok / (ok + failed))"
    label       = "Generation success rate (%)"
    return_data = true
  }

  metric_query {
    id = "ok"

    metric {
      namespace   = var.metrics_namespace
      metric_name = "GenerationSuccess"
      dimensions  = local.dims
      stat        = "Sum"
      period      = 900
    }
  }

  metric_query {
    id = "failed"

    metric {
      namespace   = var.metrics_namespace
      metric_name = "GenerationFailure"
      dimensions  = local.dims
      stat        = "Sum"
      period      = 900
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "schema_validation_failures" {
  alarm_name          = "${var.name_prefix}-schema-validation-failures"
  alarm_description   = "More than ${var.schema_validation_failure_threshold} schema validations failed in 15 minutes."
  namespace           = var.metrics_namespace
  metric_name         = "SchemaValidationFailure"
  dimensions          = local.dims
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  threshold           = var.schema_validation_failure_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "compliance_violations" {
  alarm_name          = "${var.name_prefix}-compliance-violations"
  alarm_description   = "More than ${var.compliance_violation_threshold} compliance violations detected in 15 minutes."
  namespace           = var.metrics_namespace
  metric_name         = "ComplianceViolations"
  dimensions          = local.dims
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  threshold           = var.compliance_violation_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "validity_score" {
  alarm_name          = "${var.name_prefix}-validity-score"
  alarm_description   = "Average validity score of generated data fell below ${var.validity_score_threshold} over an hour: generated values are breaking their own schema."
  namespace           = var.metrics_namespace
  metric_name         = "ValidityScore"
  dimensions          = local.dims
  statistic           = "Average"
  period              = 3600
  evaluation_periods  = 1
  threshold           = var.validity_score_threshold
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  count = var.enable_api_alarms ? 1 : 0

  alarm_name          = "${var.name_prefix}-http-api-5xx"
  alarm_description   = "The HTTP API returned server errors."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = var.api_id }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# ---------------------------------------------------------------------------------------------------------------
# Bedrock model-invocation logs (optional; account-wide setting)
# ---------------------------------------------------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "bedrock_invocations" {
  name              = "/aws/bedrock/${var.name_prefix}/model-invocations"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "invocation_logging_trust" {
  statement {
    sid     = "BedrockLoggingAssumeRole"
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
      values   = ["arn:${data.aws_partition.current.partition}:bedrock:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "invocation_logging" {
  count = var.enable_model_invocation_logging ? 1 : 0

  name               = "${var.name_prefix}-bedrock-invocation-logging"
  description        = "Lets Bedrock deliver model-invocation logs to ${aws_cloudwatch_log_group.bedrock_invocations.name}."
  assume_role_policy = data.aws_iam_policy_document.invocation_logging_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "invocation_logging" {
  statement {
    sid       = "WriteInvocationLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.bedrock_invocations.arn}:*"]
  }
}

resource "aws_iam_role_policy" "invocation_logging" {
  count = var.enable_model_invocation_logging ? 1 : 0

  name   = "${var.name_prefix}-bedrock-invocation-logging"
  role   = aws_iam_role.invocation_logging[0].id
  policy = data.aws_iam_policy_document.invocation_logging.json
}

resource "aws_bedrock_model_invocation_logging_configuration" "this" {
  count = var.enable_model_invocation_logging ? 1 : 0

  logging_config {
    embedding_data_delivery_enabled = false
    image_data_delivery_enabled     = false
    text_data_delivery_enabled      = true

    cloudwatch_config {
      log_group_name = aws_cloudwatch_log_group.bedrock_invocations.name
      role_arn       = aws_iam_role.invocation_logging[0].arn
    }
  }

  depends_on = [aws_iam_role_policy.invocation_logging]
}

# ---------------------------------------------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------------------------------------------
locals {
  function_names = [for f in values(var.functions) : f.function_name]

  dashboard_widgets = concat(
    [
      {
        type       = "text", x = 0, y = 0, width = 24, height = 1
        properties = { markdown = "## ${var.name_prefix} synthetic data agent" }
      },
      {
        type = "metric", x = 0, y = 1, width = 8, height = 6
        properties = {
          title = "Generation success rate (%)", region = local.region, view = "timeSeries", stat = "Sum", period = 300
          yAxis = { left = { min = 0, max = 100 } }
          metrics = [
            [{ expression = "IF((ok + failed) > 0, 100 * ok / (ok + failed))", label = "success rate", id = "rate" }],
            [var.metrics_namespace, "GenerationSuccess", "service", var.metrics_service_name, { id = "ok", visible = false }],
            [var.metrics_namespace, "GenerationFailure", "service", var.metrics_service_name, { id = "failed", visible = false }],
          ]
        }
      },
      {
        type = "metric", x = 8, y = 1, width = 8, height = 6
        properties = {
          title = "Records generated / time per 1k records (ms)", region = local.region, view = "timeSeries", period = 300
          metrics = [
            [var.metrics_namespace, "RecordsGenerated", "service", var.metrics_service_name, { stat = "Sum" }],
            [var.metrics_namespace, "GenerationTimePer1kRecordsMs", "service", var.metrics_service_name, { stat = "Average", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 16, y = 1, width = 8, height = 6
        properties = {
          title = "Quality scores", region = local.region, view = "timeSeries", stat = "Average", period = 300
          yAxis = { left = { min = 0, max = 1 } }
          metrics = [
            [var.metrics_namespace, "UniquenessScore", "service", var.metrics_service_name],
            [var.metrics_namespace, "ValidityScore", "service", var.metrics_service_name],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 7, width = 8, height = 6
        properties = {
          title = "Schema validation failures / compliance violations", region = local.region, view = "timeSeries", stat = "Sum", period = 300
          metrics = [
            [var.metrics_namespace, "SchemaValidationFailure", "service", var.metrics_service_name],
            [var.metrics_namespace, "ComplianceViolations", "service", var.metrics_service_name],
          ]
        }
      },
      {
        type = "metric", x = 8, y = 7, width = 8, height = 6
        properties = {
          title = "Lambda errors and throttles", region = local.region, view = "timeSeries", stat = "Sum", period = 300
          metrics = concat(
            [for name in local.function_names : ["AWS/Lambda", "Errors", "FunctionName", name]],
            [for name in local.function_names : ["AWS/Lambda", "Throttles", "FunctionName", name]],
          )
        }
      },
      {
        type = "metric", x = 16, y = 7, width = 8, height = 6
        properties = {
          title   = "Lambda duration p95 (ms)", region = local.region, view = "timeSeries", stat = "p95", period = 300
          metrics = [for name in local.function_names : ["AWS/Lambda", "Duration", "FunctionName", name]]
        }
      },
      {
        type = "metric", x = 0, y = 13, width = 12, height = 6
        properties = {
          title = "DynamoDB history table", region = local.region, view = "timeSeries", stat = "Sum", period = 300
          metrics = [
            ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", var.history_table_name],
            ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", var.history_table_name],
            ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", var.history_table_name],
            ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", var.history_table_name],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 13, width = 12, height = 6
        properties = {
          title   = "Generated-data bucket size (bytes)", region = local.region, view = "timeSeries", stat = "Average", period = 86400
          metrics = [["AWS/S3", "BucketSizeBytes", "BucketName", var.data_bucket_name, "StorageType", "StandardStorage"]]
        }
      },
      {
        type = "alarm", x = 0, y = 19, width = 24, height = 4
        properties = {
          title = "Alarms"
          alarms = concat(
            [for a in aws_cloudwatch_metric_alarm.lambda_errors : a.arn],
            [aws_cloudwatch_metric_alarm.generation_success_rate.arn, aws_cloudwatch_metric_alarm.dynamodb_throttles.arn, aws_cloudwatch_metric_alarm.data_bucket_size.arn],
          )
        }
      },
    ],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}-synthetic-data-agent"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
