#!/usr/bin/env python3
"""Reproducible Lambda container image inputs for synthetic-data-agent, used by build-lambda.sh.

Sub-commands:
  requirements  print the image's third-party requirements, read from pyproject.toml (core + the aws extra)
  lock          resolve them for the Lambda runtime on linux/amd64 and linux/arm64 (manylinux_2_28 and older
                manylinux wheels, CPython 3.12) and write the lock with the SHA-256 of every wheel of both
  check-lock    fail when the lock no longer satisfies pyproject.toml (a requirement missing or out of range)
  tag           the image tag: a hash of everything that goes into the image (lock, Dockerfile, image check,
                the sdga package) and the architecture, so the same inputs always give the same tag
  sizes         print the installed size of every distribution in a directory and fail above a limit
  archive       pack a directory into a reproducible .tar.gz (sorted entries, fixed times, owners and modes): the
                EMR Serverless job's Python environment (build-emr-env.sh)

The lock is resolved with pip itself (``pip install --dry-run --report`` with ``--platform``), so it needs the
package index; everything else is standard library only and offline.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "Infrastructure" / "docker" / "requirements.lock"
PYTHON_VERSION = "3.12"  # the Lambda runtime of the image (public.ecr.aws/lambda/python:3.12)
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda architecture -> wheel platform suffix
# Lambda's limit for a container image is 10 GB uncompressed; the base image takes about 600 MB of it.
IMAGE_LIMIT_MB = 10 * 1024
TAG_INPUTS = (
    "Infrastructure/docker/Dockerfile",
    "Infrastructure/docker/check_image.py",
    "Infrastructure/docker/requirements.lock",
)
EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def platforms(arch: str) -> list[str]:
    """pip --platform values for a glibc 2.28 system: manylinux_2_28 down to manylinux2014 (2.17) wheels."""
    suffix = ARCHITECTURES[arch]
    return [f"manylinux_2_{v}_{suffix}" for v in range(28, 16, -1)] + [f"manylinux2014_{suffix}"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(pyproject: Path, extras: list[str]) -> list[str]:
    """Core dependencies + the given extras (what the Lambda image needs)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs: list[str] = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no optional dependency group {extra!r}")
        reqs += [r for r in optional[extra] if not r.startswith(project["name"])]
    return sorted(set(reqs), key=_name)


def resolve(reqs: list[str], arch: str, python: str = PYTHON_VERSION) -> dict[str, tuple[str, set[str]]]:
    """{name: (version, {sha256})} pip picks for the Lambda runtime on one architecture."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "requirements.txt"
        listing.write_text("\n".join(reqs) + "\n", encoding="utf-8")
        report = Path(tmp) / "report.json"
        args = [sys.executable, "-m", "pip", "install", "--isolated", "--quiet", "--dry-run", "--ignore-installed"]
        args += ["--report", str(report), "--only-binary=:all:", "--implementation", "cp", "--python-version", python]
        args += [a for p in platforms(arch) for a in ("--platform", p)]
        args += ["--target", str(Path(tmp) / "target"), "-r", str(listing)]
        subprocess.run(args, check=True)
        data = json.loads(report.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, set[str]]] = {}
    for item in data["install"]:
        hashes = item["download_info"].get("archive_info", {}).get("hashes", {})
        if "sha256" not in hashes:
            raise SystemExit(f"the index gave no sha256 for {item['metadata']['name']}")
        out[normalise(item["metadata"]["name"])] = (item["metadata"]["version"], {hashes["sha256"]})
    return out


def write_lock(reqs: list[str], out: Path) -> None:
    merged: dict[str, tuple[str, set[str]]] = {}
    for arch in ARCHITECTURES:
        for name, (version, hashes) in resolve(reqs, arch).items():
            if name in merged and merged[name][0] != version:
                raise SystemExit(f"{name}: {merged[name][0]} on one architecture, {version} on {arch}")
            merged[name] = (version, merged.get(name, (version, set()))[1] | hashes)
    lines = [
        "# The Lambda image's Python dependencies, pinned with the SHA-256 of every wheel pip may install for",
        f"# CPython {PYTHON_VERSION} on linux/amd64 and linux/arm64 (manylinux_2_28 and older manylinux wheels).",
        "# Generated from pyproject.toml (core + aws extra); do not edit. Regenerate:",
        "#   Infrastructure/scripts/build-lambda.sh --lock",
    ]
    for name in sorted(merged):
        version, hashes = merged[name]
        lines.append(f"{name}=={version} \\")
        lines += [f"    --hash=sha256:{h} \\" for h in sorted(hashes)]
        lines[-1] = lines[-1].removesuffix(" \\")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)$", line)
        if not m:
            raise SystemExit(f"{path}: not a pinned, hashed requirement: {line[:80]}")
        pins[normalise(m.group(1))] = (m.group(2), re.findall(r"sha256:([0-9a-f]{64})", m.group(3)))
    return pins


def lock_problems(reqs: list[str], lock: Path) -> list[str]:
    """Requirements of pyproject.toml the lock does not pin, or pins outside the allowed range."""
    from packaging.requirements import Requirement

    pins = read_lock(lock)
    problems = []
    for text in reqs:
        req = Requirement(text)
        pin = pins.get(normalise(req.name))
        if pin is None:
            problems.append(f"{req.name} is not in the lock")
        elif not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{req.name}=={pin[0]} does not satisfy {req.specifier}")
    return problems


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in EXCLUDED_DIRS for part in rel.parts) or path.suffix in {".pyc", ".pyo"}:
            continue
        if path.is_file():
            yield path


def image_tag(repo: Path, arch: str) -> str:
    """16 hex digits of a SHA-256 over the image inputs (names and contents, in a fixed order) and the arch."""
    digest = hashlib.sha256(f"arch={arch}\n".encode())
    inputs = [repo / p for p in TAG_INPUTS] + list(_files(repo / "src" / "sdga"))
    for path in inputs:
        digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def distribution_sizes(root: Path) -> dict[str, int]:
    """Installed bytes per distribution (from each .dist-info/RECORD); files no RECORD names count as '(other)'."""
    sizes: dict[str, int] = {}
    claimed: set[Path] = set()
    for info in sorted(root.glob("*.dist-info")):
        name = info.name.split("-")[0]
        total = 0
        record = info / "RECORD"
        entries = record.read_text(encoding="utf-8").splitlines() if record.is_file() else []
        for entry in entries:
            rel = entry.split(",")[0]
            path = (root / rel).resolve()
            if path.is_file() and path not in claimed:
                claimed.add(path)
                total += path.stat().st_size
        sizes[name] = total
    other = sum(p.stat().st_size for p in _walk(root) if p.resolve() not in claimed)
    if other:
        sizes["(other: sdga and files without a RECORD)"] = other
    return sizes


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, _dirs, files in os.walk(root, followlinks=True):
        for f in files:
            path = Path(dirpath) / f
            if path.is_file():
                yield path


def report_sizes(root: Path, limit_mb: float) -> int:
    sizes = distribution_sizes(root)
    total = sum(sizes.values())
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {size / 1_048_576:9.1f} MB  {name}")
    print(f"  {total / 1_048_576:9.1f} MB  total (limit {limit_mb:.0f} MB)")
    if total > limit_mb * 1_048_576:
        print(f"too large: {total / 1_048_576:.1f} MB > {limit_mb:.0f} MB", file=sys.stderr)
        return 1
    return 0


def write_archive(directory: Path, out: Path) -> str:
    """``directory``'s files as a .tar.gz whose bytes depend only on names and contents; returns the SHA-256.

    Entries are sorted, owned by 0:0, dated SOURCE_DATE_EPOCH (default 1980-01-01), with modes 0644/0755, and
    the gzip header carries no time or name, so the same tree always gives the same archive. Written atomically.
    """
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with (
            tmp.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            for path in _files(directory):
                info = tarfile.TarInfo(path.relative_to(directory).as_posix())
                info.size = path.stat().st_size
                info.mtime = epoch
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
        tmp.chmod(0o644)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("requirements", help="print the image's requirements")
    r.add_argument("--pyproject", type=Path, default=REPO / "pyproject.toml")
    r.add_argument("--extra", action="append", default=["aws"])
    lk = sub.add_parser("lock", help="resolve and write the hashed lock (needs the package index)")
    lk.add_argument("--out", type=Path, default=LOCK)
    ck = sub.add_parser("check-lock", help="fail when the lock does not satisfy pyproject.toml")
    ck.add_argument("--lock", type=Path, default=LOCK)
    t = sub.add_parser("tag", help="print the content-derived image tag")
    t.add_argument("--arch", choices=sorted(ARCHITECTURES), required=True)
    s = sub.add_parser("sizes", help="installed size per distribution; fail above the limit")
    s.add_argument("root", type=Path)
    s.add_argument("--max-mb", type=float, default=IMAGE_LIMIT_MB)
    a = sub.add_parser("archive", help="reproducible .tar.gz of a directory")
    a.add_argument("--dir", type=Path, required=True)
    a.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "archive":
        print(f"{write_archive(args.dir, args.out)}  {args.out}")
        return 0
    reqs = requirements(REPO / "pyproject.toml", ["aws"])
    if args.command == "requirements":
        print("\n".join(requirements(args.pyproject, sorted(set(args.extra)))))
    elif args.command == "lock":
        write_lock(reqs, args.out)
        print(f"wrote {args.out}")
    elif args.command == "check-lock":
        problems = lock_problems(reqs, args.lock)
        for problem in problems:
            print(f"lock out of date: {problem} (run build-lambda.sh --lock)", file=sys.stderr)
        return 1 if problems else 0
    elif args.command == "tag":
        print(image_tag(REPO, args.arch))
    elif args.command == "sizes":
        return report_sizes(args.root, args.max_mb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
