#!/usr/bin/env bash
# Plan one environment and save the plan to Infrastructure/build/<env>.tfplan.
#   plan.sh <dev|staging|prod> [extra terraform plan args, e.g. -var lambda_image_tag=abc]
# Builds the Lambda artefacts first (the plan hashes the function zip).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
require_cmd "$TERRAFORM"

"${SCRIPTS_DIR}/build-lambda.sh" >/dev/null
"${SCRIPTS_DIR}/init.sh" "$ENV" >/dev/null
mkdir -p "${REPO_ROOT}/Infrastructure/build"
log "terraform plan (${ENV})"
tf plan -input=false -var-file="environments/${ENV}.tfvars" -out="${REPO_ROOT}/Infrastructure/build/${ENV}.tfplan" "$@"
