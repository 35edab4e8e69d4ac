output "lambda_role_arns" {
  description = "Execution role ARN per function key."
  value       = { for k, r in aws_iam_role.lambda : k => r.arn }
}

output "lambda_role_names" {
  description = "Execution role name per function key."
  value       = { for k, r in aws_iam_role.lambda : k => r.name }
}

output "agent_role_arn" {
  description = "ARN of the Bedrock agent service role (null when not created)."
  value       = one(aws_iam_role.agent[*].arn)
}

output "agent_role_name" {
  description = "Name of the Bedrock agent service role (null when not created)."
  value       = one(aws_iam_role.agent[*].name)
}

output "knowledge_base_role_arn" {
  description = "ARN of the knowledge-base service role (null when not created)."
  value       = one(aws_iam_role.knowledge_base[*].arn)
}

output "knowledge_base_role_name" {
  description = "Name of the knowledge-base service role (null when not created)."
  value       = one(aws_iam_role.knowledge_base[*].name)
}
