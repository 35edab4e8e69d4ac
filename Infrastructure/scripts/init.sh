#!/usr/bin/env bash
# Initialise Terraform for one environment: remote S3 state with DynamoDB locking from backends/<env>.s3.tfbackend,
# in the state bucket of the account the credentials belong to (bootstrap-backend.sh creates it; SDGA_STATE_BUCKET
# overrides the name).
#   init.sh <dev|staging|prod> [extra terraform init args, e.g. -upgrade]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
require_cmd "$TERRAFORM"

BUCKET="$(state_bucket "$(backend_region "$ENV")")"
log "terraform init (${ENV}, state in s3://${BUCKET})"
tf init -input=false -reconfigure -backend-config="backends/${ENV}.s3.tfbackend" -backend-config="bucket=${BUCKET}" "$@"
