variable "collection_name" {
  description = "Name of the VECTORSEARCH collection (3-28 lowercase letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,27}$", var.collection_name))
    error_message = "collection_name must start with a letter and be 3-28 lowercase letters, digits or hyphens."
  }
}

variable "kms_key_arn" {
  description = "CMK for the collection's encryption policy."
  type        = string
}

variable "knowledge_base_role_arn" {
  description = "ARN of the knowledge-base role that reads and writes the vector index."
  type        = string
}

variable "terraform_principal_arns" {
  description = "IAM role ARNs that run terraform plan/apply for this stack (deploy role, CI plan role): they create and read the vector index. Explicit, because deriving them from the caller makes every other caller's plan a diff."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.terraform_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "terraform_principal_arns must be IAM role or user ARNs (arn:aws:iam::<account>:role/<name>), not STS session ARNs."
  }
}

variable "additional_principal_arns" {
  description = "Other IAM principals (e.g. an operator role) granted data access to the collection."
  type        = list(string)
  default     = []
}

variable "standby_replicas" {
  description = "ENABLED for multi-AZ standby replicas (production), DISABLED to halve the minimum OCU cost (dev)."
  type        = string
  default     = "ENABLED"

  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.standby_replicas)
    error_message = "standby_replicas must be ENABLED or DISABLED."
  }
}

variable "allow_public_network_access" {
  description = "Reach the collection endpoint from the internet (IAM + data-access policy still apply). Needed when Terraform runs outside the VPC, because Terraform creates the vector index over HTTPS."
  type        = bool
  default     = true
}

variable "vpc_endpoint_ids" {
  description = "OpenSearch Serverless VPC endpoint IDs allowed when public access is off; needs at least the one Terraform reaches the collection through."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.vpc_endpoint_ids : can(regex("^vpce-[0-9a-f]+$", id))])
    error_message = "vpc_endpoint_ids must be OpenSearch Serverless VPC endpoint IDs such as vpce-050f79086ee71ac05."
  }
}

variable "index_name" {
  description = "Name of the vector index the knowledge base uses."
  type        = string
  default     = "bedrock-knowledge-base-default-index"
}

variable "vector_field" {
  description = "Name of the knn_vector field."
  type        = string
  default     = "bedrock-knowledge-base-default-vector"
}

variable "text_field" {
  description = "Name of the text-chunk field."
  type        = string
  default     = "AMAZON_BEDROCK_TEXT_CHUNK"
}

variable "metadata_field" {
  description = "Name of the metadata field."
  type        = string
  default     = "AMAZON_BEDROCK_METADATA"
}

variable "vector_dimension" {
  description = "Embedding dimension: 1536 for Titan Embed Text v1, 1024 (or 512/256) for v2."
  type        = number
  default     = 1536

  validation {
    condition     = contains([256, 512, 1024, 1536], var.vector_dimension)
    error_message = "vector_dimension must be 256, 512, 1024 or 1536."
  }
}

variable "tags" {
  description = "Tags applied to the collection."
  type        = map(string)
  default     = {}
}
