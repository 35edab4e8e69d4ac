output "layer_arns" {
  description = "Layer version ARNs to attach to the functions: managed layers first, then our own (sorted by name)."
  value       = concat(var.managed_layer_arns, [for name in sort(keys(var.layer_packages)) : aws_lambda_layer_version.this[name].arn])
}

output "own_layer_arns" {
  description = "Our own layer version ARNs by layer name."
  value       = { for name, layer in aws_lambda_layer_version.this : name => layer.arn }
}
