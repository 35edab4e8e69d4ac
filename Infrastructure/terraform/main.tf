# Synthetic data agent: storage, encryption, the action Lambdas, the Bedrock agent with its knowledge base, the HTTP
# API fallback, monitoring and the optional VPC. See docs/ARCHITECTURE.md for the why of each piece.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.project_name}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge(var.tags, {
    Project     = "synthetic-data-agent"
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  create_agentcore     = var.agent_mode == "agentcore"
  create_bedrock_agent = contains(["bedrock-agent", "both"], var.agent_mode)
  create_http_api      = contains(["converse-api", "both"], var.agent_mode)
  create_kb            = var.enable_knowledge_base
  # Whether a key is configured is not secret; the key is.
  api_key_enabled        = nonsensitive(var.api_key != null)
  api_key_parameter_name = "/${var.project_name}/${var.environment}/api-key"

  # POWERTOOLS_SERVICE_NAME and the `service` dimension of the custom metrics; one value per environment so dev
  # traffic never moves prod alarms.
  service_name      = "synthetic-data-agent-${var.environment}"
  metrics_namespace = "SyntheticDataAgent"

  # Model addressing: current Claude models are served on demand through cross-region inference profiles; the
  # profile routes to the base model in several regions, so the roles need both ARNs.
  agent_model_id = var.inference_profile_prefix == "" ? var.foundation_model : "${var.inference_profile_prefix}.${var.foundation_model}"
  model_arns = var.inference_profile_prefix == "" ? [
    "arn:${local.partition}:bedrock:${var.aws_region}::foundation-model/${var.foundation_model}",
    ] : [
    "arn:${local.partition}:bedrock:${var.aws_region}:${local.account_id}:inference-profile/${local.agent_model_id}",
    "arn:${local.partition}:bedrock:*::foundation-model/${var.foundation_model}",
  ]
  embedding_model_arn = "arn:${local.partition}:bedrock:${var.aws_region}::foundation-model/${var.embedding_model_id}"

  instruction_path = startswith(var.agent_instruction_path, "/") ? var.agent_instruction_path : "${path.root}/${var.agent_instruction_path}"

  # The seed's sizes for the three action Lambdas; the Converse agent runs the same tools in-process, so it gets the
  # generate function's size.
  action_function_specs = {
    generate = {
      name        = "${local.name}-generate-synthetic-data"
      description = "generate_synthetic_data: plan, generate, write to S3 and record history."
      handler     = "sdga.lambdas.generate.handler"
      memory_size = 1024
      timeout     = 300
      storage_mb  = var.generate_ephemeral_storage_mb
    }
    validate = {
      name        = "${local.name}-validate-schema"
      description = "validate_schema: schema checks and compliance rules."
      handler     = "sdga.lambdas.validate.handler"
      memory_size = 512
      timeout     = 60
      storage_mb  = 512
    }
    metrics = {
      name        = "${local.name}-calculate-quality-metrics"
      description = "calculate_quality_metrics: uniqueness, validity, completeness, distributions."
      handler     = "sdga.lambdas.metrics.handler"
      memory_size = 512
      timeout     = 120
      storage_mb  = 1024
    }
  }
  agent_function_spec = {
    name        = "${local.name}-agent"
    description = "Plain-English agent: Bedrock Converse tool loop over the three actions."
    handler     = "sdga.lambdas.agent.handler"
    memory_size = 1024
    timeout     = 300
    storage_mb  = var.generate_ephemeral_storage_mb
  }
  function_specs = merge(local.action_function_specs, local.create_http_api ? { agent = local.agent_function_spec } : {})

  common_environment = merge(
    {
      SDGA_HOME                    = "/tmp/sdga"
      SDGA_STORAGE_BACKEND         = "s3"
      SDGA_S3_BUCKET               = module.s3.data_bucket_name
      SDGA_S3_PREFIX               = module.s3.generated_data_prefix
      SDGA_KMS_KEY_ID              = module.kms.s3_key_arn
      SDGA_HISTORY_BACKEND         = "dynamodb"
      SDGA_HISTORY_TABLE           = module.dynamodb.table_name
      SDGA_HISTORY_TTL_DAYS        = tostring(var.history_ttl_days)
      POWERTOOLS_SERVICE_NAME      = local.service_name
      POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace
      # /tmp is the only writable path in Lambda and "local" destinations would vanish with the sandbox; rds needs
      # the VPC to reach a private test database.
      SDGA_ALLOWED_DESTINATIONS = var.enable_vpc ? "s3,inline,rds" : "s3,inline"
      # Threads die when an invocation returns, so background jobs are either an async self-invocation (generate)
      # or run inline.
      SDGA_BACKGROUND_MODE = "off"
    },
    # The key itself stays out of the function configuration (readable by anyone who may read the function): the
    # handlers read the SecureString at cold start.
    local.api_key_enabled ? { SDGA_API_KEY_PARAMETER = local.api_key_parameter_name } : {},
  )

  # The EMR Serverless hand-off of large generations (read by the generate Lambda; see docs/ARCHITECTURE.md).
  emr_environment = var.enable_emr_serverless ? {
    SDGA_EMR_APPLICATION_ID = module.emr_serverless[0].application_id
    SDGA_EMR_JOB_ROLE_ARN   = module.emr_serverless[0].job_role_arn
    SDGA_EMR_ROW_THRESHOLD  = tostring(var.emr_row_threshold)
    SDGA_EMR_ENTRYPOINT     = "s3://${module.s3.data_bucket_name}/${var.emr_entrypoint_key}"
    SDGA_EMR_PYTHON_ARCHIVE = "s3://${module.s3.data_bucket_name}/${var.emr_python_archive_key}"
  } : {}

  function_environment = {
    generate = merge({ SDGA_BACKGROUND_MODE = "lambda" }, local.emr_environment)
    validate = {}
    metrics  = {}
    agent = merge(
      {
        SDGA_BACKGROUND_MODE = "lambda"
        SDGA_LLM_BACKEND     = "bedrock"
        SDGA_MODEL_ID        = local.agent_model_id
        SDGA_KB_BACKEND      = local.create_kb ? "bedrock" : "local"
      },
      local.create_kb ? { SDGA_KNOWLEDGE_BASE_ID = module.knowledge_base[0].knowledge_base_id } : {},
    )
  }

  # Bedrock action groups: one per Lambda (an action group has exactly one executor). The OpenAPI documents are
  # generated from the handlers by `python -m sdga.openapi --write`.
  action_groups = {
    data-generation-actions = {
      key         = "generate"
      description = "Generate synthetic data sets and check their status."
    }
    schema-validation-actions = {
      key         = "validate"
      description = "Validate a schema and its compliance requirements before generating."
    }
    quality-metrics-actions = {
      key         = "metrics"
      description = "Calculate quality metrics of a generated or uploaded data set."
    }
  }

  api_routes = {
    "POST /api/v1/synthetic-data/generate"                = "generate"
    "GET /api/v1/synthetic-data/status/{generation_id}"   = "generate"
    "GET /api/v1/synthetic-data/download/{generation_id}" = "generate"
    "GET /api/v1/synthetic-data/history"                  = "generate"
    "POST /api/v1/synthetic-data/validate-schema"         = "validate"
    "POST /api/v1/synthetic-data/quality-metrics"         = "metrics"
    "POST /api/v1/agent/ask"                              = "agent"
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Encryption and storage
# ---------------------------------------------------------------------------------------------------------------
module "kms" {
  source = "./modules/kms"

  name_prefix             = local.name
  deletion_window_in_days = var.environment == "prod" ? 30 : 7
  tags                    = local.tags
}

# The HTTP API's shared key as an SSM SecureString under the data key (only when api_key is set).
resource "aws_ssm_parameter" "api_key" {
  count = local.api_key_enabled ? 1 : 0

  name        = local.api_key_parameter_name
  description = "x-api-key the ${local.name} functions require on HTTP requests (read at cold start)."
  type        = "SecureString"
  key_id      = module.kms.s3_key_arn
  value       = var.api_key
  tags        = local.tags
}

module "s3" {
  source = "./modules/s3"

  name_prefix                    = local.name
  kms_key_arn                    = module.kms.s3_key_arn
  generated_data_expiration_days = var.generated_data_expiration_days
  force_destroy                  = var.s3_force_destroy
  tags                           = local.tags
}

module "dynamodb" {
  source = "./modules/dynamodb"

  table_name           = "${var.history_table_name}-${var.environment}"
  kms_key_arn          = module.kms.dynamodb_key_arn
  billing_mode         = var.dynamodb_billing_mode
  provisioned_capacity = var.dynamodb_provisioned_capacity
  deletion_protection  = var.dynamodb_deletion_protection
  tags                 = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# Network (optional)
# ---------------------------------------------------------------------------------------------------------------
module "vpc" {
  source = "./modules/vpc"
  count  = var.enable_vpc ? 1 : 0

  name_prefix             = local.name
  cidr_block              = var.vpc_cidr
  az_count                = var.vpc_az_count
  single_nat_gateway      = var.vpc_single_nat_gateway
  logs_kms_key_arn        = module.kms.logs_key_arn
  flow_log_retention_days = var.log_retention_days
  # The generate Lambda calls EMR Serverless (StartJobRun, GetJobRun) when the application exists.
  additional_interface_endpoint_services = var.enable_emr_serverless ? ["emr-serverless"] : []
  tags                                   = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# EMR Serverless Spark application (large generations; optional, on in prod)
# ---------------------------------------------------------------------------------------------------------------
module "emr_serverless" {
  source = "./modules/emr-serverless"
  count  = var.enable_emr_serverless ? 1 : 0

  name_prefix        = local.name
  release_label      = var.emr_release_label
  architecture       = var.emr_architecture
  image_uri          = var.emr_image_uri
  output_bucket_arn  = module.s3.data_bucket_arn
  output_prefix      = module.s3.generated_data_prefix
  kms_key_arn        = module.kms.s3_key_arn
  logs_kms_key_arn   = module.kms.logs_key_arn
  log_retention_days = var.log_retention_days
  subnet_ids         = var.enable_vpc ? module.vpc[0].private_subnet_ids : []
  security_group_ids = var.enable_vpc ? [module.vpc[0].lambda_security_group_id] : []
  tags               = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------------------------
module "iam" {
  source = "./modules/iam"

  name_prefix                = local.name
  function_names             = { for k, f in local.function_specs : k => f.name }
  data_bucket_arn            = module.s3.data_bucket_arn
  generated_data_prefix      = module.s3.generated_data_prefix
  knowledge_base_bucket_arn  = module.s3.knowledge_base_bucket_arn
  knowledge_base_prefix      = module.s3.knowledge_base_prefix
  history_table_arn          = module.dynamodb.table_arn
  s3_kms_key_arn             = module.kms.s3_key_arn
  dynamodb_kms_key_arn       = module.kms.dynamodb_key_arn
  logs_kms_key_arn           = module.kms.logs_key_arn
  model_arns                 = local.model_arns
  api_key_parameter_name     = local.api_key_enabled ? local.api_key_parameter_name : null
  enable_emr                 = var.enable_emr_serverless
  emr_application_arn        = one(module.emr_serverless[*].application_arn)
  emr_job_role_arn           = one(module.emr_serverless[*].job_role_arn)
  embedding_model_arn        = local.embedding_model_arn
  create_bedrock_agent_role  = local.create_bedrock_agent
  create_knowledge_base_role = local.create_kb
  collection_arn             = one(module.opensearch[*].collection_arn)
  vpc_subnet_arns            = var.enable_vpc ? module.vpc[0].private_subnet_arns : []
  vpc_security_group_arns    = var.enable_vpc ? [module.vpc[0].lambda_security_group_arn] : []
  tags                       = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# Knowledge base (optional: the most expensive component)
# ---------------------------------------------------------------------------------------------------------------
module "opensearch" {
  source = "./modules/opensearch"
  count  = local.create_kb ? 1 : 0

  providers = {
    aws        = aws
    opensearch = opensearch
    time       = time
  }

  collection_name             = "${local.name}-kb"
  kms_key_arn                 = module.kms.s3_key_arn
  knowledge_base_role_arn     = module.iam.knowledge_base_role_arn
  terraform_principal_arns    = var.opensearch_terraform_principal_arns
  additional_principal_arns   = var.opensearch_additional_principal_arns
  standby_replicas            = var.opensearch_standby_replicas
  allow_public_network_access = var.opensearch_public_network_access
  vpc_endpoint_ids            = var.opensearch_vpc_endpoint_ids
  vector_dimension            = var.embedding_dimension
  tags                        = local.tags
}

module "knowledge_base" {
  source = "./modules/bedrock-knowledge-base"
  count  = local.create_kb ? 1 : 0

  name                 = "${local.name}-data-generation-patterns-kb"
  role_arn             = module.iam.knowledge_base_role_arn
  embedding_model_arn  = local.embedding_model_arn
  embedding_dimension  = var.embedding_dimension
  collection_arn       = module.opensearch[0].collection_arn
  index_name           = module.opensearch[0].index_name
  vector_field         = module.opensearch[0].vector_field
  text_field           = module.opensearch[0].text_field
  metadata_field       = module.opensearch[0].metadata_field
  documents_bucket_arn = module.s3.knowledge_base_bucket_arn
  documents_prefix     = module.s3.knowledge_base_prefix
  kms_key_arn          = module.kms.s3_key_arn
  tags                 = local.tags

  # The KB role's aoss:APIAccessAll statement (in module.iam) must exist before Bedrock validates the vector store.
  depends_on = [module.iam]
}

# ---------------------------------------------------------------------------------------------------------------
# Lambda functions
# ---------------------------------------------------------------------------------------------------------------
# The functions deploy one container image (dependencies, code and the handler per function). The zip packaging was
# dropped: numpy + pyarrow + polars unpack to about 400 MB, far above Lambda's 250 MB limit for a function and its
# layers, and the metrics need polars (see docs/ARCHITECTURE.md, "Packaging").
module "ecr" {
  source = "./modules/ecr"

  repository_name = "${local.name}-lambda"
  kms_key_arn     = module.kms.s3_key_arn
  force_delete    = var.s3_force_destroy
  tags            = local.tags
}

# The repository was optional while zip packaging existed.
moved {
  from = module.ecr[0]
  to   = module.ecr
}

module "lambda" {
  source   = "./modules/lambda"
  for_each = local.function_specs

  function_name           = each.value.name
  description             = each.value.description
  handler                 = each.value.handler
  architecture            = var.lambda_architecture
  role_arn                = module.iam.lambda_role_arns[each.key]
  image_uri               = var.lambda_image_tag == null ? null : "${module.ecr.repository_url}:${var.lambda_image_tag}"
  memory_size             = each.value.memory_size
  timeout                 = each.value.timeout
  ephemeral_storage_mb    = each.value.storage_mb
  reserved_concurrency    = lookup(var.lambda_reserved_concurrency, each.key, -1)
  environment             = merge(local.common_environment, local.function_environment[each.key])
  log_retention_days      = var.log_retention_days
  log_level               = var.lambda_log_level
  logs_kms_key_arn        = module.kms.logs_key_arn
  environment_kms_key_arn = module.kms.s3_key_arn
  subnet_ids              = var.enable_vpc ? module.vpc[0].private_subnet_ids : []
  security_group_ids      = var.enable_vpc ? [module.vpc[0].lambda_security_group_id] : []
  tags                    = local.tags
}

# The Converse agent Lambda searches the knowledge base itself (Retrieve), so it needs the KB ARN once it exists.
data "aws_iam_policy_document" "agent_lambda_kb" {
  count = local.create_http_api && local.create_kb ? 1 : 0

  statement {
    sid       = "RetrieveFromKnowledgeBase"
    effect    = "Allow"
    actions   = ["bedrock:Retrieve"]
    resources = [module.knowledge_base[0].knowledge_base_arn]
  }
}

resource "aws_iam_role_policy" "agent_lambda_kb" {
  count = local.create_http_api && local.create_kb ? 1 : 0

  name   = "${local.name}-agent-lambda-kb"
  role   = module.iam.lambda_role_names["agent"]
  policy = data.aws_iam_policy_document.agent_lambda_kb[0].json
}

# ---------------------------------------------------------------------------------------------------------------
# Bedrock agent (agent_mode bedrock-agent / both)
# ---------------------------------------------------------------------------------------------------------------
module "bedrock_agent" {
  source = "./modules/bedrock-agent"
  count  = local.create_bedrock_agent ? 1 : 0

  name_prefix                 = local.name
  agent_role_arn              = module.iam.agent_role_arn
  agent_role_name             = module.iam.agent_role_name
  foundation_model            = local.agent_model_id
  instruction_path            = local.instruction_path
  idle_session_ttl_in_seconds = var.agent_idle_session_ttl_seconds
  kms_key_arn                 = module.kms.s3_key_arn
  enable_guardrail            = var.enable_guardrail
  associate_knowledge_base    = local.create_kb
  knowledge_base_id           = one(module.knowledge_base[*].knowledge_base_id)
  knowledge_base_arn          = one(module.knowledge_base[*].knowledge_base_arn)
  tags                        = local.tags

  action_groups = {
    for name, ag in local.action_groups : name => {
      description   = ag.description
      lambda_arn    = module.lambda[ag.key].function_arn
      function_name = module.lambda[ag.key].function_name
      schema_path   = "${path.root}/openapi/${name}.json"
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Amazon Bedrock AgentCore (agent_mode agentcore, the default)
# ---------------------------------------------------------------------------------------------------------------
module "agentcore" {
  source = "./modules/agentcore"
  count  = local.create_agentcore ? 1 : 0

  name_prefix                = local.name
  kms_key_arn                = module.kms.s3_key_arn
  model_id                   = local.agent_model_id
  model_arns                 = local.model_arns
  instruction_path           = local.instruction_path
  tool_schema_bucket         = module.s3.data_bucket_name
  authorizer_type            = var.agentcore_authorizer_type
  jwt_discovery_url          = var.agentcore_jwt_discovery_url
  jwt_allowed_audience       = var.agentcore_jwt_allowed_audience
  jwt_allowed_clients        = var.agentcore_jwt_allowed_clients
  memory_event_expiry_days   = var.agentcore_memory_event_expiry_days
  enable_knowledge_base_tool = local.create_kb
  knowledge_base_id          = one(module.knowledge_base[*].knowledge_base_id)
  knowledge_base_arn         = one(module.knowledge_base[*].knowledge_base_arn)
  tags                       = local.tags

  # One gateway target per action Lambda; the tool schemas come from the request models
  # (python -m sdga.openapi --write writes agentcore/<target>.json).
  lambda_targets = {
    for key in ["generate", "validate", "metrics"] : key => {
      function_arn     = module.lambda[key].function_arn
      tool_schema_path = "${path.root}/agentcore/${key}.json"
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# HTTP API fallback (agent_mode converse-api / both)
# ---------------------------------------------------------------------------------------------------------------
module "api" {
  source = "./modules/api-gateway"
  count  = local.create_http_api ? 1 : 0

  name_prefix            = local.name
  routes                 = local.api_routes
  authorization_type     = var.api_authorization_type
  api_key_required       = local.api_key_enabled
  jwt_issuer             = var.api_jwt_issuer
  jwt_audience           = var.api_jwt_audience
  throttling_rate_limit  = var.api_throttling_rate_limit
  throttling_burst_limit = var.api_throttling_burst_limit
  cors_allow_origins     = var.api_cors_allow_origins
  logs_kms_key_arn       = module.kms.logs_key_arn
  log_retention_days     = var.log_retention_days
  tags                   = local.tags

  integrations = {
    for key in distinct(values(local.api_routes)) : key => {
      function_name = module.lambda[key].function_name
      invoke_arn    = module.lambda[key].invoke_arn
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------------------------------------------
module "cloudwatch" {
  source = "./modules/cloudwatch"

  name_prefix                       = local.name
  logs_kms_key_arn                  = module.kms.logs_key_arn
  log_retention_days                = var.log_retention_days
  alarm_email_addresses             = var.alarm_email_addresses
  history_table_name                = module.dynamodb.table_name
  data_bucket_name                  = module.s3.data_bucket_name
  data_bucket_size_threshold_bytes  = var.data_bucket_size_alarm_bytes
  metrics_namespace                 = local.metrics_namespace
  metrics_service_name              = local.service_name
  generation_success_rate_threshold = var.generation_success_rate_threshold
  enable_model_invocation_logging   = var.enable_model_invocation_logging
  enable_api_alarms                 = local.create_http_api
  api_id                            = one(module.api[*].api_id)
  tags                              = local.tags

  functions = {
    for key, fn in module.lambda : key => {
      function_name = fn.function_name
      timeout       = fn.timeout
      dlq_name      = fn.dlq_name
    }
  }
}
