output "application_id" {
  description = "EMR Serverless application ID (SDGA_EMR_APPLICATION_ID)."
  value       = aws_emrserverless_application.this.id
}

output "application_arn" {
  description = "ARN of the application (the generate Lambda may start and read job runs on it)."
  value       = aws_emrserverless_application.this.arn
}

output "job_role_arn" {
  description = "Execution role of the job runs (SDGA_EMR_JOB_ROLE_ARN; the generate Lambda may pass it)."
  value       = aws_iam_role.job.arn
  depends_on  = [aws_iam_role_policy.job]
}

output "log_group_name" {
  description = "CloudWatch log group of the job runs."
  value       = aws_cloudwatch_log_group.jobs.name
}
