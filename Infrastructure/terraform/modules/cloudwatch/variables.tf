variable "name_prefix" {
  description = "Prefix of alarm, topic and dashboard names, e.g. sdga-dev."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "CMK for the SNS topic and the log groups this module creates."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the log groups this module creates."
  type        = number
  default     = 365
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_email_addresses must be e-mail addresses."
  }
}

variable "functions" {
  description = "Lambda functions to alarm on, by key: name, timeout (s) and DLQ name."
  type = map(object({
    function_name = string
    timeout       = number
    dlq_name      = string
  }))
}

variable "history_table_name" {
  description = "DynamoDB table to alarm on for throttling."
  type        = string
}

variable "data_bucket_name" {
  description = "Generated-data bucket to alarm on for size."
  type        = string
}

variable "data_bucket_size_threshold_bytes" {
  description = "Alarm when the generated-data bucket's standard storage exceeds this many bytes."
  type        = number
  default     = 107374182400

  validation {
    condition     = var.data_bucket_size_threshold_bytes > 0
    error_message = "data_bucket_size_threshold_bytes must be positive."
  }
}

variable "metrics_namespace" {
  description = "Namespace of the handlers' custom metrics."
  type        = string
  default     = "SyntheticDataAgent"
}

variable "metrics_service_name" {
  description = "Value of the `service` dimension the handlers publish with (POWERTOOLS_SERVICE_NAME)."
  type        = string
}

variable "lambda_error_threshold" {
  description = "Errors per 5 minutes above which a function's error alarm fires."
  type        = number
  default     = 1
}

variable "duration_alarm_fraction" {
  description = "Fraction of a function's timeout its p95 duration may reach before the duration alarm fires."
  type        = number
  default     = 0.8

  validation {
    condition     = var.duration_alarm_fraction > 0 && var.duration_alarm_fraction <= 1
    error_message = "duration_alarm_fraction must be in (0, 1]."
  }
}

variable "generation_success_rate_threshold" {
  description = "Alarm when the generation success rate (percent, 15 minutes) drops below this."
  type        = number
  default     = 95

  validation {
    condition     = var.generation_success_rate_threshold > 0 && var.generation_success_rate_threshold <= 100
    error_message = "generation_success_rate_threshold must be a percentage in (0, 100]."
  }
}

variable "schema_validation_failure_threshold" {
  description = "Schema validation failures per 15 minutes above which the alarm fires."
  type        = number
  default     = 20
}

variable "compliance_violation_threshold" {
  description = "Compliance violations detected per 15 minutes above which the alarm fires (a spike means a client keeps sending non-compliant schemas)."
  type        = number
  default     = 50
}

variable "validity_score_threshold" {
  description = "Alarm when the average ValidityScore of generated data over an hour drops below this (0-1)."
  type        = number
  default     = 0.99

  validation {
    condition     = var.validity_score_threshold >= 0 && var.validity_score_threshold <= 1
    error_message = "validity_score_threshold must be between 0 and 1."
  }
}

variable "api_id" {
  description = "ID of the HTTP API to alarm on (null when the HTTP API fallback is not deployed)."
  type        = string
  default     = null
}

variable "enable_api_alarms" {
  description = "Create the HTTP API 5xx alarm (set when api_id is given; a plain bool keeps count known at plan time)."
  type        = bool
  default     = false
}

variable "enable_model_invocation_logging" {
  description = "Turn on Bedrock model-invocation logging to a KMS-encrypted log group. This is an account-and-region-wide setting: enable it in one stack per account only."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
