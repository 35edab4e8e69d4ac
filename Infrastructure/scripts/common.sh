#!/usr/bin/env bash
# Shared helpers for the deployment scripts (sourced, not executed).
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPTS_DIR}/../.." && pwd)"
TF_DIR="${REPO_ROOT}/Infrastructure/terraform"
TERRAFORM="${TERRAFORM:-terraform}"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The one positional argument every script takes: dev, staging or prod.
require_env() {
  local env="${1:-}"
  case "$env" in
    dev | staging | prod) ;;
    "") die "missing environment: use dev, staging or prod" ;;
    *) die "unknown environment '${env}': use dev, staging or prod" ;;
  esac
  [ -f "${TF_DIR}/environments/${env}.tfvars" ] || die "no ${TF_DIR}/environments/${env}.tfvars"
  [ -f "${TF_DIR}/backends/${env}.s3.tfbackend" ] || die "no ${TF_DIR}/backends/${env}.s3.tfbackend"
}

# Changing prod needs an explicit confirmation: SDGA_CONFIRM_PROD=prod (CI, after the approval gate) or typing
# "prod" at an interactive prompt. Anything else, including a closed stdin, refuses.
confirm_prod() {
  local env="$1" action="$2"
  [ "$env" = prod ] || return 0
  if [ "${SDGA_CONFIRM_PROD:-}" = prod ]; then
    log "prod ${action} confirmed by SDGA_CONFIRM_PROD"
    return 0
  fi
  if [ -t 0 ]; then
    local answer=""
    printf 'About to %s PRODUCTION. Type "prod" to continue: ' "$action" >&2
    read -r answer || true
    [ "$answer" = prod ] && return 0
  fi
  die "refusing to ${action} prod without confirmation (type 'prod' at the prompt or set SDGA_CONFIRM_PROD=prod)"
}

require_cmd() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'${cmd}' is required but not on PATH"
  done
}

tf() { "$TERRAFORM" -chdir="$TF_DIR" "$@"; }

# A scalar setting from an environment's tfvars (e.g. lambda_architecture); empty when not set there.
tfvar() {
  local env="$1" name="$2"
  sed -n "s/^[[:space:]]*${name}[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"#]*\)\"\{0,1\}.*$/\1/p" \
    "${TF_DIR}/environments/${env}.tfvars" | head -n 1 | sed 's/[[:space:]]*$//'
}

# The architecture an environment's functions run on: its lambda_architecture, else the variable's default (x86_64).
# Images are platform-specific and the architecture is part of the image tag, so every build (deploy, and the CI plan
# that computes the tag) must use this.
lambda_arch() {
  local arch
  arch="$(tfvar "$1" lambda_architecture)"
  printf '%s\n' "${arch:-x86_64}"
}

# A setting of an environment's backend file (region, dynamodb_table, ...).
backend_setting() {
  local env="$1" name="$2"
  sed -n "s/^[[:space:]]*${name}[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"#]*\)\"\{0,1\}.*$/\1/p" \
    "${TF_DIR}/backends/${env}.s3.tfbackend" | head -n 1 | sed 's/[[:space:]]*$//'
}

backend_region() { backend_setting "$1" region; }

# The state bucket of the account the caller is in: $SDGA_STATE_BUCKET, else sdga-terraform-state-<account>-<region>
# (what bootstrap-backend.sh creates). Nothing account-specific is committed.
state_bucket() {
  local region="$1" account
  if [ -n "${SDGA_STATE_BUCKET:-}" ]; then
    printf '%s\n' "$SDGA_STATE_BUCKET"
    return 0
  fi
  require_cmd aws
  account="$(aws sts get-caller-identity --query Account --output text)" || die "cannot read the AWS account (aws sts get-caller-identity); set credentials or SDGA_STATE_BUCKET"
  [[ "$account" =~ ^[0-9]{12}$ ]] || die "unexpected account id '${account}' from aws sts get-caller-identity"
  printf 'sdga-terraform-state-%s-%s\n' "$account" "$region"
}
