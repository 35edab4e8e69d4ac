#!/usr/bin/env bash
# Plan one environment and save the plan to Infrastructure/build/<env>.tfplan.
#   plan.sh <dev|staging|prod> [extra terraform plan args, e.g. -var lambda_image_tag=abc]
# The plan needs the image tag: the one in <build>/image-tag (written by build-lambda.sh; --no-docker computes only
# the tag) unless -var lambda_image_tag=<tag> is given. SDGA_BUILD_DIR overrides where the tag is read and the plan
# is written.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
require_cmd "$TERRAFORM"

BUILD_DIR="${SDGA_BUILD_DIR:-${REPO_ROOT}/Infrastructure/build}"
TF_VARS=(-var-file="environments/${ENV}.tfvars")
# Without a tag every function's image_uri is null and the plan stops at the lambda module's precondition.
if [[ " $* " != *"lambda_image_tag="* ]]; then
  [ -s "${BUILD_DIR}/image-tag" ] \
    || die "${ENV} deploys a container image: run build-lambda.sh --image auto (--no-docker computes only the tag) or pass -var lambda_image_tag=<tag>"
  TAG="$(cat "${BUILD_DIR}/image-tag")"
  log "image tag ${TAG} (${BUILD_DIR}/image-tag)"
  TF_VARS+=(-var "lambda_image_tag=${TAG}")
fi

"${SCRIPTS_DIR}/init.sh" "$ENV" >/dev/null
mkdir -p "$BUILD_DIR"
log "terraform plan (${ENV})"
tf plan -input=false "${TF_VARS[@]}" "$@" -out="${BUILD_DIR}/${ENV}.tfplan"
