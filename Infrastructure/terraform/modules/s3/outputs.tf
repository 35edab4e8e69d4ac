output "data_bucket_name" {
  description = "Name of the generated-data bucket (SDGA_S3_BUCKET)."
  value       = aws_s3_bucket.this["data"].id
}

output "data_bucket_arn" {
  description = "ARN of the generated-data bucket."
  value       = aws_s3_bucket.this["data"].arn
}

output "knowledge_base_bucket_name" {
  description = "Name of the knowledge-base documents bucket."
  value       = aws_s3_bucket.this["knowledge"].id
}

output "knowledge_base_bucket_arn" {
  description = "ARN of the knowledge-base documents bucket."
  value       = aws_s3_bucket.this["knowledge"].arn
}

output "access_log_bucket_name" {
  description = "Name of the S3 server access-log bucket."
  value       = aws_s3_bucket.access_logs.id
}

output "generated_data_prefix" {
  description = "Key prefix for generated data sets."
  value       = var.generated_data_prefix
}

output "knowledge_base_prefix" {
  description = "Key prefix of the knowledge-base documents."
  value       = var.knowledge_base_prefix
}
