variable "name_prefix" {
  description = "Prefix for role names, e.g. sdga-dev."
  type        = string
}

variable "function_names" {
  description = "Lambda function names by role key (generate, validate, metrics and, in converse-api/both mode, agent). Used to scope log-group and DLQ ARNs."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.function_names) : contains(["generate", "validate", "metrics", "agent"], k)])
    error_message = "function_names keys must be among generate, validate, metrics, agent."
  }
}

variable "data_bucket_arn" {
  description = "ARN of the generated-data bucket."
  type        = string
}

variable "generated_data_prefix" {
  description = "Key prefix of the generated data sets in the data bucket."
  type        = string
}

variable "knowledge_base_bucket_arn" {
  description = "ARN of the knowledge-base documents bucket."
  type        = string
}

variable "knowledge_base_prefix" {
  description = "Key prefix of the knowledge-base documents."
  type        = string
}

variable "history_table_arn" {
  description = "ARN of the generation-history DynamoDB table."
  type        = string
}

variable "s3_kms_key_arn" {
  description = "ARN of the S3/data CMK."
  type        = string
}

variable "dynamodb_kms_key_arn" {
  description = "ARN of the DynamoDB CMK."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "ARN of the logs CMK (also encrypts the dead-letter queues)."
  type        = string
}

variable "model_arns" {
  description = "ARNs the agent (and the Converse agent Lambda) may invoke: the inference profile and the foundation models it routes to."
  type        = list(string)
}

variable "api_key_parameter_name" {
  description = "Name (/...) of the SSM SecureString holding the HTTP API key; null when no key is configured."
  type        = string
  default     = null
}

variable "enable_emr" {
  description = "The generate function submits EMR Serverless job runs (a plain bool, so the statements are known at plan time)."
  type        = bool
  default     = false
}

variable "emr_application_arn" {
  description = "ARN of the EMR Serverless application (with enable_emr)."
  type        = string
  default     = null
}

variable "emr_job_role_arn" {
  description = "Execution role of the EMR job runs, which the generate function passes (with enable_emr)."
  type        = string
  default     = null
}

variable "embedding_model_arn" {
  description = "ARN of the embedding model the knowledge base uses (Titan Embed Text v1)."
  type        = string
}

variable "create_bedrock_agent_role" {
  description = "Create the Bedrock agent service role (agent_mode bedrock-agent or both)."
  type        = bool
  default     = true
}

variable "create_knowledge_base_role" {
  description = "Create the knowledge-base service role."
  type        = bool
  default     = true
}

variable "collection_arn" {
  description = "ARN of the OpenSearch Serverless collection the knowledge base writes to (null when there is no knowledge base)."
  type        = string
  default     = null
}

variable "vpc_subnet_arns" {
  description = "Subnet ARNs the Lambdas attach to; empty when the functions run outside a VPC."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_arns" {
  description = "Security-group ARNs of the Lambda ENIs; empty when the functions run outside a VPC."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary attached to every role (organisations often require one)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every role."
  type        = map(string)
  default     = {}
}
