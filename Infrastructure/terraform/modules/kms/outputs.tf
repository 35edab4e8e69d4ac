output "s3_key_arn" {
  description = "ARN of the CMK for S3 objects, the Bedrock agent, the knowledge base, the vector collection, ECR images and Lambda environment variables."
  value       = aws_kms_key.s3.arn
}

output "s3_key_id" {
  description = "Key ID of the S3/data CMK."
  value       = aws_kms_key.s3.key_id
}

output "dynamodb_key_arn" {
  description = "ARN of the CMK for the DynamoDB generation-history table."
  value       = aws_kms_key.dynamodb.arn
}

output "logs_key_arn" {
  description = "ARN of the CMK for CloudWatch Logs, the alarm SNS topic and the Lambda dead-letter queues."
  value       = aws_kms_key.logs.arn
}

output "key_arns" {
  description = "All three key ARNs by purpose."
  value = {
    s3       = aws_kms_key.s3.arn
    dynamodb = aws_kms_key.dynamodb.arn
    logs     = aws_kms_key.logs.arn
  }
}
