# Bedrock knowledge base over the S3 documents (schema templates, domain patterns, compliance rules), embedded with
# Titan Embed Text v1 into the OpenSearch Serverless index. Ingestion (StartIngestionJob) is not a Terraform
# operation: Infrastructure/scripts/upload-knowledge-base.sh uploads the documents and starts it.

data "aws_caller_identity" "current" {}

locals {
  # Output dimensions each supported embedding model can produce (Bedrock model cards). The vector index is created
  # with var.embedding_dimension; a model that writes vectors of another size makes every ingestion fail, so the
  # pair is checked before anything is created. Models whose size is configurable get it passed explicitly.
  embedding_dimensions = {
    "amazon.titan-embed-text-v1"   = [1536]
    "amazon.titan-embed-text-v2:0" = [256, 512, 1024]
    "cohere.embed-english-v3"      = [1024]
    "cohere.embed-multilingual-v3" = [1024]
  }
  configurable_dimension = ["amazon.titan-embed-text-v2:0"]
  embedding_model_id     = element(split("foundation-model/", var.embedding_model_arn), 1)
}

resource "aws_bedrockagent_knowledge_base" "this" {
  name        = var.name
  description = "Schema templates, domain patterns, compliance rules and generation patterns for synthetic test data."
  role_arn    = var.role_arn

  knowledge_base_configuration {
    type = "VECTOR"

    vector_knowledge_base_configuration {
      embedding_model_arn = var.embedding_model_arn

      dynamic "embedding_model_configuration" {
        for_each = contains(local.configurable_dimension, local.embedding_model_id) ? [var.embedding_dimension] : []

        content {
          bedrock_embedding_model_configuration {
            dimensions = embedding_model_configuration.value
          }
        }
      }
    }
  }

  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"

    opensearch_serverless_configuration {
      collection_arn    = var.collection_arn
      vector_index_name = var.index_name

      field_mapping {
        vector_field   = var.vector_field
        text_field     = var.text_field
        metadata_field = var.metadata_field
      }
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = contains(lookup(local.embedding_dimensions, local.embedding_model_id, []), var.embedding_dimension)
      error_message = "embedding_dimension ${var.embedding_dimension} does not match ${local.embedding_model_id}: it produces ${jsonencode(lookup(local.embedding_dimensions, local.embedding_model_id, []))} dimensions (an empty list means the model is not one this module knows; add it to local.embedding_dimensions)."
    }
  }
}

resource "aws_bedrockagent_data_source" "documents" {
  name                 = "${var.name}-documents"
  description          = "Knowledge-base documents from S3."
  knowledge_base_id    = aws_bedrockagent_knowledge_base.this.id
  data_deletion_policy = "DELETE"

  data_source_configuration {
    type = "S3"

    s3_configuration {
      bucket_arn              = var.documents_bucket_arn
      inclusion_prefixes      = [var.documents_prefix]
      bucket_owner_account_id = data.aws_caller_identity.current.account_id
    }
  }

  server_side_encryption_configuration {
    kms_key_arn = var.kms_key_arn
  }

  vector_ingestion_configuration {
    chunking_configuration {
      chunking_strategy = "FIXED_SIZE"

      fixed_size_chunking_configuration {
        max_tokens         = var.chunk_max_tokens
        overlap_percentage = var.chunk_overlap_percentage
      }
    }
  }
}
