variable "repository_name" {
  description = "Name of the ECR repository holding the Lambda container image."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+([._/-][a-z0-9]+)*$", var.repository_name))
    error_message = "repository_name must be lowercase letters, digits and . _ / - separators."
  }
}

variable "kms_key_arn" {
  description = "CMK that encrypts the images at rest."
  type        = string
}

variable "images_to_keep" {
  description = "Number of most recent images kept; older ones are expired (rollback window)."
  type        = number
  default     = 30

  validation {
    condition     = var.images_to_keep >= 1
    error_message = "images_to_keep must be at least 1."
  }
}

variable "force_delete" {
  description = "Let `terraform destroy` delete the repository with its images (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to the repository."
  type        = map(string)
  default     = {}
}
