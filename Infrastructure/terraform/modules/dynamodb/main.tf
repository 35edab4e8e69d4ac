# Generation history: one item per generation (PK generation_id, SK timestamp in epoch milliseconds), a GSI to list
# generations by status over a time range, TTL so history does not grow forever, PITR, SSE with the DynamoDB CMK.

locals {
  provisioned = var.billing_mode == "PROVISIONED"

  # Autoscaled dimensions: the table and its GSI, for reads and writes.
  scaling = local.provisioned ? {
    table_read  = { resource_id = "table/${var.table_name}", dimension = "dynamodb:table:ReadCapacityUnits", min = var.provisioned_capacity.read_min, max = var.provisioned_capacity.read_max, metric = "DynamoDBReadCapacityUtilization" }
    table_write = { resource_id = "table/${var.table_name}", dimension = "dynamodb:table:WriteCapacityUnits", min = var.provisioned_capacity.write_min, max = var.provisioned_capacity.write_max, metric = "DynamoDBWriteCapacityUtilization" }
    index_read  = { resource_id = "table/${var.table_name}/index/${var.status_index_name}", dimension = "dynamodb:index:ReadCapacityUnits", min = var.provisioned_capacity.read_min, max = var.provisioned_capacity.read_max, metric = "DynamoDBReadCapacityUtilization" }
    index_write = { resource_id = "table/${var.table_name}/index/${var.status_index_name}", dimension = "dynamodb:index:WriteCapacityUnits", min = var.provisioned_capacity.write_min, max = var.provisioned_capacity.write_max, metric = "DynamoDBWriteCapacityUtilization" }
  } : {}
}

resource "aws_dynamodb_table" "generations" {
  name                        = var.table_name
  billing_mode                = var.billing_mode
  hash_key                    = "generation_id"
  range_key                   = "timestamp"
  read_capacity               = local.provisioned ? var.provisioned_capacity.read_min : null
  write_capacity              = local.provisioned ? var.provisioned_capacity.write_min : null
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "generation_id"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "N"
  }

  attribute {
    name = "status"
    type = "S"
  }

  global_secondary_index {
    name            = var.status_index_name
    hash_key        = "status"
    range_key       = "timestamp"
    projection_type = "ALL"
    read_capacity   = local.provisioned ? var.provisioned_capacity.read_min : null
    write_capacity  = local.provisioned ? var.provisioned_capacity.write_min : null
  }

  ttl {
    attribute_name = var.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags

  # Autoscaling owns the capacity once the table exists - of the table and of its index. The index's capacity lives
  # inside the global_secondary_index block, which Terraform cannot ignore attribute by attribute, so the whole block
  # is left alone after creation: otherwise every plan after a scaling event would reset the index to read_min /
  # write_min. Changing the index definition itself therefore takes a deliberate step (see the module README).
  lifecycle {
    ignore_changes = [read_capacity, write_capacity, global_secondary_index]
  }
}

resource "aws_appautoscaling_target" "this" {
  for_each = local.scaling

  service_namespace  = "dynamodb"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.min
  max_capacity       = each.value.max

  depends_on = [aws_dynamodb_table.generations]
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.scaling

  name               = "${var.table_name}-${replace(each.key, "_", "-")}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.autoscaling_target_utilization

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
