variable "name_prefix" {
  description = "Prefix for bucket names, e.g. sdga-dev. The account ID and region are appended for global uniqueness."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the CMK used for SSE-KMS on the data and knowledge-base buckets."
  type        = string
}

variable "generated_data_prefix" {
  description = "Key prefix under which generated data sets are written (SDGA_S3_PREFIX)."
  type        = string
  default     = "generated/"

  validation {
    condition     = can(regex("^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*/$", var.generated_data_prefix))
    error_message = "generated_data_prefix must be a relative S3 key prefix ending in '/'."
  }
}

variable "knowledge_base_prefix" {
  description = "Key prefix of the knowledge-base documents that the data source ingests."
  type        = string
  default     = "documents/"
}

variable "generated_data_expiration_days" {
  description = "Days after which generated data sets are deleted (test data is reproducible from its seed)."
  type        = number
  default     = 30

  validation {
    condition     = var.generated_data_expiration_days >= 1
    error_message = "generated_data_expiration_days must be at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which non-current object versions are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "access_log_expiration_days" {
  description = "Days the S3 server access logs are kept."
  type        = number
  default     = 90

  validation {
    condition     = var.access_log_expiration_days >= 1
    error_message = "access_log_expiration_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Allow Terraform to delete non-empty buckets (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every bucket."
  type        = map(string)
  default     = {}
}
