output "agent_id" {
  description = "ID of the agent (SDGA_AGENT_ID)."
  value       = aws_bedrockagent_agent.this.agent_id
}

output "agent_arn" {
  description = "ARN of the agent."
  value       = aws_bedrockagent_agent.this.agent_arn
}

output "agent_alias_id" {
  description = "ID of the alias clients invoke (SDGA_AGENT_ALIAS_ID)."
  value       = aws_bedrockagent_agent_alias.this.agent_alias_id
}

output "agent_alias_arn" {
  description = "ARN of the alias."
  value       = aws_bedrockagent_agent_alias.this.agent_alias_arn
}

output "action_group_ids" {
  description = "Action-group IDs by name."
  value       = { for name, ag in aws_bedrockagent_agent_action_group.this : name => ag.action_group_id }
}

output "guardrail_id" {
  description = "ID of the guardrail (null when disabled)."
  value       = one(aws_bedrock_guardrail.this[*].guardrail_id)
}
