variable "name_prefix" {
  description = "Prefix of the layer names, e.g. sdga-dev."
  type        = string
}

variable "layer_packages" {
  description = "Layer zips built by build-lambda.sh, keyed by layer name (e.g. runtime, scientific). Uploaded through S3 because dependency layers exceed the 50 MB direct-upload limit."
  type        = map(string)
  default     = {}
}

variable "managed_layer_arns" {
  description = "Extra published layer ARNs to attach, e.g. the AWS SDK for pandas managed layer that already carries numpy and pyarrow."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.managed_layer_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", arn))])
    error_message = "managed_layer_arns must be layer version ARNs (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "artifact_bucket" {
  description = "Bucket the layer zips are uploaded to (the generated-data bucket, under artifact_prefix)."
  type        = string
}

variable "artifact_prefix" {
  description = "Key prefix for the uploaded layer zips."
  type        = string
  default     = "artifacts/lambda-layers/"
}

variable "kms_key_arn" {
  description = "CMK used to encrypt the uploaded layer zips."
  type        = string
}

variable "runtime" {
  description = "Runtime the layers are built for."
  type        = string
  default     = "python3.12"
}

variable "architecture" {
  description = "Architecture the layers are built for (x86_64 or arm64)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}
