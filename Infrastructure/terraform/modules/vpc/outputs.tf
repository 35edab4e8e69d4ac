output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "Private subnet IDs (one per AZ) for the Lambdas."
  value       = aws_subnet.private[*].id
}

output "private_subnet_arns" {
  description = "Private subnet ARNs (for the Lambda roles' ENI permissions)."
  value       = aws_subnet.private[*].arn
}

output "lambda_security_group_id" {
  description = "Security group of the Lambda ENIs."
  value       = aws_security_group.lambda.id
}

output "lambda_security_group_arn" {
  description = "ARN of the Lambda security group."
  value       = aws_security_group.lambda.arn
}

output "interface_endpoint_ids" {
  description = "Interface endpoint IDs by service."
  value       = { for k, e in aws_vpc_endpoint.interface : k => e.id }
}
