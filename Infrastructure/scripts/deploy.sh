#!/usr/bin/env bash
# Deploy one environment end to end:
#   deploy.sh <dev|staging|prod> [--auto-approve] [--skip-build] [--skip-kb]
# 1. build the container image for the environment's architecture (tag = hash of its content)
# 2. terraform init with the environment's backend
# 3. create the ECR repository, push the image unless that tag is already there
# 4. terraform plan + apply (the plan is shown; apply asks unless --auto-approve)
# 5. knowledge base: upload the documents and start ingestion
# prod additionally needs SDGA_CONFIRM_PROD=prod or typing "prod" at the prompt.
# SDGA_BUILD_DIR overrides where the image tag and the saved plan are read/written (with --skip-build).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
AUTO_APPROVE=0
BUILD=1
KB=1
while [ $# -gt 0 ]; do
  case "$1" in
    --auto-approve) AUTO_APPROVE=1 ;;
    --skip-build) BUILD=0 ;;
    --skip-kb) KB=0 ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done

confirm_prod "$ENV" deploy
require_cmd "$TERRAFORM" aws python3

# Images are platform-specific: build for the architecture the functions run on.
ARCH="$(lambda_arch "$ENV")"
BUILD_DIR="${SDGA_BUILD_DIR:-${REPO_ROOT}/Infrastructure/build}"
TF_VARS=(-var-file="environments/${ENV}.tfvars")

if [ "$BUILD" = 1 ]; then
  require_cmd docker
  "${SCRIPTS_DIR}/build-lambda.sh" --arch "$ARCH" --out "$BUILD_DIR"
fi

"${SCRIPTS_DIR}/init.sh" "$ENV"

[ -s "${BUILD_DIR}/image-tag" ] || die "no ${BUILD_DIR}/image-tag: build with build-lambda.sh"
TAG="$(cat "${BUILD_DIR}/image-tag")"
{
  log "ECR repository"
  tf apply -input=false -auto-approve "${TF_VARS[@]}" -target=module.kms -target=module.ecr
  REPO_URL="$(tf output -raw ecr_repository_url)"
  REGISTRY="${REPO_URL%%/*}"
  REGION="$(printf '%s' "$REGISTRY" | cut -d. -f4)"
  if aws ecr describe-images --region "$REGION" --repository-name "${REPO_URL#*/}" --image-ids imageTag="$TAG" >/dev/null 2>&1; then
    log "image ${TAG} already pushed"
  else
    log "push ${REPO_URL}:${TAG}"
    aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY"
    docker tag "sdga-lambda:${TAG}" "${REPO_URL}:${TAG}"
    docker push "${REPO_URL}:${TAG}"
  fi
  TF_VARS+=(-var "lambda_image_tag=${TAG}")
}

PLAN="${BUILD_DIR}/${ENV}.tfplan"
log "terraform plan (${ENV})"
tf plan -input=false "${TF_VARS[@]}" -out="$PLAN"
if [ "$AUTO_APPROVE" != 1 ]; then
  [ -t 0 ] || die "not a terminal: re-run with --auto-approve to apply the saved plan ${PLAN}"
  printf 'Apply this plan to %s? [y/N] ' "$ENV" >&2
  read -r reply || true
  case "$reply" in y | Y | yes) ;; *) die "aborted" ;; esac
fi
log "terraform apply (${ENV})"
tf apply -input=false "$PLAN"

if [ "$KB" = 1 ] && [ -n "$(tf output -raw knowledge_base_id 2>/dev/null || true)" ]; then
  "${SCRIPTS_DIR}/upload-knowledge-base.sh" "$ENV"
fi

log "outputs"
tf output
