# Dependency layers. The function zip holds only the sdga package (a few hundred KB, fast to deploy); third-party
# wheels live in layers so a code change does not re-upload numpy/pyarrow. Two layers by default:
#   runtime    - pydantic, faker, pyyaml, typer, rich, aws-lambda-powertools, ... (changes with the lock file)
#   scientific - numpy and pyarrow (large, changes rarely)
# Alternatively set `managed_layer_arns` to the AWS SDK for pandas managed layer (numpy + pyarrow + pandas,
# maintained and patched by AWS) and build without the scientific layer; see docs/ARCHITECTURE.md.

resource "aws_s3_object" "layer" {
  for_each = var.layer_packages

  bucket      = var.artifact_bucket
  key         = "${var.artifact_prefix}${each.key}-${filesha256(each.value)}.zip"
  source      = each.value
  source_hash = filemd5(each.value)
  kms_key_id  = var.kms_key_arn
}

resource "aws_lambda_layer_version" "this" {
  for_each = var.layer_packages

  layer_name               = "${var.name_prefix}-${each.key}"
  description              = "${each.key} dependencies of synthetic-data-agent"
  s3_bucket                = aws_s3_object.layer[each.key].bucket
  s3_key                   = aws_s3_object.layer[each.key].key
  source_code_hash         = filebase64sha256(each.value)
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]
}
