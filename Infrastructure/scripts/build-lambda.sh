#!/usr/bin/env bash
# Build the Lambda container image, reproducibly, from the project's own files.
#
#   build-lambda.sh [--arch x86_64|arm64] [--image auto|TAG] [--no-docker] [--out DIR]
#   build-lambda.sh --lock        re-resolve Infrastructure/docker/requirements.lock (needs the package index)
#
# 1. checks that requirements.lock still satisfies pyproject.toml (core + aws extra);
# 2. derives the tag from the content (lock, Dockerfile, image check, the sdga package, architecture) unless a TAG
#    is given, and writes it to <out>/image-tag: the same sources always give the same tag;
# 3. with docker: docker buildx build --platform linux/amd64|linux/arm64 --provenance=false (Lambda refuses image
#    indexes with attestations), loaded as sdga-lambda:<tag>. The build installs the hashed wheels and runs the
#    image check, which prints the size of each package and fails above the Lambda limit; the script then prints
#    the image size and fails above Lambda's 10 GB.
# --no-docker stops after step 2 (CI plans need only the tag). --arch defaults to x86_64 and must match the
# functions' lambda_architecture (Lambda does not run multi-architecture images: build each one you deploy).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
OUT="${REPO_ROOT}/Infrastructure/build"
ARCH="x86_64"
IMAGE_TAG="auto"
DOCKER=1
LOCK=0
PYTHON="${PYTHON:-python3}"
IMAGE_LIMIT_BYTES=$((10 * 1024 * 1024 * 1024))

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --image) IMAGE_TAG="${2:?--image needs a tag or auto}"; shift ;;
    --no-docker) DOCKER=0 ;;
    --lock) LOCK=1 ;;
    --out) OUT="${2:?--out needs a directory}"; shift ;;
    --arch) ARCH="${2:?--arch needs x86_64 or arm64}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$ARCH" in
  x86_64) PLATFORM="linux/amd64" ;;
  arm64) PLATFORM="linux/arm64" ;;
  *) echo "--arch must be x86_64 or arm64" >&2; exit 2 ;;
esac

HELPER=("$PYTHON" "${SCRIPT_DIR}/lambda_package.py")
if [ "$LOCK" = 1 ]; then
  echo "==> resolving requirements.lock for linux/amd64 and linux/arm64"
  "${HELPER[@]}" lock
  exit 0
fi

echo "==> lock"
"${HELPER[@]}" check-lock
mkdir -p "$OUT"
if [ "$IMAGE_TAG" = auto ]; then
  IMAGE_TAG="$("${HELPER[@]}" tag --arch "$ARCH")"
fi
printf '%s\n' "$IMAGE_TAG" >"${OUT}/image-tag"
echo "==> image tag ${IMAGE_TAG} (${PLATFORM})"
[ "$DOCKER" = 1 ] || exit 0

command -v docker >/dev/null 2>&1 || { echo "building the image needs docker (or pass --no-docker)" >&2; exit 1; }
echo "==> docker buildx build sdga-lambda:${IMAGE_TAG}"
SOURCE_DATE_EPOCH="$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)"
docker buildx build --platform "$PLATFORM" --provenance=false --sbom=false --load \
  --build-arg "SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH}" \
  -f "${REPO_ROOT}/Infrastructure/docker/Dockerfile" -t "sdga-lambda:${IMAGE_TAG}" "$REPO_ROOT"
SIZE="$(docker image inspect --format '{{.Size}}' "sdga-lambda:${IMAGE_TAG}")"
echo "==> image size $((SIZE / 1048576)) MB (Lambda limit 10240 MB uncompressed)"
if [ "$SIZE" -gt "$IMAGE_LIMIT_BYTES" ]; then
  echo "the image is larger than Lambda accepts" >&2
  exit 1
fi
echo "==> done: sdga-lambda:${IMAGE_TAG}"
