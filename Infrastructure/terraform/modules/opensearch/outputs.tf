output "collection_arn" {
  description = "ARN of the collection."
  value       = aws_opensearchserverless_collection.this.arn
}

output "collection_endpoint" {
  description = "HTTPS endpoint of the collection."
  value       = aws_opensearchserverless_collection.this.collection_endpoint
}

output "collection_name" {
  description = "Name of the collection."
  value       = aws_opensearchserverless_collection.this.name
}

output "index_name" {
  description = "Name of the vector index (available once the post-index wait has elapsed)."
  value       = var.index_name
  depends_on  = [time_sleep.after_index]
}

output "vector_field" {
  description = "knn_vector field name."
  value       = var.vector_field
}

output "text_field" {
  description = "Text-chunk field name."
  value       = var.text_field
}

output "metadata_field" {
  description = "Metadata field name."
  value       = var.metadata_field
}
