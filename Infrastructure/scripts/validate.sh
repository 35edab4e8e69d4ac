#!/usr/bin/env bash
# Offline-capable checks of the Terraform code:
#   validate.sh            fmt -check, terraform validate (without a backend), checkov, the static tests
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
  log "terraform fmt -check"
  tf fmt -check -recursive -diff
  log "terraform validate"
  tf init -input=false -backend=false >/dev/null
  tf validate
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
