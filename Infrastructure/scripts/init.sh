#!/usr/bin/env bash
# Initialise Terraform for one environment: remote S3 state with DynamoDB locking from backends/<env>.s3.tfbackend.
#   init.sh <dev|staging|prod> [extra terraform init args, e.g. -upgrade]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
require_cmd "$TERRAFORM"

log "terraform init (${ENV})"
tf init -input=false -reconfigure -backend-config="backends/${ENV}.s3.tfbackend" "$@"
