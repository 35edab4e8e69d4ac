# OpenSearch Serverless vector store for the knowledge base: encryption, network and data-access policies, the
# VECTORSEARCH collection, and the vector index (Bedrock refuses to create a knowledge base whose index does not exist
# yet: "no such index"). The time_sleep resources cover the documented eventual consistency of access policies.

locals {
  collection_resource = "collection/${var.collection_name}"
  network_rules = [
    {
      ResourceType = "collection"
      Resource     = [local.collection_resource]
    }
  ]
  network_public = jsonencode([
    {
      Description     = "Collection endpoint reachable over the internet (IAM and the data-access policy still apply)"
      Rules           = local.network_rules
      AllowFromPublic = true
    }
  ])
  network_private = jsonencode([
    {
      Description     = "Collection endpoint reachable only by Bedrock and from the given VPC endpoints"
      Rules           = local.network_rules
      AllowFromPublic = false
      SourceServices  = ["bedrock.amazonaws.com"]
      SourceVPCEs     = var.vpc_endpoint_ids
    }
  ])

  # Terraform itself creates (and on every plan reads) the vector index, so every identity that plans or applies
  # needs data access too. They are named explicitly and sorted: deriving them from the caller made a plan by any
  # other role (a read-only CI role) rewrite the policy, and fail with 403 on the index meanwhile.
  data_principals = sort(distinct(concat(
    [var.knowledge_base_role_arn],
    var.terraform_principal_arns,
    var.additional_principal_arns,
  )))
}

resource "aws_opensearchserverless_security_policy" "encryption" {
  name        = "${var.collection_name}-enc"
  type        = "encryption"
  description = "Encrypt ${var.collection_name} with the customer-managed key."
  policy = jsonencode({
    Rules = [
      {
        ResourceType = "collection"
        Resource     = [local.collection_resource]
      }
    ]
    AWSOwnedKey = false
    KmsARN      = var.kms_key_arn
  })
}

resource "aws_opensearchserverless_security_policy" "network" {
  name        = "${var.collection_name}-net"
  type        = "network"
  description = "Network access to ${var.collection_name}."
  policy      = var.allow_public_network_access ? local.network_public : local.network_private

  lifecycle {
    # Private with no VPC endpoint admits only Bedrock: the apply would create the collection and then fail (403)
    # creating the vector index, because Terraform itself connects to the collection.
    precondition {
      condition     = var.allow_public_network_access || length(var.vpc_endpoint_ids) > 0
      error_message = "opensearch_public_network_access = false needs opensearch_vpc_endpoint_ids (the OpenSearch Serverless VPC endpoint Terraform runs behind): otherwise nothing but Bedrock reaches the collection and Terraform cannot create the vector index. See Infrastructure/docs/DEPLOYMENT.md."
    }
  }
}

resource "aws_opensearchserverless_access_policy" "data" {
  name        = "${var.collection_name}-data"
  type        = "data"
  description = "Knowledge-base role and the deployer may manage and use the vector index."
  policy = jsonencode([
    {
      Rules = [
        {
          ResourceType = "collection"
          Resource     = [local.collection_resource]
          Permission = [
            "aoss:CreateCollectionItems",
            "aoss:DescribeCollectionItems",
            "aoss:UpdateCollectionItems",
            "aoss:DeleteCollectionItems",
          ]
        },
        {
          ResourceType = "index"
          Resource     = ["index/${var.collection_name}/*"]
          Permission = [
            "aoss:CreateIndex",
            "aoss:DescribeIndex",
            "aoss:UpdateIndex",
            "aoss:DeleteIndex",
            "aoss:ReadDocument",
            "aoss:WriteDocument",
          ]
        }
      ]
      Principal = local.data_principals
    }
  ])

  lifecycle {
    precondition {
      condition     = length(var.terraform_principal_arns) > 0
      error_message = "opensearch_terraform_principal_arns must name the IAM roles that plan and apply this stack (deploy and CI plan roles): Terraform creates and reads the vector index with their identity."
    }
  }
}

resource "aws_opensearchserverless_collection" "this" {
  name             = var.collection_name
  type             = "VECTORSEARCH"
  description      = "Vector store of the synthetic data agent's knowledge base."
  standby_replicas = var.standby_replicas
  tags             = var.tags

  depends_on = [
    aws_opensearchserverless_security_policy.encryption,
    aws_opensearchserverless_security_policy.network,
  ]
}

resource "time_sleep" "after_access_policy" {
  create_duration = "60s"

  triggers = {
    collection_arn = aws_opensearchserverless_collection.this.arn
    policy_version = aws_opensearchserverless_access_policy.data.policy_version
  }
}

resource "opensearch_index" "vector" {
  name                           = var.index_name
  number_of_shards               = "2"
  number_of_replicas             = "0"
  index_knn                      = true
  index_knn_algo_param_ef_search = "512"
  force_destroy                  = true
  mappings = jsonencode({
    properties = {
      (var.vector_field) = {
        type      = "knn_vector"
        dimension = var.vector_dimension
        method = {
          name       = "hnsw"
          engine     = "faiss"
          space_type = "l2"
          parameters = {
            m               = 16
            ef_construction = 512
          }
        }
      }
      (var.text_field) = {
        type  = "text"
        index = true
      }
      (var.metadata_field) = {
        type  = "text"
        index = false
      }
    }
  })

  # Serverless manages shards and replicas itself and reports different values back; do not fight it.
  lifecycle {
    ignore_changes = [number_of_shards, number_of_replicas]
  }

  depends_on = [time_sleep.after_access_policy]
}

resource "time_sleep" "after_index" {
  create_duration = "60s"

  triggers = {
    index = opensearch_index.vector.id
  }
}
