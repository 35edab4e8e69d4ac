#!/usr/bin/env bash
# Export the knowledge base (prose documents, every schema template and the compliance rules, as markdown with
# Bedrock metadata files: Bedrock cannot ingest YAML) with `sdga kb export`, upload it to the environment's KB
# bucket and start an ingestion job, then wait for it.
#   upload-knowledge-base.sh <dev|staging|prod> [--no-wait]
# Needs the stack deployed with enable_knowledge_base = true (reads bucket, KB and data-source IDs from the outputs).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ENV="${1:-}"
require_env "$ENV"
shift
WAIT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-wait) WAIT=0 ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done
confirm_prod "$ENV" "update the knowledge base of"
require_cmd "$TERRAFORM" aws

DOCS="$(mktemp -d "${TMPDIR:-/tmp}/sdga-kb.XXXXXX")"
trap 'rm -rf "$DOCS"' EXIT
# The package's own exporter, from this checkout (installed or not).
PYTHONPATH="${REPO_ROOT}/src${PYTHONPATH:+:${PYTHONPATH}}" "${PYTHON:-python3}" -m sdga kb export "$DOCS" >/dev/null \
  || die "could not export the knowledge base (is the package's Python environment active?)"
[ -n "$(ls -A "$DOCS")" ] || die "the knowledge-base export is empty"

"${SCRIPTS_DIR}/init.sh" "$ENV" >/dev/null
BUCKET="$(tf output -raw knowledge_base_bucket_name)"
PREFIX="$(tf output -raw knowledge_base_prefix)"
KB_ID="$(tf output -raw knowledge_base_id 2>/dev/null || true)"
DS_ID="$(tf output -raw knowledge_base_data_source_id 2>/dev/null || true)"
if [ -z "$KB_ID" ] || [ -z "$DS_ID" ]; then
  die "the ${ENV} stack has no knowledge base (enable_knowledge_base = false)"
fi

log "sync ${DOCS} -> s3://${BUCKET}/${PREFIX}"
# --delete keeps the bucket an exact mirror, so a removed document also leaves the index (data_deletion_policy DELETE).
aws s3 sync "$DOCS" "s3://${BUCKET}/${PREFIX}" --delete --only-show-errors --exclude "*.pyc" --exclude "__pycache__/*"

log "start ingestion (knowledge base ${KB_ID}, data source ${DS_ID})"
JOB_ID="$(aws bedrock-agent start-ingestion-job --knowledge-base-id "$KB_ID" --data-source-id "$DS_ID" \
  --description "upload-knowledge-base.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)" --query 'ingestionJob.ingestionJobId' --output text)"
log "ingestion job ${JOB_ID}"
[ "$WAIT" = 1 ] || exit 0

for _ in $(seq 1 120); do
  STATUS="$(aws bedrock-agent get-ingestion-job --knowledge-base-id "$KB_ID" --data-source-id "$DS_ID" \
    --ingestion-job-id "$JOB_ID" --query 'ingestionJob.status' --output text)"
  case "$STATUS" in
    COMPLETE)
      aws bedrock-agent get-ingestion-job --knowledge-base-id "$KB_ID" --data-source-id "$DS_ID" \
        --ingestion-job-id "$JOB_ID" --query 'ingestionJob.statistics' --output table
      exit 0
      ;;
    FAILED | STOPPED)
      aws bedrock-agent get-ingestion-job --knowledge-base-id "$KB_ID" --data-source-id "$DS_ID" \
        --ingestion-job-id "$JOB_ID" --query 'ingestionJob.failureReasons' --output text >&2
      die "ingestion ${STATUS}"
      ;;
  esac
  sleep 10
done
die "ingestion still ${STATUS} after 20 minutes (job ${JOB_ID})"
