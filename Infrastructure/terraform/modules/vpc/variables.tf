variable "name_prefix" {
  description = "Prefix of the network resource names, e.g. sdga-prod."
  type        = string
}

variable "cidr_block" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr_block))
    error_message = "cidr_block must be a valid IPv4 CIDR."
  }
}

variable "az_count" {
  description = "Number of availability zones (2-3) to spread the private subnets over."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "availability_zones" {
  description = "Zone names to use (first az_count of them). Empty: the region's a-d zones that are available."
  type        = list(string)
  default     = []
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ (highly available)."
  type        = bool
  default     = false
}

variable "interface_endpoint_services" {
  description = "AWS services reached through interface endpoints so Bedrock, Lambda (the asynchronous self-invocation of large generations), logs, metrics, tracing and the API-key parameter (SSM) traffic stays private."
  type        = list(string)
  default     = ["bedrock-runtime", "bedrock-agent-runtime", "lambda", "logs", "monitoring", "sqs", "xray", "kms", "ssm"]
}

variable "additional_interface_endpoint_services" {
  description = "Interface endpoints some environments need on top of interface_endpoint_services (emr-serverless with the EMR application)."
  type        = list(string)
  default     = []
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow-log group."
  type        = number
  default     = 365
}

variable "logs_kms_key_arn" {
  description = "CMK for the flow-log group."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
