# EMR Serverless Spark application behind the generate action: above a row threshold the generate Lambda submits a
# job run (StartJobRun) that runs sdga's Spark entry point over the engine's blocks, instead of generating in the
# Lambda. The job's role may read the code under artifacts_prefix and write under output_prefix of the data bucket
# with its key - nothing else.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  region         = data.aws_region.current.region
  partition      = data.aws_partition.current.partition
  output_objects = "${var.output_bucket_arn}/${trimsuffix(var.output_prefix, "/")}/*"
  code_objects   = "${var.output_bucket_arn}/${trimsuffix(var.artifacts_prefix, "/")}/*"
}

resource "aws_cloudwatch_log_group" "jobs" {
  name              = "/aws/emr-serverless/${var.name_prefix}-generate"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_emrserverless_application" "this" {
  name          = "${var.name_prefix}-generate"
  release_label = var.release_label
  type          = "spark"
  architecture  = var.architecture
  tags          = var.tags

  maximum_capacity {
    cpu    = var.maximum_capacity.cpu
    memory = var.maximum_capacity.memory
    disk   = var.maximum_capacity.disk
  }

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.idle_timeout_minutes
  }

  dynamic "image_configuration" {
    for_each = var.image_uri == null ? [] : [var.image_uri]

    content {
      image_uri = image_configuration.value
    }
  }

  dynamic "network_configuration" {
    for_each = length(var.subnet_ids) > 0 ? [1] : []

    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  monitoring_configuration {
    cloudwatch_logging_configuration {
      enabled                = true
      log_group_name         = aws_cloudwatch_log_group.jobs.name
      log_stream_name_prefix = "jobs"
      encryption_key_arn     = var.logs_kms_key_arn
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Job execution role
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "job_trust" {
  statement {
    sid     = "EmrServerlessAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:emr-serverless:${local.region}:${local.account_id}:/applications/*"]
    }
  }
}

resource "aws_iam_role" "job" {
  name               = "${var.name_prefix}-emr-generate-job"
  description        = "Job runs of the ${var.name_prefix} EMR Serverless generate application: read the job code, write generated data."
  assume_role_policy = data.aws_iam_policy_document.job_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "job" {
  statement {
    sid       = "ReadJobCode"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.code_objects]
  }

  statement {
    sid       = "WriteGeneratedData"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.output_objects]
  }

  statement {
    sid       = "ListOwnPrefixes"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.output_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.output_prefix, "${trimsuffix(var.output_prefix, "/")}/*", var.artifacts_prefix, "${trimsuffix(var.artifacts_prefix, "/")}/*"]
    }
  }

  statement {
    sid       = "DataKeyThroughS3"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "${var.name_prefix}-emr-generate-job"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}
