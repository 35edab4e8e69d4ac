terraform {
  # 1.5: the oldest release the seed allows; everything here (optional object attributes, lifecycle preconditions,
  # `one()`, `startswith()`) works on it.
  required_version = ">= 1.5.0"

  required_providers {
    # 6.3 at least: `data.aws_region.current.region` (6.0), the Bedrock fixes of 2024-2025 (action-group
    # prepare_agent, agent guardrail_configuration) and 6.3's fix of concurrent PrepareAgent calls (three action
    # groups prepare the same agent). The upper bound keeps a 7.0 major upgrade a deliberate change.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.3, < 7.0"
    }
    # Creates the vector index inside the OpenSearch Serverless collection. Pinned exactly: 2.2.1 broke index
    # creation against Serverless (opensearch-project/terraform-provider-opensearch#179).
    opensearch = {
      source  = "opensearch-project/opensearch"
      version = "= 2.2.0"
    }
    # time_sleep for the eventually consistent AOSS access policy and index.
    time = {
      source  = "hashicorp/time"
      version = ">= 0.11, < 1.0"
    }
  }
}
