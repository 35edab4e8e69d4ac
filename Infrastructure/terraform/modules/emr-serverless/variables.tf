variable "name_prefix" {
  description = "Prefix of the application, role and log group names, e.g. sdga-prod."
  type        = string
}

variable "release_label" {
  description = "EMR release of the Spark application (Spark 4 needs emr-8.x or later for the Python Data Source API)."
  type        = string

  validation {
    condition     = can(regex("^emr-[0-9]+\\.[0-9]+\\.[0-9]+$", var.release_label))
    error_message = "release_label must look like emr-7.10.0."
  }
}

variable "architecture" {
  description = "Worker architecture: ARM64 (Graviton, cheaper) or X86_64; the Python environment archive must be built for it."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.architecture)
    error_message = "architecture must be ARM64 or X86_64."
  }
}

variable "image_uri" {
  description = "Optional custom EMR Serverless image (ECR URI), e.g. one that adds the Python version the archive was built for."
  type        = string
  default     = null
}

variable "maximum_capacity" {
  description = "Upper bound of all workers of the application together (cost guard)."
  type = object({
    cpu    = string
    memory = string
    disk   = string
  })
  default = {
    cpu    = "64 vCPU"
    memory = "256 GB"
    disk   = "1000 GB"
  }
}

variable "idle_timeout_minutes" {
  description = "Minutes without jobs after which the application stops (and stops costing)."
  type        = number
  default     = 15

  validation {
    condition     = var.idle_timeout_minutes >= 1 && var.idle_timeout_minutes <= 10080
    error_message = "idle_timeout_minutes must be between 1 and 10080."
  }
}

variable "output_bucket_arn" {
  description = "The generated-data bucket the jobs write to (and read their code from, under artifacts_prefix)."
  type        = string
}

variable "output_prefix" {
  description = "Key prefix the jobs write the generated data sets and manifests under (SDGA_S3_PREFIX)."
  type        = string
}

variable "artifacts_prefix" {
  description = "Key prefix of the job's entry point and Python environment archive in the bucket."
  type        = string
  default     = "artifacts/emr/"
}

variable "kms_key_arn" {
  description = "The data CMK: the bucket's SSE-KMS key, and the key of the job logs."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "CMK of the application's CloudWatch log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the job log group."
  type        = number
  default     = 365
}

variable "subnet_ids" {
  description = "Private subnets for the workers (with security_group_ids); empty runs them without a VPC."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the workers' network interfaces."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
