# Staging: production topology at lower scale, so releases are rehearsed against the real vector store and VPC.
environment = "staging"
aws_region  = "us-east-1"

# AgentCore for new accounts; "bedrock-agent" / "both" only where Bedrock Agents (classic) is still available.
agent_mode               = "agentcore"
foundation_model         = "anthropic.claude-sonnet-4-5-20250929-v1:0"
inference_profile_prefix = "us"
enable_guardrail         = true

enable_knowledge_base       = true
opensearch_standby_replicas = "DISABLED"

generated_data_expiration_days = 14
s3_force_destroy               = false
history_ttl_days               = 30
dynamodb_billing_mode          = "PAY_PER_REQUEST"
dynamodb_deletion_protection   = true

lambda_log_level = "INFO"
lambda_reserved_concurrency = {
  generate = 5
  validate = 5
  metrics  = 5
  agent    = 5
}

log_retention_days    = 30
alarm_email_addresses = []

enable_vpc             = true
vpc_cidr               = "10.41.0.0/16"
vpc_az_count           = 2
vpc_single_nat_gateway = true

api_authorization_type     = "AWS_IAM"
api_throttling_rate_limit  = 10
api_throttling_burst_limit = 20
