provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

# Talks to the collection endpoint with SigV4 (the caller must be in the collection's data-access policy, which the
# opensearch module arranges). Without a knowledge base no resource uses it; the placeholder URL is never dialled.
provider "opensearch" {
  url         = coalesce(one(module.opensearch[*].collection_endpoint), "https://localhost:9200")
  aws_region  = var.aws_region
  healthcheck = false
}
