#!/usr/bin/env bash
# Destroy one environment.
#   destroy.sh <dev|staging|prod> [--auto-approve]
# prod needs SDGA_CONFIRM_PROD=prod or typing "prod" at the prompt; the history table's deletion protection
# (dynamodb_deletion_protection) and non-empty buckets (s3_force_destroy = false) still stop a prod destroy until
# they are switched off deliberately.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
AUTO_APPROVE=()
while [ $# -gt 0 ]; do
  case "$1" in
    --auto-approve) AUTO_APPROVE=(-auto-approve) ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done

confirm_prod "$ENV" destroy
require_cmd "$TERRAFORM"

"${SCRIPTS_DIR}/init.sh" "$ENV"
TF_VARS=(-var-file="environments/${ENV}.tfvars")
# Destroy builds nothing, but the configuration must evaluate: the last image tag, or any valid tag.
TAG="destroy"
if [ -s "${REPO_ROOT}/Infrastructure/build/image-tag" ]; then
  TAG="$(cat "${REPO_ROOT}/Infrastructure/build/image-tag")"
fi
TF_VARS+=(-var "lambda_image_tag=${TAG}")
log "terraform destroy (${ENV})"
tf destroy -input=false "${TF_VARS[@]}" "${AUTO_APPROVE[@]}"
