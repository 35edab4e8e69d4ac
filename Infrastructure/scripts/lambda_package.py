#!/usr/bin/env python3
"""Reproducible Lambda artefacts for synthetic-data-agent, used by build-lambda.sh.

Sub-commands:
  function      zip the ``sdga`` package (code + package data) into the function archive
  requirements  print the third-party requirements of a layer, read from pyproject.toml
  zipdir        zip a directory (a pip --target tree) into a layer archive
  size          sum the unpacked size of archives and fail above Lambda's 250 MB limit

Archives are byte-for-byte reproducible: entries sorted, fixed timestamps (SOURCE_DATE_EPOCH, else
1980-01-01), fixed permissions, no ``__pycache__``. The same sources always give the same SHA-256, so
Terraform's ``source_code_hash`` only changes when the code does. Standard library only (runs anywhere).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}
# Heavy native packages: their own layer so a code or light-dependency change does not re-upload them.
SCIENTIFIC = {"numpy", "pyarrow", "polars", "scipy"}


def _timestamp() -> tuple[int, int, int, int, int, int]:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01, the earliest a zip can store
    return time.gmtime(max(epoch, 315532800))[:6]


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in EXCLUDED_DIRS for part in rel.parts) or path.suffix in EXCLUDED_SUFFIXES:
            continue
        if path.is_file():
            yield path


def write_zip(entries: Iterable[tuple[str, Path]], out: Path) -> str:
    """Write ``(arcname, path)`` entries deterministically; atomic (temp file + rename). Returns the SHA-256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = _timestamp()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for arcname, path in sorted(entries, key=lambda e: e[0]):
                info = zipfile.ZipInfo(arcname, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so the permission bits below are honoured
                mode = 0o755 if os.access(path, os.X_OK) and path.suffix in {".so", ""} else 0o644
                info.external_attr = (0o100000 | mode) << 16
                zf.writestr(info, path.read_bytes(), compresslevel=6)
        tmp.chmod(0o644)  # mkstemp creates 0600; the archive is not secret
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(out.read_bytes()).hexdigest()


def build_function(src: Path, out: Path) -> str:
    """The function archive: the ``sdga`` package at the archive root, as the handler paths expect."""
    if not (src / "__init__.py").is_file():
        raise SystemExit(f"{src} is not the sdga package (no __init__.py)")
    for handler in ("generate", "validate", "metrics"):
        if not (src / "lambdas" / f"{handler}.py").is_file():
            raise SystemExit(f"missing handler module {src / 'lambdas' / handler}.py")
    entries = [(f"{src.name}/{p.relative_to(src).as_posix()}", p) for p in _files(src)]
    return write_zip(entries, out)


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def requirements(pyproject: Path, group: str, extras: list[str]) -> list[str]:
    """Core dependencies + the given extras, split into the runtime and scientific layers."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs: list[str] = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no optional dependency group {extra!r}")
        reqs += [r for r in optional[extra] if not r.startswith(project["name"])]
    reqs = sorted(set(reqs), key=_name)
    if group == "all":
        return reqs
    scientific = [r for r in reqs if _name(r) in SCIENTIFIC]
    return scientific if group == "scientific" else [r for r in reqs if _name(r) not in SCIENTIFIC]


def build_layer(directory: Path, out: Path) -> str:
    """A layer archive: ``directory`` holds ``python/...`` as pip --target wrote it."""
    entries = [(p.relative_to(directory).as_posix(), p) for p in _files(directory)]
    if not entries:
        raise SystemExit(f"{directory} is empty; nothing to put in the layer")
    return write_zip(entries, out)


def unpacked_size(paths: Iterable[Path]) -> int:
    total = 0
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            total += sum(i.file_size for i in zf.infolist())
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("function", help="zip the sdga package")
    f.add_argument("--src", type=Path, required=True)
    f.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("requirements", help="print a layer's requirements")
    r.add_argument("--pyproject", type=Path, required=True)
    r.add_argument("--group", choices=["runtime", "scientific", "all"], default="all")
    r.add_argument("--extra", action="append", default=[])
    z = sub.add_parser("zipdir", help="zip a layer directory")
    z.add_argument("--dir", type=Path, required=True)
    z.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("size", help="check the unpacked size against Lambda's limit")
    s.add_argument("--max-bytes", type=int, default=LAMBDA_UNZIPPED_LIMIT)
    s.add_argument("archives", type=Path, nargs="+")
    args = parser.parse_args(argv)

    if args.command == "function":
        print(f"{build_function(args.src, args.out)}  {args.out}")
    elif args.command == "requirements":
        print("\n".join(requirements(args.pyproject, args.group, args.extra)))
    elif args.command == "zipdir":
        print(f"{build_layer(args.dir, args.out)}  {args.out}")
    elif args.command == "size":
        total = unpacked_size(args.archives)
        print(f"unpacked size {total / 1_048_576:.1f} MB (limit {args.max_bytes / 1_048_576:.0f} MB)")
        if total > args.max_bytes:
            print(
                "too large for a zip-packaged Lambda (function + layers): deploy the container image instead"
                ' (lambda_package_type = "image", build-lambda.sh --image auto)',
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
