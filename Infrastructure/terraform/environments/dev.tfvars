# Development: cheapest configuration that still exercises every code path.
environment = "dev"
aws_region  = "us-east-1"

# AgentCore for new accounts; "bedrock-agent" / "both" only where Bedrock Agents (classic) is still available.
agent_mode               = "agentcore"
foundation_model         = "anthropic.claude-sonnet-4-5-20250929-v1:0"
inference_profile_prefix = "us"
enable_guardrail         = true

# Cost optimisation: OpenSearch Serverless is ~$350-700/month even idle. Dev uses the knowledge base bundled in the
# package (SDGA_KB_BACKEND=local); staging and prod run the real vector store.
enable_knowledge_base       = false
opensearch_standby_replicas = "DISABLED"

generated_data_expiration_days = 7
s3_force_destroy               = true
history_ttl_days               = 14
dynamodb_billing_mode          = "PAY_PER_REQUEST"
dynamodb_deletion_protection   = false

lambda_log_level = "DEBUG"
lambda_reserved_concurrency = {
  generate = 2
  validate = 2
  metrics  = 2
  agent    = 2
}

log_retention_days    = 14
alarm_email_addresses = []

enable_vpc = false

api_authorization_type     = "AWS_IAM"
api_throttling_rate_limit  = 5
api_throttling_burst_limit = 10
