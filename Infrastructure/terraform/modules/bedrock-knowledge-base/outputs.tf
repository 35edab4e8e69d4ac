output "knowledge_base_id" {
  description = "ID of the knowledge base (SDGA_KNOWLEDGE_BASE_ID)."
  value       = aws_bedrockagent_knowledge_base.this.id
}

output "knowledge_base_arn" {
  description = "ARN of the knowledge base."
  value       = aws_bedrockagent_knowledge_base.this.arn
}

output "data_source_id" {
  description = "ID of the S3 data source (for StartIngestionJob)."
  value       = aws_bedrockagent_data_source.documents.data_source_id
}
