# Plan-level checks of single modules with a mocked AWS provider: the settings that a first real apply (or the
# second plan after it) would get wrong.

# The vector index and the waits around it (offline, terraform_offline.py replaces them with stand-ins).
mock_provider "opensearch" {}
mock_provider "time" {}

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:role/ci"
    }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = {
      name   = "us-east-1"
      region = "us-east-1"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

run "buckets_are_encrypted_private_and_clean_up_versions" {
  command = plan

  module {
    source = "./modules/s3"
  }

  variables {
    name_prefix = "sdga-test"
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = alltrue([
      for b in aws_s3_bucket_public_access_block.this : b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets
    ]) && aws_s3_bucket_public_access_block.access_logs.block_public_policy
    error_message = "no bucket may be public"
  }
  assert {
    condition = alltrue([
      for c in aws_s3_bucket_server_side_encryption_configuration.this : one(one(c.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    ])
    error_message = "the data buckets use SSE-KMS"
  }
  assert {
    condition = alltrue([
      for c in concat(values(aws_s3_bucket_lifecycle_configuration.this), [aws_s3_bucket_lifecycle_configuration.access_logs]) :
      anytrue([for r in c.rule : length(r.noncurrent_version_expiration) > 0]) &&
      anytrue([for r in c.rule : anytrue([for e in r.expiration : e.expired_object_delete_marker == true])])
    ])
    error_message = "every versioned bucket expires noncurrent versions and expired delete markers"
  }
}

run "opensearch_principals_are_explicit_and_sorted" {
  command = plan

  module {
    source = "./modules/opensearch"
  }

  variables {
    collection_name          = "sdga-test-kb"
    kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    knowledge_base_role_arn  = "arn:aws:iam::123456789012:role/kb"
    terraform_principal_arns = ["arn:aws:iam::123456789012:role/plan", "arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/kb"]
  }

  assert {
    condition = jsondecode(aws_opensearchserverless_access_policy.data.policy)[0].Principal == [
      "arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/kb", "arn:aws:iam::123456789012:role/plan",
    ]
    error_message = "the data-access principals are exactly the given roles, deduplicated and sorted (the same for every caller)"
  }
}

run "opensearch_needs_the_terraform_principals" {
  command = plan

  module {
    source = "./modules/opensearch"
  }

  variables {
    collection_name         = "sdga-test-kb"
    kms_key_arn             = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    knowledge_base_role_arn = "arn:aws:iam::123456789012:role/kb"
  }

  expect_failures = [aws_opensearchserverless_access_policy.data]
}

run "embedding_dimension_must_match_the_model" {
  command = plan

  module {
    source = "./modules/bedrock-knowledge-base"
  }

  variables {
    name                 = "sdga-test-kb"
    role_arn             = "arn:aws:iam::123456789012:role/kb"
    embedding_model_arn  = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v1"
    embedding_dimension  = 1024
    collection_arn       = "arn:aws:aoss:us-east-1:123456789012:collection/abc"
    index_name           = "i"
    vector_field         = "v"
    text_field           = "t"
    metadata_field       = "m"
    documents_bucket_arn = "arn:aws:s3:::docs"
    documents_prefix     = "documents/"
    kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [aws_bedrockagent_knowledge_base.this]
}

run "titan_v2_gets_its_dimension" {
  command = plan

  module {
    source = "./modules/bedrock-knowledge-base"
  }

  variables {
    name                 = "sdga-test-kb"
    role_arn             = "arn:aws:iam::123456789012:role/kb"
    embedding_model_arn  = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
    embedding_dimension  = 512
    collection_arn       = "arn:aws:aoss:us-east-1:123456789012:collection/abc"
    index_name           = "i"
    vector_field         = "v"
    text_field           = "t"
    metadata_field       = "m"
    documents_bucket_arn = "arn:aws:s3:::docs"
    documents_prefix     = "documents/"
    kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = one(one(one(aws_bedrockagent_knowledge_base.this.knowledge_base_configuration).vector_knowledge_base_configuration).embedding_model_configuration).bedrock_embedding_model_configuration[0].dimensions == 512
    error_message = "a model with a configurable size is told the index's dimension"
  }
}

run "open_api_needs_an_api_key" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    name_prefix        = "sdga-test"
    authorization_type = "NONE"
    routes             = { "POST /api/v1/synthetic-data/validate-schema" = "validate" }
    integrations       = { validate = { function_name = "f", invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/f" } }
    logs_kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [aws_apigatewayv2_route.this]
}

run "provisioned_table_scales_table_and_index_without_drift" {
  command = plan

  module {
    source = "./modules/dynamodb"
  }

  variables {
    table_name   = "synthetic-data-generations-test"
    kms_key_arn  = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    billing_mode = "PROVISIONED"
  }

  assert {
    condition     = toset(keys(aws_appautoscaling_target.this)) == toset(["table_read", "table_write", "index_read", "index_write"])
    error_message = "table and index are both autoscaled for reads and writes"
  }
  assert {
    condition     = aws_dynamodb_table.generations.server_side_encryption[0].enabled && aws_dynamodb_table.generations.point_in_time_recovery[0].enabled
    error_message = "the table is encrypted with the CMK and has PITR"
  }
}
