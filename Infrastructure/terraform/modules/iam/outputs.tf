# The ARNs wait for the inline policies: CreateFunction refuses a role that cannot yet send to the function's
# dead-letter queue (or, in a VPC, manage ENIs), and on destroy the policies then outlive the functions.
output "lambda_role_arns" {
  description = "Execution role ARN per function key (available once the role's policy is attached)."
  value       = { for k, r in aws_iam_role.lambda : k => r.arn }
  depends_on  = [aws_iam_role_policy.lambda]
}

output "lambda_role_names" {
  description = "Execution role name per function key."
  value       = { for k, r in aws_iam_role.lambda : k => r.name }
}

output "agent_role_arn" {
  description = "ARN of the Bedrock agent service role (null when not created; available once its policy is attached)."
  value       = one(aws_iam_role.agent[*].arn)
  depends_on  = [aws_iam_role_policy.agent]
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
