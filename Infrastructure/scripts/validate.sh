#!/usr/bin/env bash
# Offline-capable checks of the Terraform code:
#   validate.sh            terraform-ci.sh (fmt -check, validate, terraform test), checkov, shellcheck, the static tests
# Each tool that is missing is reported and skipped, unless SDGA_REQUIRE_SERVICES=1 (CI) makes it an error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STRICT="${SDGA_REQUIRE_SERVICES:-0}"
missing() {
  if [ "$STRICT" = 1 ]; then die "$1 is required"; fi
  log "skipped: $1 not available"
}

if command -v "$TERRAFORM" >/dev/null 2>&1; then
  # fmt -check, init + validate of the root and every module, terraform test per environment (offline too).
  "${SCRIPTS_DIR}/terraform-ci.sh"
else
  missing terraform
fi

CHECKOV=""
for candidate in "${REPO_ROOT}/.venv-checkov/bin/checkov" /opt/checkov-venv/bin/checkov "$(command -v checkov || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    CHECKOV="$candidate"
    break
  fi
done
if [ -n "$CHECKOV" ]; then
  log "checkov"
  "$CHECKOV" -d "$TF_DIR" --framework terraform --compact --quiet --skip-download
else
  missing checkov
fi

if command -v shellcheck >/dev/null 2>&1; then
  log "shellcheck"
  shellcheck -x "${SCRIPTS_DIR}"/*.sh
else
  missing shellcheck
fi

log "static infrastructure tests"
(cd "$REPO_ROOT" && python3 -m pytest -q tests/infra)
