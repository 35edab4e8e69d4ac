output "alarm_topic_arn" {
  description = "ARN of the KMS-encrypted alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "bedrock_invocation_log_group_name" {
  description = "Log group for Bedrock model-invocation logs."
  value       = aws_cloudwatch_log_group.bedrock_invocations.name
}

output "alarm_names" {
  description = "Names of every alarm this module creates."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.lambda_errors : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_duration : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_throttles : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.dlq_messages : a.alarm_name],
    [
      aws_cloudwatch_metric_alarm.dynamodb_throttles.alarm_name,
      aws_cloudwatch_metric_alarm.data_bucket_size.alarm_name,
      aws_cloudwatch_metric_alarm.generation_success_rate.alarm_name,
      aws_cloudwatch_metric_alarm.schema_validation_failures.alarm_name,
      aws_cloudwatch_metric_alarm.compliance_violations.alarm_name,
      aws_cloudwatch_metric_alarm.validity_score.alarm_name,
    ],
    [for a in aws_cloudwatch_metric_alarm.api_5xx : a.alarm_name],
  )
}
