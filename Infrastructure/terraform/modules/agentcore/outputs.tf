output "gateway_id" {
  description = "ID of the AgentCore gateway."
  value       = aws_bedrockagentcore_gateway.this.gateway_id
}

output "gateway_arn" {
  description = "ARN of the AgentCore gateway."
  value       = aws_bedrockagentcore_gateway.this.gateway_arn
}

output "gateway_url" {
  description = "MCP endpoint of the gateway (for MCP clients; AWS_IAM gateways need SigV4-signed requests)."
  value       = aws_bedrockagentcore_gateway.this.gateway_url
}

output "target_names" {
  description = "Gateway target names: one per action Lambda, plus knowledge-base when that tool is on."
  value       = concat(sort(keys(var.lambda_targets)), var.enable_knowledge_base_tool ? ["knowledge-base"] : [])
}

output "tool_names" {
  description = "Every tool as the gateway names it (<target>___<tool>)."
  value = concat(
    flatten([for target in sort(keys(local.tools)) : [for tool in local.tools[target] : "${target}___${tool.name}"]]),
    var.enable_knowledge_base_tool ? ["knowledge-base___search_knowledge_base"] : [],
  )
}

output "harness_arn" {
  description = "ARN of the harness clients invoke (SDGA_AGENTCORE_HARNESS_ARN for `sdga ask --backend agentcore`)."
  value       = aws_bedrockagentcore_harness.this.arn
}

output "memory_id" {
  description = "ID of the AgentCore memory."
  value       = aws_bedrockagentcore_memory.this.id
}

output "memory_strategy_types" {
  description = "Memory strategies by name and type."
  value       = { for name, s in local.memory_strategies : name => s.type }
}
