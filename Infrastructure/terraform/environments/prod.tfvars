# Production: highly available, provisioned history table with autoscaling, long retention.
environment = "prod"
aws_region  = "us-east-1"

# AgentCore for new accounts; "bedrock-agent" / "both" only where Bedrock Agents (classic) is still available.
agent_mode               = "agentcore"
foundation_model         = "anthropic.claude-sonnet-4-5-20250929-v1:0"
inference_profile_prefix = "us"
enable_guardrail         = true

enable_knowledge_base       = true
opensearch_standby_replicas = "ENABLED"

generated_data_expiration_days = 30
s3_force_destroy               = false
history_ttl_days               = 365
dynamodb_billing_mode          = "PROVISIONED"
dynamodb_provisioned_capacity = {
  read_min  = 5
  read_max  = 200
  write_min = 5
  write_max = 200
}
dynamodb_deletion_protection = true

lambda_log_level = "INFO"
lambda_reserved_concurrency = {
  generate = 20
  validate = 20
  metrics  = 10
  agent    = 10
}

log_retention_days                = 365
alarm_email_addresses             = []
generation_success_rate_threshold = 98

enable_vpc             = true
vpc_cidr               = "10.42.0.0/16"
vpc_az_count           = 3
vpc_single_nat_gateway = false

api_authorization_type     = "AWS_IAM"
api_throttling_rate_limit  = 50
api_throttling_burst_limit = 100

# Requests above emr_row_threshold rows run as EMR Serverless Spark jobs (build-emr-env.sh uploads the job's code).
enable_emr_serverless = true
emr_row_threshold     = 20000000
