# ---------------------------------------------------------------------------------------------------------------
# Identity and placement
# ---------------------------------------------------------------------------------------------------------------
variable "project_name" {
  description = "Short project prefix of every resource name (lowercase; kept short because collection names are limited to 28 characters)."
  type        = string
  default     = "sdga"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}$", var.project_name))
    error_message = "project_name must be 2-12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Deployment environment."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "aws_region" {
  description = "AWS region to deploy into (must offer Bedrock Agents, the chosen model and OpenSearch Serverless)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1."
  }
}

variable "tags" {
  description = "Extra tags merged into the provider's default tags."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------------------
# Agent
# ---------------------------------------------------------------------------------------------------------------
variable "agent_mode" {
  description = "agentcore (default for new deployments): Amazon Bedrock AgentCore - a gateway publishing the three action Lambdas (and the knowledge base) as MCP tools, a harness running the agent with the system prompt from the repository, AgentCore memory. bedrock-agent: the classic Bedrock Agent with action groups (only accounts that already use Bedrock Agents: closed to new customers since 30 July 2026). converse-api: HTTP API + Converse agent Lambda. both: bedrock-agent and converse-api."
  type        = string
  default     = "agentcore"

  validation {
    condition     = contains(["agentcore", "bedrock-agent", "converse-api", "both"], var.agent_mode)
    error_message = "agent_mode must be agentcore, bedrock-agent, converse-api or both."
  }
}

variable "agentcore_authorizer_type" {
  description = "Inbound authorisation of the AgentCore gateway: AWS_IAM (SigV4: the harness and IAM principals) or CUSTOM_JWT (an OIDC issuer, for MCP clients outside AWS)."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "CUSTOM_JWT"], var.agentcore_authorizer_type)
    error_message = "agentcore_authorizer_type must be AWS_IAM or CUSTOM_JWT."
  }
}

variable "agentcore_jwt_discovery_url" {
  description = "OpenID Connect discovery URL of the issuer when agentcore_authorizer_type is CUSTOM_JWT."
  type        = string
  default     = null
}

variable "agentcore_jwt_allowed_audience" {
  description = "Accepted JWT audiences when agentcore_authorizer_type is CUSTOM_JWT."
  type        = list(string)
  default     = []
}

variable "agentcore_jwt_allowed_clients" {
  description = "Accepted JWT client IDs when agentcore_authorizer_type is CUSTOM_JWT."
  type        = list(string)
  default     = []
}

variable "agentcore_memory_event_expiry_days" {
  description = "Days AgentCore memory keeps raw conversation events (7-365)."
  type        = number
  default     = 30

  validation {
    condition     = var.agentcore_memory_event_expiry_days >= 7 && var.agentcore_memory_event_expiry_days <= 365
    error_message = "agentcore_memory_event_expiry_days must be between 7 and 365."
  }
}

variable "foundation_model" {
  description = "Base model ID of the agent. The seed's anthropic.claude-3-sonnet-20240229-v1:0 is retired on Bedrock; check a replacement with `aws bedrock get-foundation-model --model-identifier <id>` (modelLifecycle.status ACTIVE)."
  type        = string
  default     = "anthropic.claude-sonnet-4-5-20250929-v1:0"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[a-zA-Z0-9.:_-]+$", var.foundation_model))
    error_message = "foundation_model must be a Bedrock model ID such as anthropic.claude-sonnet-4-5-20250929-v1:0."
  }
}

variable "inference_profile_prefix" {
  description = "Cross-region inference profile prefix (us, eu, apac, global). Current Claude models are only invocable on demand through an inference profile; set \"\" to invoke the base model ID directly."
  type        = string
  default     = "us"

  validation {
    condition     = contains(["", "us", "eu", "apac", "global", "us-gov"], var.inference_profile_prefix)
    error_message = "inference_profile_prefix must be one of \"\", us, eu, apac, global, us-gov."
  }
}

variable "agent_instruction_path" {
  description = "Path (relative to this directory, or absolute) of the agent instruction text."
  type        = string
  default     = "../../src/sdga/agent/instruction.md"
}

variable "agent_idle_session_ttl_seconds" {
  description = "Seconds of inactivity after which the Bedrock agent forgets a session."
  type        = number
  default     = 900

  validation {
    condition     = var.agent_idle_session_ttl_seconds >= 60 && var.agent_idle_session_ttl_seconds <= 3600
    error_message = "agent_idle_session_ttl_seconds must be between 60 and 3600 (Bedrock's idle session TTL range)."
  }
}

variable "enable_guardrail" {
  description = "Attach a Bedrock guardrail (content, prompt-attack and real-personal-data filters) to the agent."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------------------
# Knowledge base
# ---------------------------------------------------------------------------------------------------------------
variable "enable_knowledge_base" {
  description = "Create the OpenSearch Serverless collection and the Bedrock knowledge base (about $350-700/month). When false, the functions use the knowledge base bundled in the package (SDGA_KB_BACKEND=local)."
  type        = bool
  default     = true
}

variable "opensearch_standby_replicas" {
  description = "ENABLED (multi-AZ, production) or DISABLED (half the minimum OCUs, dev)."
  type        = string
  default     = "ENABLED"

  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.opensearch_standby_replicas)
    error_message = "opensearch_standby_replicas must be ENABLED or DISABLED."
  }
}

variable "opensearch_public_network_access" {
  description = "Expose the collection endpoint publicly (still IAM-authenticated). false: only Bedrock and opensearch_vpc_endpoint_ids reach it, so Terraform must run where one of those endpoints is (it creates the vector index over HTTPS)."
  type        = bool
  default     = true
}

variable "opensearch_vpc_endpoint_ids" {
  description = "OpenSearch Serverless VPC endpoint IDs (vpce-...) that may reach the vector collection when opensearch_public_network_access = false: at least the one of the VPC the Terraform runner applies from (aws opensearchserverless create-vpc-endpoint). Bedrock needs none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.opensearch_vpc_endpoint_ids : can(regex("^vpce-[0-9a-f]+$", id))])
    error_message = "opensearch_vpc_endpoint_ids must be OpenSearch Serverless VPC endpoint IDs such as vpce-050f79086ee71ac05."
  }
}

variable "opensearch_terraform_principal_arns" {
  description = "IAM role ARNs that run terraform plan/apply for this environment (the deploy role and the read-only CI plan role). They get data access to the vector collection because Terraform creates and reads the vector index; required when enable_knowledge_base is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.opensearch_terraform_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "opensearch_terraform_principal_arns must be IAM role or user ARNs (arn:aws:iam::<account>:role/<name>), not STS session ARNs."
  }
}

variable "opensearch_additional_principal_arns" {
  description = "Extra IAM role ARNs (e.g. operators) with data access to the vector collection."
  type        = list(string)
  default     = []
}

variable "embedding_model_id" {
  description = "Embedding model of the knowledge base. Titan Embed Text v1 (1536 dimensions) per the specification; amazon.titan-embed-text-v2:0 (256/512/1024) and the Cohere v3 models (1024) are also known. embedding_dimension must be a size the model produces (checked at plan time)."
  type        = string
  default     = "amazon.titan-embed-text-v1"
}

variable "embedding_dimension" {
  description = "Vector dimension of the embedding model (1536 for Titan Embed Text v1, 1024 for v2)."
  type        = number
  default     = 1536

  validation {
    condition     = contains([256, 512, 1024, 1536], var.embedding_dimension)
    error_message = "embedding_dimension must be 256, 512, 1024 or 1536."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------------------------------
variable "generated_data_expiration_days" {
  description = "Days generated data sets are kept in S3."
  type        = number
  default     = 30

  validation {
    condition     = var.generated_data_expiration_days >= 1
    error_message = "generated_data_expiration_days must be at least 1."
  }
}

variable "s3_force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets (dev only)."
  type        = bool
  default     = false
}

variable "history_table_name" {
  description = "Base name of the generation-history table; the environment is appended."
  type        = string
  default     = "synthetic-data-generations"
}

variable "history_ttl_days" {
  description = "Days a generation-history item lives before DynamoDB TTL deletes it (SDGA_HISTORY_TTL_DAYS)."
  type        = number
  default     = 90

  validation {
    condition     = var.history_ttl_days >= 1 && var.history_ttl_days <= 3650
    error_message = "history_ttl_days must be between 1 and 3650."
  }
}

variable "dynamodb_billing_mode" {
  description = "PAY_PER_REQUEST (on-demand) or PROVISIONED with autoscaling."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.dynamodb_billing_mode)
    error_message = "dynamodb_billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "dynamodb_provisioned_capacity" {
  description = "Autoscaling bounds when dynamodb_billing_mode is PROVISIONED."
  type = object({
    read_min  = number
    read_max  = number
    write_min = number
    write_max = number
  })
  default = {
    read_min  = 5
    read_max  = 100
    write_min = 5
    write_max = 100
  }

  validation {
    condition     = var.dynamodb_provisioned_capacity.read_min >= 1 && var.dynamodb_provisioned_capacity.write_min >= 1 && var.dynamodb_provisioned_capacity.read_min <= var.dynamodb_provisioned_capacity.read_max && var.dynamodb_provisioned_capacity.write_min <= var.dynamodb_provisioned_capacity.write_max
    error_message = "dynamodb_provisioned_capacity needs minimums of at least 1 and each minimum at most its maximum."
  }
}

variable "dynamodb_deletion_protection" {
  description = "Protect the history table against deletion."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------------------------
variable "lambda_image_tag" {
  description = "Tag of the pushed Lambda image; build-lambda.sh derives it from the content (lock, Dockerfile, code, architecture). Required to plan."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.lambda_image_tag))
    error_message = "lambda_image_tag must be a valid Docker tag."
  }
}

variable "lambda_architecture" {
  description = "Lambda architecture; the image is built for it (build-lambda.sh --arch)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency per function key (generate, validate, metrics, agent); -1 = unreserved."
  type        = map(number)
  default = {
    generate = 5
    validate = 5
    metrics  = 5
    agent    = 5
  }

  validation {
    condition     = alltrue([for k, v in var.lambda_reserved_concurrency : contains(["generate", "validate", "metrics", "agent"], k) && v >= -1])
    error_message = "Keys must be generate, validate, metrics or agent and values >= -1."
  }
}

variable "lambda_log_level" {
  description = "Log level of the functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.lambda_log_level)
    error_message = "lambda_log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "generate_ephemeral_storage_mb" {
  description = "/tmp size of the generate function, which stages output files before upload."
  type        = number
  default     = 2048

  validation {
    condition     = var.generate_ephemeral_storage_mb >= 512 && var.generate_ephemeral_storage_mb <= 10240
    error_message = "generate_ephemeral_storage_mb must be between 512 and 10240."
  }
}

variable "api_key" {
  description = "Optional shared key the functions require in the x-api-key header of HTTP requests. Stored as an SSM SecureString (/<project>/<env>/api-key, data key) that the functions read at cold start; never a plain environment variable. Pass it with TF_VAR_api_key, never commit it."
  type        = string
  default     = null
  sensitive   = true
}

# ---------------------------------------------------------------------------------------------------------------
# Observability
# ---------------------------------------------------------------------------------------------------------------
variable "log_retention_days" {
  description = "Retention of every log group. A year by default (audit trail for SOC2/PCI-style reviews); dev overrides it."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "alarm_email_addresses" {
  description = "E-mail addresses notified by the alarm topic."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "alarm_email_addresses must be e-mail addresses."
  }
}

variable "data_bucket_size_alarm_bytes" {
  description = "Alarm threshold for the generated-data bucket size in bytes."
  type        = number
  default     = 107374182400
}

variable "generation_success_rate_threshold" {
  description = "Alarm when the generation success rate over 15 minutes drops below this percentage."
  type        = number
  default     = 95

  validation {
    condition     = var.generation_success_rate_threshold > 0 && var.generation_success_rate_threshold <= 100
    error_message = "generation_success_rate_threshold is a percentage: more than 0, at most 100."
  }
}

variable "enable_model_invocation_logging" {
  description = "Enable Bedrock model-invocation logging (account-and-region-wide: one stack per account)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------------------------
# Network and API
# ---------------------------------------------------------------------------------------------------------------
variable "enable_vpc" {
  description = "Run the functions in private subnets with NAT and VPC endpoints (needed to reach private RDS test databases)."
  type        = bool
  default     = false
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"

  # Public subnets are /(prefix+8) and private ones /(prefix+4): a prefix beyond /20 leaves public subnets smaller
  # than the /28 AWS accepts.
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20, false)
    error_message = "vpc_cidr must be an IPv4 CIDR block from /16 to /20, such as 10.40.0.0/16."
  }
}

variable "vpc_az_count" {
  description = "Number of availability zones for the private subnets (2-3)."
  type        = number
  default     = 2

  validation {
    condition     = var.vpc_az_count >= 2 && var.vpc_az_count <= 3
    error_message = "vpc_az_count must be 2 or 3."
  }
}

variable "vpc_single_nat_gateway" {
  description = "One shared NAT gateway instead of one per AZ."
  type        = bool
  default     = false
}

variable "api_authorization_type" {
  description = "Authorization of the HTTP API routes: AWS_IAM, JWT or NONE."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "JWT", "NONE"], var.api_authorization_type)
    error_message = "api_authorization_type must be AWS_IAM, JWT or NONE."
  }
}

variable "api_jwt_issuer" {
  description = "JWT issuer URL when api_authorization_type is JWT."
  type        = string
  default     = null
}

variable "api_jwt_audience" {
  description = "Accepted JWT audiences when api_authorization_type is JWT."
  type        = list(string)
  default     = []
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second of the HTTP API."
  type        = number
  default     = 20

  validation {
    condition     = var.api_throttling_rate_limit > 0
    error_message = "api_throttling_rate_limit must be more than 0 requests per second (0 would reject every request with 429)."
  }
}

variable "api_throttling_burst_limit" {
  description = "Burst capacity of the HTTP API."
  type        = number
  default     = 40

  validation {
    condition     = var.api_throttling_burst_limit > 0
    error_message = "api_throttling_burst_limit must be more than 0 (0 would reject every request with 429)."
  }
}

variable "api_cors_allow_origins" {
  description = "Browser origins allowed to call the HTTP API."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------------------------------------------------------
# EMR Serverless (large generations)
# ---------------------------------------------------------------------------------------------------------------
variable "enable_emr_serverless" {
  description = "Create the EMR Serverless Spark application the generate action hands requests above emr_row_threshold rows to (on in prod)."
  type        = bool
  default     = false
}

variable "emr_release_label" {
  description = "EMR release of the Spark application. The job uses Spark 4's Python Data Source API: pick a release with Spark >= 4.0 (aws emr-serverless list-releases)."
  type        = string
  default     = "emr-7.12.0"

  validation {
    condition     = can(regex("^emr-[0-9]+\\.[0-9]+\\.[0-9]+$", var.emr_release_label))
    error_message = "emr_release_label must look like emr-7.12.0."
  }
}

variable "emr_architecture" {
  description = "Worker architecture of the application (ARM64 or X86_64); build-emr-env.sh builds the Python environment for it."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.emr_architecture)
    error_message = "emr_architecture must be ARM64 or X86_64."
  }
}

variable "emr_row_threshold" {
  description = "Requests with more rows than this run as an EMR Serverless job instead of in the Lambda (SDGA_EMR_ROW_THRESHOLD)."
  type        = number
  default     = 20000000

  validation {
    condition     = var.emr_row_threshold >= 1
    error_message = "emr_row_threshold must be at least 1."
  }
}

variable "emr_python_archive_key" {
  description = "Key, in the data bucket, of the job's Python environment archive (sdga and its locked dependencies; build-emr-env.sh uploads it)."
  type        = string
  default     = "artifacts/emr/sdga-python-env.tar.gz"

  validation {
    condition     = startswith(var.emr_python_archive_key, "artifacts/emr/") && endswith(var.emr_python_archive_key, ".tar.gz")
    error_message = "emr_python_archive_key must be a .tar.gz under artifacts/emr/ (the job role may read only there)."
  }
}

variable "emr_entrypoint_key" {
  description = "Key, in the data bucket, of the job's entry-point script (SDGA_EMR_ENTRYPOINT)."
  type        = string
  default     = "artifacts/emr/sdga_emr_job.py"

  validation {
    condition     = startswith(var.emr_entrypoint_key, "artifacts/emr/") && endswith(var.emr_entrypoint_key, ".py")
    error_message = "emr_entrypoint_key must be a .py under artifacts/emr/."
  }
}

variable "emr_image_uri" {
  description = "Optional custom EMR Serverless image (ECR URI) providing the Python version the archive is built for (3.12)."
  type        = string
  default     = null
}
