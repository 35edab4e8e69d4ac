variable "name_prefix" {
  description = "Prefix of the API name, e.g. sdga-dev."
  type        = string
}

variable "integrations" {
  description = "Lambda integrations by key: function name and invoke ARN."
  type = map(object({
    function_name = string
    invoke_arn    = string
  }))
}

variable "routes" {
  description = "Route key (\"METHOD /path\") to integration key."
  type        = map(string)

  validation {
    condition     = alltrue([for rk in keys(var.routes) : can(regex("^(GET|POST|PUT|PATCH|DELETE) /", rk))])
    error_message = "Route keys must look like \"POST /api/v1/...\"."
  }
}

variable "authorization_type" {
  description = "AWS_IAM (SigV4-signed callers), JWT (an OIDC/Cognito issuer) or NONE (only behind another auth layer; the functions still honour SDGA_API_KEY)."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "JWT", "NONE"], var.authorization_type)
    error_message = "authorization_type must be AWS_IAM, JWT or NONE."
  }
}

variable "api_key_required" {
  description = "Whether the functions require the x-api-key header (an API key is configured); authorization_type NONE is refused without it."
  type        = bool
  default     = false
}

variable "jwt_issuer" {
  description = "JWT issuer URL (authorization_type = JWT), e.g. https://cognito-idp.<region>.amazonaws.com/<pool-id>."
  type        = string
  default     = null
}

variable "jwt_audience" {
  description = "Accepted JWT audiences / client IDs (authorization_type = JWT)."
  type        = list(string)
  default     = []
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second across the stage."
  type        = number
  default     = 20

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Burst request capacity across the stage."
  type        = number
  default     = 40

  validation {
    condition     = var.throttling_burst_limit > 0
    error_message = "throttling_burst_limit must be positive."
  }
}

variable "cors_allow_origins" {
  description = "Origins allowed to call the API from a browser (the web UI); empty disables CORS."
  type        = list(string)
  default     = []
}

variable "logs_kms_key_arn" {
  description = "CMK for the access-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the access-log group."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
