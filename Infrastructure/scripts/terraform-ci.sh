#!/usr/bin/env bash
# Terraform itself on the configuration, as CI runs it:
#   terraform-ci.sh            fmt -check, init -backend=false + validate of the root and of every module, and
#                              `terraform test` (mock providers, plan-level assertions) once per environment's tfvars
# Where registry.terraform.io is reachable it runs on the real tree. On an offline machine it uses the filesystem
# mirror of hashicorp/aws 5.100.0 (a directory named tf-plugins, found under / or given as SDGA_TF_PLUGIN_MIRROR)
# and runs on a copy written by terraform_offline.py, whose shims it prints: the aws constraint admits 5.100, the
# opensearch/time resources and the AWS types newer than 5.100 (AgentCore) become terraform_data stand-ins, and
# data.aws_region.*.region reads .name. The real constraints stay in the code; the arguments of the stand-ins are
# checked against the 6.x schema by tests/infra/test_infra_provider_schema.py.
# Without terraform on PATH it says so and exits 0 (the static tests in tests/infra still run).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if ! command -v "$TERRAFORM" >/dev/null 2>&1; then
  log "skipped: terraform is not on PATH, so fmt/validate/test of the Terraform code did not run"
  exit 0
fi
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sdga-tf.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ENVIRONMENTS=(dev staging prod)

MIRROR="${SDGA_TF_PLUGIN_MIRROR:-}"
if [ -z "$MIRROR" ]; then
  MIRROR="$(find / -maxdepth 3 -type d -name tf-plugins 2>/dev/null | head -n 1 || true)"
fi
# One provider download (or copy out of the mirror) for every init below; the modules then link to it.
mkdir -p "${WORK}/plugin-cache"
if [ -n "$MIRROR" ] && [ -d "${MIRROR}/registry.terraform.io/hashicorp/aws" ]; then
  log "offline: hashicorp/aws from the filesystem mirror ${MIRROR}"
  cat >"${WORK}/terraformrc" <<EOF
plugin_cache_dir = "${WORK}/plugin-cache"
provider_installation {
  filesystem_mirror {
    path    = "${MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
  export TF_CLI_CONFIG_FILE="${WORK}/terraformrc"
  # The schema of what the mirror offers decides which resources need a stand-in.
  mkdir -p "${WORK}/probe"
  cat >"${WORK}/probe/main.tf" <<'EOF'
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
EOF
  "$TERRAFORM" -chdir="${WORK}/probe" init -backend=false -input=false >/dev/null
  "$TERRAFORM" -chdir="${WORK}/probe" providers schema -json >"${WORK}/mirror-schema.json"
  log "shims applied to the copy (the code keeps its real constraints)"
  "$PYTHON" "${SCRIPTS_DIR}/terraform_offline.py" prepare --dest "${WORK}/copy" --schema "${WORK}/mirror-schema.json"
  ROOT="${WORK}/copy/Infrastructure/terraform"
else
  log "no provider mirror: providers come from the registry"
  cat >"${WORK}/terraformrc" <<EOF
plugin_cache_dir = "${WORK}/plugin-cache"
EOF
  export TF_CLI_CONFIG_FILE="${WORK}/terraformrc"
  mkdir -p "${WORK}/copy/Infrastructure"
  cp -R "$TF_DIR" "${WORK}/copy/Infrastructure/terraform"
  rm -rf "${WORK}/copy/Infrastructure/terraform/.terraform"
  ln -s "${REPO_ROOT}/src" "${WORK}/copy/src"
  ROOT="${WORK}/copy/Infrastructure/terraform"
fi

log "terraform fmt -check -recursive"
"$TERRAFORM" -chdir="$TF_DIR" fmt -check -recursive -diff

for dir in "$ROOT" "$ROOT"/modules/*/; do
  dir="${dir%/}"
  log "terraform init -backend=false && validate: ${dir#"${ROOT}"/}"
  "$TERRAFORM" -chdir="$dir" init -backend=false -input=false >/dev/null
  "$TERRAFORM" -chdir="$dir" validate -no-color
done

log "terraform test (mock providers): single modules"
"$TERRAFORM" -chdir="$ROOT" test -no-color -filter=tests/modules.tftest.hcl
for env in "${ENVIRONMENTS[@]}"; do
  log "terraform test (mock providers): the root with environments/${env}.tfvars"
  "$TERRAFORM" -chdir="$ROOT" test -no-color -filter=tests/plan.tftest.hcl -var-file="environments/${env}.tfvars"
done
log "terraform: fmt, validate and test passed"
