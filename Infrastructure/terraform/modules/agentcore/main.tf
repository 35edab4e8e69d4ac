# The agent on Amazon Bedrock AgentCore (agent_mode = "agentcore"): a gateway that publishes the three action
# Lambdas (and the knowledge base) as MCP tools, a harness that runs the agent loop with the gateway as its tool,
# the system prompt from the repository and AgentCore memory for the conversation.
#
# Why a harness and not an AgentCore runtime with our own agent in the image: the harness is AWS's managed agent
# loop, so no agent code of ours has to be built, patched and scaled; the tools it calls are the same Lambdas as
# every other door, and memory plugs in by ARN. A runtime would only pay off with custom orchestration, which the
# tools do not need (see docs/ARCHITECTURE.md, "AgentCore").

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  # Harness and memory names allow letters, digits and underscores only.
  snake       = replace(var.name_prefix, "-", "_")
  instruction = trimspace(file(var.instruction_path))

  tools = { for name, t in var.lambda_targets : name => jsondecode(file(t.tool_schema_path)) }

  # Built-in strategies: facts and the user's preferences outlive a session, summaries keep a long session short.
  memory_strategies = {
    semantic_facts = {
      type        = "SEMANTIC"
      description = "Facts the user stated about their systems and data (tables, volumes, regimes)."
      namespaces  = ["/facts/{actorId}"]
    }
    session_summaries = {
      type        = "SUMMARIZATION"
      description = "A running summary of each conversation."
      namespaces  = ["/summaries/{actorId}/{sessionId}"]
    }
    user_preferences = {
      type        = "USER_PREFERENCE"
      description = "Preferred formats, locales, destinations and compliance regimes."
      namespaces  = ["/preferences/{actorId}"]
    }
  }

  # The knowledge base as a tool: an OpenAPI target the gateway calls with its own role, SigV4-signed for Bedrock.
  knowledge_base_api = var.enable_knowledge_base_tool ? jsonencode({
    openapi = "3.0.0"
    info    = { title = "search_knowledge_base", version = "1.0.0" }
    servers = [{ url = "https://bedrock-agent-runtime.${local.region}.amazonaws.com" }]
    paths = {
      "/knowledgebases/${var.knowledge_base_id}/retrieve" = {
        post = {
          operationId = "search_knowledge_base"
          description = "Search the knowledge base of schema templates, domain patterns and compliance rules. Use it before designing a schema or when a compliance regime is mentioned."
          requestBody = {
            required = true
            content = {
              "application/json" = {
                schema = {
                  type     = "object"
                  required = ["retrievalQuery"]
                  properties = {
                    retrievalQuery = {
                      type        = "object"
                      required    = ["text"]
                      description = "What to look for."
                      properties  = { text = { type = "string", description = "A question or keywords, e.g. 'HIPAA patient record fields'." } }
                    }
                  }
                }
              }
            }
          }
          responses = {
            "200" = {
              description = "The passages found, best first."
              content     = { "application/json" = { schema = { type = "object" } } }
            }
          }
        }
      }
    }
  }) : null
}

# ---------------------------------------------------------------------------------------------------------------
# Gateway
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "gateway_trust" {
  statement {
    sid     = "AgentCoreGatewayAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock-agentcore.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:bedrock-agentcore:${local.region}:${local.account_id}:gateway/*"]
    }
  }
}

resource "aws_iam_role" "gateway" {
  name               = "${var.name_prefix}-agentcore-gateway"
  description        = "Lets the ${var.name_prefix} AgentCore gateway call the action Lambdas and the knowledge base."
  assume_role_policy = data.aws_iam_policy_document.gateway_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "gateway" {
  statement {
    sid       = "InvokeActionLambdas"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = sort([for t in var.lambda_targets : t.function_arn])
  }

  dynamic "statement" {
    for_each = var.enable_knowledge_base_tool ? [var.knowledge_base_arn] : []

    content {
      sid       = "SearchKnowledgeBase"
      effect    = "Allow"
      actions   = ["bedrock:Retrieve"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "gateway" {
  name   = "${var.name_prefix}-agentcore-gateway"
  role   = aws_iam_role.gateway.id
  policy = data.aws_iam_policy_document.gateway.json
}

resource "aws_bedrockagentcore_gateway" "this" {
  name            = "${var.name_prefix}-tools"
  description     = "The synthetic data agent's actions as MCP tools."
  role_arn        = aws_iam_role.gateway.arn
  protocol_type   = "MCP"
  authorizer_type = var.authorizer_type
  kms_key_arn     = var.kms_key_arn
  tags            = var.tags

  dynamic "authorizer_configuration" {
    for_each = var.authorizer_type == "CUSTOM_JWT" ? [1] : []

    content {
      custom_jwt_authorizer {
        discovery_url    = var.jwt_discovery_url
        allowed_audience = var.jwt_allowed_audience
        allowed_clients  = var.jwt_allowed_clients
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.authorizer_type != "CUSTOM_JWT" || (var.jwt_discovery_url != null && (length(var.jwt_allowed_audience) > 0 || length(var.jwt_allowed_clients) > 0))
      error_message = "authorizer_type CUSTOM_JWT needs jwt_discovery_url and at least one allowed audience or client."
    }
  }

  depends_on = [aws_iam_role_policy.gateway]
}

# The tool schemas (JSON Schemas of the request models, generated by `python -m sdga.openapi --write`) go to S3:
# their nested definitions do not fit the target's inline blocks.
resource "aws_s3_object" "tool_schema" {
  for_each = var.lambda_targets

  bucket       = var.tool_schema_bucket
  key          = "${var.tool_schema_prefix}${each.key}-${filesha256(each.value.tool_schema_path)}.json"
  source       = each.value.tool_schema_path
  source_hash  = filemd5(each.value.tool_schema_path)
  content_type = "application/json"
  kms_key_id   = var.kms_key_arn
  tags         = var.tags
}

# One target per action Lambda: the gateway invokes it with the tool's arguments as the event and the tool name
# (<target>___<tool>) in the client context.
resource "aws_bedrockagentcore_gateway_target" "lambda" {
  for_each = var.lambda_targets

  gateway_identifier = aws_bedrockagentcore_gateway.this.gateway_id
  name               = each.key
  description        = "Tools: ${join(", ", [for tool in local.tools[each.key] : tool.name])}."

  credential_provider_configuration {
    gateway_iam_role {}
  }

  target_configuration {
    mcp {
      lambda {
        lambda_arn = each.value.function_arn

        tool_schema {
          s3 {
            uri                     = "s3://${var.tool_schema_bucket}/${aws_s3_object.tool_schema[each.key].key}"
            bucket_owner_account_id = local.account_id
          }
        }
      }
    }
  }
}

resource "aws_bedrockagentcore_gateway_target" "knowledge_base" {
  count = var.enable_knowledge_base_tool ? 1 : 0

  gateway_identifier = aws_bedrockagentcore_gateway.this.gateway_id
  name               = "knowledge-base"
  description        = "Tool: search_knowledge_base (Bedrock Retrieve on the project's knowledge base)."

  credential_provider_configuration {
    gateway_iam_role {
      service = "bedrock"
    }
  }

  target_configuration {
    mcp {
      open_api_schema {
        inline_payload {
          payload = local.knowledge_base_api
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.knowledge_base_id != null && var.knowledge_base_arn != null
      error_message = "The knowledge-base tool needs knowledge_base_id and knowledge_base_arn."
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------------------------
resource "aws_bedrockagentcore_memory" "this" {
  name                  = "${local.snake}_memory"
  description           = "Conversations with the ${var.name_prefix} synthetic data agent."
  event_expiry_duration = var.memory_event_expiry_days
  encryption_key_arn    = var.kms_key_arn
  tags                  = var.tags
}

resource "aws_bedrockagentcore_memory_strategy" "this" {
  for_each = local.memory_strategies

  memory_id   = aws_bedrockagentcore_memory.this.id
  name        = each.key
  type        = each.value.type
  description = each.value.description
  namespaces  = each.value.namespaces
}

# ---------------------------------------------------------------------------------------------------------------
# Harness (the agent)
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "harness_trust" {
  statement {
    sid     = "AgentCoreHarnessAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock-agentcore.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:bedrock-agentcore:${local.region}:${local.account_id}:harness/*"]
    }
  }
}

resource "aws_iam_role" "harness" {
  name               = "${var.name_prefix}-agentcore-harness"
  description        = "Execution role of the ${var.name_prefix} AgentCore harness: the model, the gateway, the memory."
  assume_role_policy = data.aws_iam_policy_document.harness_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "harness" {
  statement {
    sid       = "InvokeModel"
    effect    = "Allow"
    actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = var.model_arns
  }

  statement {
    sid       = "CallTheTools"
    effect    = "Allow"
    actions   = ["bedrock-agentcore:InvokeGateway"]
    resources = [aws_bedrockagentcore_gateway.this.gateway_arn]
  }

  statement {
    sid    = "ConversationMemory"
    effect = "Allow"
    actions = [
      "bedrock-agentcore:CreateEvent",
      "bedrock-agentcore:GetEvent",
      "bedrock-agentcore:ListEvents",
      "bedrock-agentcore:ListSessions",
      "bedrock-agentcore:RetrieveMemoryRecords",
      "bedrock-agentcore:ListMemoryRecords",
    ]
    resources = [aws_bedrockagentcore_memory.this.arn]
  }

  statement {
    sid       = "MemoryEncryption"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["bedrock-agentcore.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "harness" {
  name   = "${var.name_prefix}-agentcore-harness"
  role   = aws_iam_role.harness.id
  policy = data.aws_iam_policy_document.harness.json
}

resource "aws_bedrockagentcore_harness" "this" {
  harness_name       = "${local.snake}_agent"
  execution_role_arn = aws_iam_role.harness.arn
  max_iterations     = var.max_iterations
  timeout_seconds    = var.timeout_seconds
  # Only the gateway's tools: no shell or file tools in the agent's sandbox.
  allowed_tools = ["@sdga"]
  tags          = var.tags

  model {
    bedrock_model_config {
      model_id = var.model_id
    }
  }

  system_prompt {
    text = local.instruction
  }

  tool {
    type = "agentcore_gateway"
    name = "sdga"

    config {
      agentcore_gateway {
        gateway_arn = aws_bedrockagentcore_gateway.this.gateway_arn

        outbound_auth {
          aws_iam = true
        }
      }
    }
  }

  memory {
    agentcore_memory_configuration {
      arn = aws_bedrockagentcore_memory.this.arn
    }
  }

  depends_on = [aws_iam_role_policy.harness, aws_bedrockagentcore_gateway_target.lambda]
}
