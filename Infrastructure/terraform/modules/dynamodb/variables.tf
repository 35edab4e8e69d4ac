variable "table_name" {
  description = "Name of the generation-history table (SDGA_HISTORY_TABLE)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 characters of letters, digits, '_', '-' and '.'."
  }
}

variable "kms_key_arn" {
  description = "ARN of the DynamoDB CMK used for server-side encryption."
  type        = string
}

variable "status_index_name" {
  description = "Name of the GSI that queries generations by status and time."
  type        = string
  default     = "status-timestamp-index"
}

variable "ttl_attribute" {
  description = "Attribute holding the epoch-seconds expiry of a history item (written from SDGA_HISTORY_TTL_DAYS)."
  type        = string
  default     = "expires_at"
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand) or PROVISIONED (with target-tracking autoscaling)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "provisioned_capacity" {
  description = "Minimum/maximum read and write capacity units when billing_mode is PROVISIONED (table and GSI)."
  type = object({
    read_min  = number
    read_max  = number
    write_min = number
    write_max = number
  })
  default = {
    read_min  = 5
    read_max  = 100
    write_min = 5
    write_max = 100
  }

  validation {
    condition = (
      var.provisioned_capacity.read_min >= 1 && var.provisioned_capacity.read_max >= var.provisioned_capacity.read_min &&
      var.provisioned_capacity.write_min >= 1 && var.provisioned_capacity.write_max >= var.provisioned_capacity.write_min
    )
    error_message = "Capacities must be >= 1 and each max must be >= its min."
  }
}

variable "autoscaling_target_utilization" {
  description = "Target consumed/provisioned capacity percentage for autoscaling."
  type        = number
  default     = 70

  validation {
    condition     = var.autoscaling_target_utilization >= 20 && var.autoscaling_target_utilization <= 90
    error_message = "autoscaling_target_utilization must be between 20 and 90."
  }
}

variable "deletion_protection" {
  description = "Protect the table against deletion (on in staging and prod)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to the table."
  type        = map(string)
  default     = {}
}
