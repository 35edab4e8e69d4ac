#!/usr/bin/env bash
# Create the Terraform state backend of one account and region, once, before the first init:
#   bootstrap-backend.sh [--region us-east-1]
# - S3 bucket sdga-terraform-state-<account>-<region> (or $SDGA_STATE_BUCKET): versioned, SSE-KMS with a bucket key,
#   public access blocked, bucket-owner-enforced, TLS-only policy, old state versions expire after 90 days;
# - DynamoDB lock table sdga-terraform-locks (on demand, encrypted, point-in-time recovery).
# Every step checks first and skips what exists, so it is safe to run again. init.sh derives the same bucket name
# from the caller's account (backends/<env>.s3.tfbackend hold everything else), so nothing account-specific is
# committed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REGION="$(backend_region dev)"
while [ $# -gt 0 ]; do
  case "$1" in
    --region) REGION="${2:?--region needs a region}"; shift ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done
require_cmd aws

BUCKET="$(state_bucket "$REGION")"
TABLE="$(backend_setting dev dynamodb_table)"
log "state bucket ${BUCKET}, lock table ${TABLE} (${REGION})"

if aws s3api head-bucket --bucket "$BUCKET" --region "$REGION" >/dev/null 2>&1; then
  log "bucket ${BUCKET} exists"
else
  if [ "$REGION" = us-east-1 ]; then
    aws s3api create-bucket --bucket "$BUCKET" --region "$REGION" >/dev/null
  else
    aws s3api create-bucket --bucket "$BUCKET" --region "$REGION" \
      --create-bucket-configuration "LocationConstraint=${REGION}" >/dev/null
  fi
  log "created bucket ${BUCKET}"
fi
aws s3api put-public-access-block --bucket "$BUCKET" --region "$REGION" --public-access-block-configuration \
  BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
aws s3api put-bucket-ownership-controls --bucket "$BUCKET" --region "$REGION" \
  --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'
aws s3api put-bucket-versioning --bucket "$BUCKET" --region "$REGION" --versioning-configuration Status=Enabled
aws s3api put-bucket-encryption --bucket "$BUCKET" --region "$REGION" --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}'
aws s3api put-bucket-lifecycle-configuration --bucket "$BUCKET" --region "$REGION" --lifecycle-configuration \
  '{"Rules":[{"ID":"old-state-versions","Status":"Enabled","Filter":{},"NoncurrentVersionExpiration":{"NoncurrentDays":90},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}}]}'
aws s3api put-bucket-policy --bucket "$BUCKET" --region "$REGION" --policy \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::${BUCKET}\",\"arn:aws:s3:::${BUCKET}/*\"],\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"

if aws dynamodb describe-table --table-name "$TABLE" --region "$REGION" >/dev/null 2>&1; then
  log "lock table ${TABLE} exists"
else
  aws dynamodb create-table --table-name "$TABLE" --region "$REGION" --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH \
    --sse-specification Enabled=true >/dev/null
  aws dynamodb wait table-exists --table-name "$TABLE" --region "$REGION"
  log "created lock table ${TABLE}"
fi
aws dynamodb update-continuous-backups --table-name "$TABLE" --region "$REGION" \
  --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true >/dev/null
log "backend ready: init.sh <env> now uses s3://${BUCKET}"
