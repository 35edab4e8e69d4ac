output "table_name" {
  description = "Name of the generation-history table."
  value       = aws_dynamodb_table.generations.name
}

output "table_arn" {
  description = "ARN of the generation-history table."
  value       = aws_dynamodb_table.generations.arn
}

output "status_index_name" {
  description = "Name of the status/time GSI."
  value       = var.status_index_name
}

output "ttl_attribute" {
  description = "TTL attribute name."
  value       = var.ttl_attribute
}
