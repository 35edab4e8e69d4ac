# Remote state in S3 with DynamoDB state locking. The values differ per environment and live in
# backends/<env>.s3.tfbackend; `scripts/init.sh <env>` passes the right file:
#   terraform init -backend-config=backends/dev.s3.tfbackend
# The state bucket and lock table are bootstrapped once per account (see docs/DEPLOYMENT.md).
terraform {
  backend "s3" {}
}
