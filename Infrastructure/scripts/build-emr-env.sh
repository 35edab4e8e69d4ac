#!/usr/bin/env bash
# Build the EMR Serverless job's Python environment archive, reproducibly, from the same hashed lock as the Lambda
# image, and optionally upload it with the job's entry point:
#   build-emr-env.sh [--arch ARM64|X86_64] [--out DIR] [--upload s3://<data bucket>/artifacts/emr/]
# 1. pip installs Infrastructure/docker/requirements.lock (--require-hashes, --no-deps, manylinux_2_28 down to
#    manylinux2014 wheels for CPython 3.12 on the workers' architecture) into <out>/emr-env/, plus the sdga package;
# 2. packs it with lambda_package.py archive (sorted entries, fixed times/owners/modes, no gzip timestamp): the same
#    lock and code always give the same sdga-python-env.tar.gz, whose SHA-256 is printed;
# 3. --upload copies the archive (and src/sdga/spark/emr_job.py, the entry point, when present) to the prefix the
#    job role may read. Spark itself comes from the EMR release; the job runs with PYTHONPATH on the unpacked
#    archive (spark.archives=<archive>#environment), so the workers' Python must be 3.12 (emr_image_uri).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
OUT="${REPO_ROOT}/Infrastructure/build"
ARCH="ARM64"
UPLOAD=""
PYTHON="${PYTHON:-python3}"
PY_VERSION="3.12"

while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCH="${2:?--arch needs ARM64 or X86_64}"; shift ;;
    --out) OUT="${2:?--out needs a directory}"; shift ;;
    --upload) UPLOAD="${2:?--upload needs an s3:// prefix}"; shift ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
case "$ARCH" in
  ARM64) SUFFIX=aarch64 ;;
  X86_64) SUFFIX=x86_64 ;;
  *) echo "--arch must be ARM64 or X86_64" >&2; exit 2 ;;
esac
case "$UPLOAD" in
  "" | s3://*/) ;;
  *) echo "--upload needs an s3:// prefix ending in /" >&2; exit 2 ;;
esac

HELPER=("$PYTHON" "${SCRIPT_DIR}/lambda_package.py")
"${HELPER[@]}" check-lock
ENV_DIR="${OUT}/emr-env"
rm -rf "$ENV_DIR"
mkdir -p "$ENV_DIR"
PLATFORMS=()
for v in 28 27 26 25 24 23 22 21 20 19 18 17; do PLATFORMS+=(--platform "manylinux_2_${v}_${SUFFIX}"); done
echo "==> dependencies (requirements.lock, CPython ${PY_VERSION}, ${ARCH})"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
  "${PLATFORMS[@]}" --platform "manylinux2014_${SUFFIX}" --implementation cp --python-version "$PY_VERSION" \
  --target "$ENV_DIR" -r "${REPO_ROOT}/Infrastructure/docker/requirements.lock"
cp -R "${REPO_ROOT}/src/sdga" "${ENV_DIR}/sdga"
find "$ENV_DIR" -depth -type d -name __pycache__ -exec rm -rf {} +
echo "==> sizes"
"${HELPER[@]}" sizes "$ENV_DIR" --max-mb 2048
echo "==> archive"
"${HELPER[@]}" archive --dir "$ENV_DIR" --out "${OUT}/sdga-python-env.tar.gz"

if [ -n "$UPLOAD" ]; then
  command -v aws >/dev/null 2>&1 || { echo "--upload needs the AWS CLI" >&2; exit 1; }
  aws s3 cp "${OUT}/sdga-python-env.tar.gz" "${UPLOAD}sdga-python-env.tar.gz"
  if [ -f "${REPO_ROOT}/src/sdga/spark/emr_job.py" ]; then
    aws s3 cp "${REPO_ROOT}/src/sdga/spark/emr_job.py" "${UPLOAD}sdga_emr_job.py"
  else
    echo "note: src/sdga/spark/emr_job.py (the job's entry point) is not in this checkout yet; not uploaded" >&2
  fi
fi
