variable "name" {
  description = "Name of the knowledge base (data-generation-patterns-kb with an environment prefix)."
  type        = string

  validation {
    condition     = can(regex("^([0-9a-zA-Z][_-]?){1,100}$", var.name))
    error_message = "name must match ([0-9a-zA-Z][_-]?){1,100}."
  }
}

variable "role_arn" {
  description = "ARN of the knowledge-base service role."
  type        = string
}

variable "embedding_model_arn" {
  description = "Foundation-model ARN of the embedding model (Titan Embed Text v1)."
  type        = string
}

variable "embedding_dimension" {
  description = "Vector dimension of the index (must be one the embedding model produces; checked at plan time)."
  type        = number
}

variable "collection_arn" {
  description = "ARN of the OpenSearch Serverless collection."
  type        = string
}

variable "index_name" {
  description = "Name of the vector index in the collection."
  type        = string
}

variable "vector_field" {
  description = "knn_vector field name."
  type        = string
}

variable "text_field" {
  description = "Text-chunk field name."
  type        = string
}

variable "metadata_field" {
  description = "Metadata field name."
  type        = string
}

variable "documents_bucket_arn" {
  description = "ARN of the bucket holding the knowledge-base documents."
  type        = string
}

variable "documents_prefix" {
  description = "Key prefix of the documents to ingest."
  type        = string
}

variable "kms_key_arn" {
  description = "CMK for the transient data Bedrock keeps while ingesting."
  type        = string
}

variable "chunk_max_tokens" {
  description = "Maximum tokens per chunk (fixed-size chunking)."
  type        = number
  default     = 512

  validation {
    condition     = var.chunk_max_tokens >= 20 && var.chunk_max_tokens <= 8192
    error_message = "chunk_max_tokens must be between 20 and 8192."
  }
}

variable "chunk_overlap_percentage" {
  description = "Overlap between consecutive chunks, in percent."
  type        = number
  default     = 20

  validation {
    condition     = var.chunk_overlap_percentage >= 1 && var.chunk_overlap_percentage <= 99
    error_message = "chunk_overlap_percentage must be between 1 and 99."
  }
}

variable "tags" {
  description = "Tags applied to the knowledge base."
  type        = map(string)
  default     = {}
}
