# The Bedrock agent (Agents "classic"), its three action groups (one Lambda each: an action group can only have one
# executor), the guardrail, the knowledge-base association and an alias that always serves the latest prepared
# version.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  instruction = trimspace(file(var.instruction_path))

  # Everything that changes what the agent does. Hashing it into the alias description makes the alias update
  # (and therefore cut a new version from the prepared DRAFT) whenever any of it changes.
  agent_fingerprint = sha256(jsonencode({
    instruction   = local.instruction
    model         = var.foundation_model
    schemas       = { for name, ag in var.action_groups : name => filesha256(ag.schema_path) }
    executors     = { for name, ag in var.action_groups : name => ag.lambda_arn }
    knowledgebase = var.associate_knowledge_base ? var.knowledge_base_id : ""
    guardrail     = var.enable_guardrail ? aws_bedrock_guardrail_version.this[0].version : ""
    session_ttl   = var.idle_session_ttl_in_seconds
  }))
}

resource "aws_bedrock_guardrail" "this" {
  count = var.enable_guardrail ? 1 : 0

  name                      = "${var.name_prefix}-guardrail"
  description               = "Content and prompt-attack filters for the synthetic data agent."
  blocked_input_messaging   = "This request cannot be processed. The synthetic data agent only creates fictitious test data."
  blocked_outputs_messaging = "The response was blocked by the synthetic data agent's guardrail."
  kms_key_arn               = var.kms_key_arn

  content_policy_config {
    filters_config {
      type            = "HATE"
      input_strength  = var.guardrail_filter_strength
      output_strength = var.guardrail_filter_strength
    }

    filters_config {
      type            = "INSULTS"
      input_strength  = var.guardrail_filter_strength
      output_strength = var.guardrail_filter_strength
    }

    filters_config {
      type            = "SEXUAL"
      input_strength  = var.guardrail_filter_strength
      output_strength = var.guardrail_filter_strength
    }

    filters_config {
      type            = "VIOLENCE"
      input_strength  = var.guardrail_filter_strength
      output_strength = var.guardrail_filter_strength
    }

    filters_config {
      type            = "MISCONDUCT"
      input_strength  = var.guardrail_filter_strength
      output_strength = var.guardrail_filter_strength
    }

    # The prompt-attack filter applies to input only; its output strength must be NONE.
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = var.guardrail_filter_strength
      output_strength = "NONE"
    }
  }

  # Generated records deliberately look like personal data (reserved domains, 555-01xx numbers), so a PII filter
  # would mangle legitimate answers. What must never happen is a request for *real* people's data.
  topic_policy_config {
    topics_config {
      name       = "real-personal-data"
      type       = "DENY"
      definition = "Requests to find, reveal, copy or de-anonymise personal data of real, identifiable people, or to use real production records as test data."
      examples = [
        "Give me the real home address of this customer.",
        "Copy the users table from production into my test database.",
      ]
    }
  }

  tags = var.tags
}

# A guardrail version is an immutable snapshot: without the replacement trigger, a changed filter or topic would
# update only the DRAFT guardrail and the agent would keep using the old numbered version.
resource "aws_bedrock_guardrail_version" "this" {
  count = var.enable_guardrail ? 1 : 0

  guardrail_arn = aws_bedrock_guardrail.this[0].guardrail_arn
  description   = "Managed by Terraform"

  lifecycle {
    replace_triggered_by = [aws_bedrock_guardrail.this[count.index]]
  }
}

resource "aws_bedrockagent_agent" "this" {
  agent_name                  = "${var.name_prefix}-synthetic-data-agent"
  description                 = "Generates, validates and scores realistic, compliant synthetic test data."
  agent_resource_role_arn     = var.agent_role_arn
  foundation_model            = var.foundation_model
  instruction                 = local.instruction
  idle_session_ttl_in_seconds = var.idle_session_ttl_in_seconds
  customer_encryption_key_arn = var.kms_key_arn
  prepare_agent               = true

  dynamic "guardrail_configuration" {
    for_each = var.enable_guardrail ? [1] : []

    content {
      guardrail_identifier = aws_bedrock_guardrail.this[0].guardrail_id
      guardrail_version    = aws_bedrock_guardrail_version.this[0].version
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.instruction) >= 40 && length(local.instruction) <= 8000
      error_message = "The agent instruction must be 40-8000 characters."
    }
  }
}

# Bedrock may invoke each action Lambda only on behalf of this agent, in this account.
resource "aws_lambda_permission" "bedrock" {
  for_each = var.action_groups

  statement_id   = "AllowBedrockAgent-${aws_bedrockagent_agent.this.agent_id}"
  action         = "lambda:InvokeFunction"
  function_name  = each.value.function_name
  principal      = "bedrock.amazonaws.com"
  source_arn     = aws_bedrockagent_agent.this.agent_arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_bedrockagent_agent_action_group" "this" {
  for_each = var.action_groups

  action_group_name          = each.key
  description                = each.value.description
  agent_id                   = aws_bedrockagent_agent.this.agent_id
  agent_version              = "DRAFT"
  action_group_state         = "ENABLED"
  prepare_agent              = true
  skip_resource_in_use_check = true

  action_group_executor {
    lambda = each.value.lambda_arn
  }

  api_schema {
    payload = file(each.value.schema_path)
  }

  depends_on = [aws_lambda_permission.bedrock]
}

resource "aws_bedrockagent_agent_knowledge_base_association" "this" {
  count = var.associate_knowledge_base ? 1 : 0

  agent_id             = aws_bedrockagent_agent.this.agent_id
  agent_version        = "DRAFT"
  knowledge_base_id    = var.knowledge_base_id
  knowledge_base_state = "ENABLED"
  description          = "Schema templates, domain patterns, compliance rules and generation history. Search it before designing a schema."
}

data "aws_iam_policy_document" "agent_extras" {
  count = var.associate_knowledge_base || var.enable_guardrail ? 1 : 0

  dynamic "statement" {
    for_each = var.associate_knowledge_base ? [var.knowledge_base_arn] : []

    content {
      sid       = "RetrieveFromKnowledgeBase"
      effect    = "Allow"
      actions   = ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.enable_guardrail ? [aws_bedrock_guardrail.this[0].guardrail_arn] : []

    content {
      sid       = "ApplyGuardrail"
      effect    = "Allow"
      actions   = ["bedrock:ApplyGuardrail"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "agent_extras" {
  count = var.associate_knowledge_base || var.enable_guardrail ? 1 : 0

  name   = "${var.name_prefix}-bedrock-agent-kb-guardrail"
  role   = var.agent_role_name
  policy = data.aws_iam_policy_document.agent_extras[0].json
}

# Without routing_configuration, creating or updating the alias snapshots the prepared DRAFT into a new numbered
# version. The description carries the fingerprint of everything that shapes the agent, so exactly a change of
# those re-points the alias. Not prepared_at: every apply prepares the agent again (the action groups do), so a
# description with it would never match the next plan, a perpetual diff and a new version on every apply.
resource "aws_bedrockagent_agent_alias" "this" {
  agent_alias_name = var.alias_name
  agent_id         = aws_bedrockagent_agent.this.agent_id
  description      = "config ${substr(local.agent_fingerprint, 0, 16)}"
  tags             = var.tags

  depends_on = [
    aws_bedrockagent_agent_action_group.this,
    aws_bedrockagent_agent_knowledge_base_association.this,
    aws_iam_role_policy.agent_extras,
  ]
}
