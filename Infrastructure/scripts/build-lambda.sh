#!/usr/bin/env bash
# Build the Lambda artefacts from the project's own files, reproducibly.
#
#   build-lambda.sh                       function zip only   -> Infrastructure/build/lambda/function.zip
#   build-lambda.sh --layers              + dependency layers -> Infrastructure/build/layers/{runtime,scientific}.zip
#   build-lambda.sh --layers --without-scientific   (numpy/pyarrow come from the AWS SDK for pandas managed layer)
#   build-lambda.sh --image auto|TAG      + container image sdga-lambda:<tag> from those artefacts (needs docker;
#                                         lambda_package_type = "image"). "auto" tags it with the content hash of
#                                         the artefacts and writes the tag to <out>/image-tag.
#   build-lambda.sh --image auto --no-docker   only compute and write the tag (CI plans without docker)
#
# Options: --out DIR (default Infrastructure/build), --arch x86_64|arm64 (default x86_64),
#          --python-version 3.12 (must match the Lambda runtime).
# Layers are installed with `pip install --target --platform manylinux2014_<arch> --only-binary=:all:
# --python-version <v>`, i.e. Linux wheels for the Lambda runtime whatever the build machine is.
# Offline / air-gapped builds: export SDGA_WHEELHOUSE=<dir of wheels> (e.g. filled by `pip download` with the same
# platform flags) and pip runs with --no-index --find-links "$SDGA_WHEELHOUSE".
# SOURCE_DATE_EPOCH, when set, is the timestamp of every zip entry (default 1980-01-01).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
OUT="${REPO_ROOT}/Infrastructure/build"
ARCH="x86_64"
PY_VERSION="3.12"
BUILD_LAYERS=0
WITH_SCIENTIFIC=1
IMAGE_TAG=""
DOCKER=1
PYTHON="${PYTHON:-python3}"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --layers) BUILD_LAYERS=1 ;;
    --without-scientific) WITH_SCIENTIFIC=0 ;;
    --image) IMAGE_TAG="${2:?--image needs a tag or auto}"; BUILD_LAYERS=1; shift ;;
    --no-docker) DOCKER=0 ;;
    --out) OUT="${2:?--out needs a directory}"; shift ;;
    --arch) ARCH="${2:?--arch needs x86_64 or arm64}"; shift ;;
    --python-version) PY_VERSION="${2:?--python-version needs a version}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

case "$ARCH" in
  x86_64) PLATFORM="manylinux2014_x86_64" ;;
  arm64) PLATFORM="manylinux2014_aarch64" ;;
  *) echo "--arch must be x86_64 or arm64" >&2; exit 2 ;;
esac

HELPER=("$PYTHON" "${SCRIPT_DIR}/lambda_package.py")
mkdir -p "${OUT}/lambda"

echo "==> function package"
"${HELPER[@]}" function --src "${REPO_ROOT}/src/sdga" --out "${OUT}/lambda/function.zip"

build_layer() {
  local name="$1"
  local reqs="$2"
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '${work}'" RETURN
  echo "==> layer ${name}"
  "${HELPER[@]}" requirements --pyproject "${REPO_ROOT}/pyproject.toml" --group "${reqs}" --extra aws >"${work}/requirements.txt"
  sed 's/^/    /' "${work}/requirements.txt"
  local pip_args=(install --quiet --target "${work}/layer/python" --platform "${PLATFORM}" --implementation cp
    --python-version "${PY_VERSION}" --only-binary=:all: --upgrade --no-warn-conflicts -r "${work}/requirements.txt")
  if [ -n "${SDGA_WHEELHOUSE:-}" ]; then
    pip_args+=(--no-index --find-links "${SDGA_WHEELHOUSE}")
  fi
  "$PYTHON" -m pip "${pip_args[@]}"
  # Test suites, headers and Cython sources are never imported at runtime; dropping them keeps the layer well under
  # Lambda's 250 MB unpacked limit.
  find "${work}/layer/python" -depth -type d \( -name __pycache__ -o -name tests -o -name include \) -exec rm -rf {} +
  find "${work}/layer/python" -type f \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pyc' \) -delete
  mkdir -p "${OUT}/layers"
  "${HELPER[@]}" zipdir --dir "${work}/layer" --out "${OUT}/layers/${name}.zip"
}

if [ "$BUILD_LAYERS" = 1 ]; then
  build_layer runtime runtime
  archives=("${OUT}/lambda/function.zip" "${OUT}/layers/runtime.zip")
  if [ "$WITH_SCIENTIFIC" = 1 ]; then
    build_layer scientific scientific
    archives+=("${OUT}/layers/scientific.zip")
  else
    rm -f "${OUT}/layers/scientific.zip"
  fi
  echo "==> size check"
  if [ -n "$IMAGE_TAG" ]; then
    # A container image may be 10 GB; the 250 MB check only matters for zip packaging.
    "${HELPER[@]}" size "${archives[@]}" || echo "    (fine for the container image)"
  else
    "${HELPER[@]}" size "${archives[@]}"
  fi
fi

if [ -n "$IMAGE_TAG" ]; then
  if [ "$IMAGE_TAG" = auto ]; then
    IMAGE_TAG="$(cat "${archives[@]}" | sha256sum | cut -c1-16)"
  fi
  printf '%s\n' "$IMAGE_TAG" >"${OUT}/image-tag"
  echo "==> image tag ${IMAGE_TAG}"
fi

if [ -n "$IMAGE_TAG" ] && [ "$DOCKER" = 1 ]; then
  command -v docker >/dev/null 2>&1 || { echo "--image needs docker" >&2; exit 1; }
  echo "==> container image sdga-lambda:${IMAGE_TAG}"
  if [ "$OUT" != "${REPO_ROOT}/Infrastructure/build" ]; then
    echo "--image reads the artefacts from Infrastructure/build (the Docker build context); drop --out" >&2
    exit 2
  fi
  docker build --platform "linux/$([ "$ARCH" = arm64 ] && echo arm64 || echo amd64)" \
    --build-arg "PYTHON_VERSION=${PY_VERSION}" \
    -f "${REPO_ROOT}/Infrastructure/docker/Dockerfile" -t "sdga-lambda:${IMAGE_TAG}" "${REPO_ROOT}"
fi
echo "==> done: ${OUT}"
