output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function (what Bedrock and API Gateway invoke)."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "Invoke ARN for API Gateway integrations."
  value       = aws_lambda_function.this.invoke_arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "timeout" {
  description = "Configured timeout in seconds (the duration alarm is derived from it)."
  value       = var.timeout
}

output "memory_size" {
  description = "Configured memory in MB."
  value       = aws_lambda_function.this.memory_size
}

output "handler" {
  description = "Handler the function runs (image_config.command for the container image)."
  value       = var.handler
}

output "environment_variable_names" {
  description = "Names of the function's environment variables (their values may be sensitive)."
  value       = sort(keys(var.environment))
}
