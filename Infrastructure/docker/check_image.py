"""Run inside the freshly built Lambda image (and by the tests, in a directory laid out like it).

Imports every handler module the functions run, from the task root only, proves sdga came from there, and prints
the installed size of each distribution, failing above Lambda's container-image limit. Usage:
    PYTHONPATH=<task root> python3 check_image.py <task root> [--max-mb N]
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HANDLERS = ("sdga.lambdas.generate", "sdga.lambdas.validate", "sdga.lambdas.metrics", "sdga.lambdas.agent")
# 10 GB uncompressed per image, of which the base image takes about 0.6 GB.
LIMIT_MB = 9.4 * 1024


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve()
    limit = float(argv[argv.index("--max-mb") + 1]) if "--max-mb" in argv else LIMIT_MB
    for name in HANDLERS:
        module = importlib.import_module(name)
        if not callable(getattr(module, "handler", None)):
            print(f"{name} has no handler", file=sys.stderr)
            return 1
    import sdga

    where = Path(sdga.__file__).resolve()
    if not where.is_relative_to(root):
        print(f"sdga was imported from {where}, not from the task root {root}", file=sys.stderr)
        return 1
    # Heavy imports the handlers defer to their first request: import them now so a missing wheel fails the build.
    for name in ("polars", "pyarrow", "numpy", "boto3", "sdga.service", "sdga.quality"):
        importlib.import_module(name)
    total = 0
    sizes: dict[str, int] = {}
    for path in root.rglob("*"):
        if path.is_file():
            top = path.relative_to(root).parts[0]
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
            total += path.stat().st_size
    for top, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {size / 1_048_576:9.1f} MB  {top}")
    print(f"  {total / 1_048_576:9.1f} MB  task root total (limit {limit:.0f} MB)")
    if total > limit * 1_048_576:
        print(f"the image's task root is {total / 1_048_576:.0f} MB, above {limit:.0f} MB", file=sys.stderr)
        return 1
    print(f"handlers import from {root}: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
