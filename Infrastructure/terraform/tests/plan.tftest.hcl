# Plan-level checks of the root module with a mocked AWS provider: no account, no credentials, no network. CI runs
# this file once per environment (terraform test -var-file=environments/<env>.tfvars), so every run block below is
# one agent mode planned with that environment's settings; the assertions hold for any environment.

# The vector index and the waits around it (offline, terraform_offline.py replaces them with stand-ins).
mock_provider "opensearch" {}
mock_provider "time" {}

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:role/ci"
    }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = {
      name   = "us-east-1"
      region = "us-east-1"
    }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  lambda_image_tag = "0123456789abcdef"
  # Explicit, as every real environment must set them when it has a knowledge base.
  opensearch_terraform_principal_arns = ["arn:aws:iam::123456789012:role/sdga-plan", "arn:aws:iam::123456789012:role/sdga-deploy"]
}

run "bedrock_agent_mode" {
  command = plan

  variables {
    agent_mode = "bedrock-agent"
  }

  assert {
    condition     = length(module.bedrock_agent) == 1 && length(module.api) == 0
    error_message = "bedrock-agent mode deploys the classic agent and no HTTP API"
  }
  assert {
    condition     = toset(keys(module.lambda)) == toset(["generate", "validate", "metrics"])
    error_message = "bedrock-agent mode deploys exactly the three action Lambdas"
  }
  assert {
    condition     = module.lambda["generate"].memory_size == 1024 && module.lambda["generate"].timeout == 300
    error_message = "generate: 1024 MB / 300 s"
  }
  assert {
    condition     = module.lambda["validate"].memory_size == 512 && module.lambda["validate"].timeout == 60
    error_message = "validate: 512 MB / 60 s"
  }
  assert {
    condition     = module.lambda["metrics"].memory_size == 512 && module.lambda["metrics"].timeout == 120
    error_message = "metrics: 512 MB / 120 s"
  }
  assert {
    condition = alltrue([
      for key, name in { generate = "generate-synthetic-data", validate = "validate-schema", metrics = "calculate-quality-metrics" } :
      module.lambda[key].function_name == "sdga-${var.environment}-${name}" && module.lambda[key].handler == "sdga.lambdas.${key}.handler"
    ])
    error_message = "function names are sdga-<env>-<action> and run the sdga.lambdas.<key>.handler"
  }
  assert {
    condition     = length(module.opensearch) == (var.enable_knowledge_base ? 1 : 0) && length(module.knowledge_base) == length(module.opensearch)
    error_message = "the vector collection and the knowledge base exist exactly when enable_knowledge_base is on"
  }
  assert {
    condition     = length(module.vpc) == (var.enable_vpc ? 1 : 0)
    error_message = "the VPC exists exactly when enable_vpc is on"
  }
  assert {
    condition     = length(module.emr_serverless) == (var.enable_emr_serverless ? 1 : 0)
    error_message = "the EMR Serverless application exists exactly when enable_emr_serverless is on (prod)"
  }
  assert {
    condition = alltrue([
      for name in ["SDGA_EMR_APPLICATION_ID", "SDGA_EMR_JOB_ROLE_ARN", "SDGA_EMR_ROW_THRESHOLD", "SDGA_EMR_ENTRYPOINT", "SDGA_EMR_PYTHON_ARCHIVE"] :
      contains(module.lambda["generate"].environment_variable_names, name) == var.enable_emr_serverless &&
      !contains(module.lambda["validate"].environment_variable_names, name) && !contains(module.lambda["metrics"].environment_variable_names, name)
    ])
    error_message = "only the generate Lambda gets the EMR hand-off settings, and only with the application"
  }
  assert {
    condition = alltrue(flatten([
      for fn in module.lambda : [
        for suffix in ["errors", "duration-p95", "throttles"] : contains(module.cloudwatch.alarm_names, "${fn.function_name}-${suffix}")
      ]
    ]))
    error_message = "every function has its errors, duration and throttle alarms"
  }
  assert {
    condition     = alltrue([for fn in module.lambda : contains(module.cloudwatch.alarm_names, "${fn.dlq_name}-not-empty")])
    error_message = "every dead-letter queue has its alarm"
  }
}

run "converse_api_mode" {
  command = plan

  variables {
    agent_mode = "converse-api"
  }

  assert {
    condition     = length(module.bedrock_agent) == 0 && length(module.api) == 1
    error_message = "converse-api mode deploys the HTTP API and no classic agent"
  }
  assert {
    condition     = toset(keys(module.lambda)) == toset(["generate", "validate", "metrics", "agent"])
    error_message = "converse-api mode adds the Converse agent Lambda"
  }
  assert {
    condition     = module.lambda["agent"].handler == "sdga.lambdas.agent.handler" && module.lambda["agent"].memory_size == 1024
    error_message = "the Converse agent Lambda runs sdga.lambdas.agent.handler with 1024 MB"
  }
  assert {
    condition     = contains(module.cloudwatch.alarm_names, "sdga-${var.environment}-http-api-5xx")
    error_message = "the HTTP API has its 5xx alarm"
  }
}

run "both_mode" {
  command = plan

  variables {
    agent_mode = "both"
  }

  assert {
    condition     = length(module.bedrock_agent) == 1 && length(module.api) == 1 && length(module.lambda) == 4
    error_message = "both: classic agent, HTTP API and four Lambdas"
  }
}

run "api_key_is_read_from_ssm_not_from_the_environment" {
  command = plan

  variables {
    agent_mode = "converse-api"
    api_key    = "test-key-not-a-secret"
  }

  assert {
    condition     = length(aws_ssm_parameter.api_key) == 1 && aws_ssm_parameter.api_key[0].type == "SecureString"
    error_message = "the API key is stored as an SSM SecureString"
  }
  assert {
    condition     = aws_ssm_parameter.api_key[0].name == "/sdga/${var.environment}/api-key"
    error_message = "the parameter is /<project>/<env>/api-key"
  }
  assert {
    condition = alltrue([
      for fn in module.lambda : contains(fn.environment_variable_names, "SDGA_API_KEY_PARAMETER") && !contains(fn.environment_variable_names, "SDGA_API_KEY")
    ])
    error_message = "every function gets the parameter name, none gets the key itself"
  }
}

run "no_api_key_no_parameter" {
  command = plan

  assert {
    condition     = length(aws_ssm_parameter.api_key) == 0 && alltrue([for fn in module.lambda : !contains(fn.environment_variable_names, "SDGA_API_KEY_PARAMETER")])
    error_message = "without api_key there is no parameter and no SDGA_API_KEY_PARAMETER"
  }
}

run "zero_throttling_is_refused" {
  command = plan

  variables {
    api_throttling_rate_limit  = 0
    api_throttling_burst_limit = 0
  }

  expect_failures = [var.api_throttling_rate_limit, var.api_throttling_burst_limit]
}

run "session_arns_are_not_principals" {
  command = plan

  variables {
    opensearch_terraform_principal_arns = ["arn:aws:sts::123456789012:assumed-role/sdga-deploy/session"]
  }

  expect_failures = [var.opensearch_terraform_principal_arns]
}

run "agentcore_mode" {
  command = plan

  variables {
    agent_mode = "agentcore"
  }

  assert {
    condition     = length(module.agentcore) == 1 && length(module.bedrock_agent) == 0 && length(module.api) == 0
    error_message = "agentcore mode deploys the AgentCore gateway, harness and memory, no classic agent and no HTTP API"
  }
  assert {
    condition     = toset(keys(module.lambda)) == toset(["generate", "validate", "metrics"])
    error_message = "agentcore mode runs the three action Lambdas (no Converse agent Lambda)"
  }
  assert {
    condition     = join(",", module.agentcore[0].target_names) == join(",", concat(["generate", "metrics", "validate"], var.enable_knowledge_base ? ["knowledge-base"] : []))
    error_message = "one gateway target per action Lambda, plus the knowledge base where there is one"
  }
  assert {
    condition = alltrue([
      for tool in ["generate___generate_synthetic_data", "generate___get_generation_status", "validate___validate_schema", "metrics___calculate_quality_metrics"] :
      contains(module.agentcore[0].tool_names, tool)
    ]) && contains(module.agentcore[0].tool_names, "knowledge-base___search_knowledge_base") == var.enable_knowledge_base
    error_message = "the gateway publishes every action (and search_knowledge_base with a knowledge base) as <target>___<tool>"
  }
  assert {
    condition     = module.agentcore[0].memory_strategy_types == { semantic_facts = "SEMANTIC", session_summaries = "SUMMARIZATION", user_preferences = "USER_PREFERENCE" }
    error_message = "memory has the semantic, summary and user-preference strategies"
  }
  assert {
    condition     = module.lambda["generate"].memory_size == 1024 && module.lambda["validate"].timeout == 60 && module.lambda["metrics"].timeout == 120
    error_message = "the action Lambdas keep their sizes in agentcore mode"
  }
}
