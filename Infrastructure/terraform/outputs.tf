output "environment" {
  description = "Deployed environment."
  value       = var.environment
}

output "agent_mode" {
  description = "Which agent path is deployed (agentcore, bedrock-agent, converse-api, both)."
  value       = var.agent_mode
}

output "agentcore_harness_arn" {
  description = "AgentCore harness ARN (SDGA_AGENTCORE_HARNESS_ARN for sdga ask --backend agentcore); null in other modes."
  value       = one(module.agentcore[*].harness_arn)
}

output "agentcore_gateway_url" {
  description = "MCP endpoint of the AgentCore gateway; null in other modes."
  value       = one(module.agentcore[*].gateway_url)
}

output "agentcore_tool_names" {
  description = "The gateway's tools (<target>___<tool>); null in other modes."
  value       = one(module.agentcore[*].tool_names)
}

output "agentcore_memory_id" {
  description = "AgentCore memory ID; null in other modes."
  value       = one(module.agentcore[*].memory_id)
}

output "agent_id" {
  description = "Bedrock agent ID (SDGA_AGENT_ID); null in converse-api mode."
  value       = one(module.bedrock_agent[*].agent_id)
}

output "agent_alias_id" {
  description = "Bedrock agent alias ID (SDGA_AGENT_ALIAS_ID); null in converse-api mode."
  value       = one(module.bedrock_agent[*].agent_alias_id)
}

output "agent_alias_arn" {
  description = "Bedrock agent alias ARN."
  value       = one(module.bedrock_agent[*].agent_alias_arn)
}

output "agent_model_id" {
  description = "Model / inference-profile ID the agents use (SDGA_MODEL_ID)."
  value       = local.agent_model_id
}

output "function_names" {
  description = "Lambda function names by key."
  value       = { for k, fn in module.lambda : k => fn.function_name }
}

output "function_arns" {
  description = "Lambda function ARNs by key."
  value       = { for k, fn in module.lambda : k => fn.function_arn }
}

output "log_group_names" {
  description = "Log groups: one per function, the Bedrock invocation log group and the API access log."
  value = merge(
    { for k, fn in module.lambda : k => fn.log_group_name },
    { bedrock_invocations = module.cloudwatch.bedrock_invocation_log_group_name },
    local.create_http_api ? { api_access = module.api[0].access_log_group_name } : {},
  )
}

output "ecr_repository_url" {
  description = "Repository the Lambda image is pushed to."
  value       = module.ecr.repository_url
}

output "data_bucket_name" {
  description = "Generated-data bucket (SDGA_S3_BUCKET)."
  value       = module.s3.data_bucket_name
}

output "knowledge_base_bucket_name" {
  description = "Knowledge-base documents bucket (upload-knowledge-base.sh)."
  value       = module.s3.knowledge_base_bucket_name
}

output "knowledge_base_prefix" {
  description = "Key prefix of the knowledge-base documents."
  value       = module.s3.knowledge_base_prefix
}

output "history_table_name" {
  description = "Generation-history table (SDGA_HISTORY_TABLE)."
  value       = module.dynamodb.table_name
}

output "kms_key_arns" {
  description = "The three customer-managed keys by purpose."
  value       = module.kms.key_arns
}

output "knowledge_base_id" {
  description = "Knowledge base ID (SDGA_KNOWLEDGE_BASE_ID); null when the knowledge base is disabled."
  value       = one(module.knowledge_base[*].knowledge_base_id)
}

output "knowledge_base_data_source_id" {
  description = "Data source ID for StartIngestionJob."
  value       = one(module.knowledge_base[*].data_source_id)
}

output "collection_endpoint" {
  description = "OpenSearch Serverless collection endpoint; null when the knowledge base is disabled."
  value       = one(module.opensearch[*].collection_endpoint)
}

output "api_url" {
  description = "Base URL of the HTTP API fallback; null in bedrock-agent mode."
  value       = one(module.api[*].api_endpoint)
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.cloudwatch.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = module.cloudwatch.dashboard_name
}

output "alarm_names" {
  description = "Every CloudWatch alarm."
  value       = module.cloudwatch.alarm_names
}

output "emr_application_id" {
  description = "EMR Serverless application of large generations; null when enable_emr_serverless is false."
  value       = one(module.emr_serverless[*].application_id)
}

output "emr_job_role_arn" {
  description = "Execution role of the EMR job runs; null when enable_emr_serverless is false."
  value       = one(module.emr_serverless[*].job_role_arn)
}
