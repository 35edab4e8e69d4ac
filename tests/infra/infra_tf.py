"""Shared parsing of the Terraform tree for the infrastructure tests.

There is no ``terraform init`` offline, so the configuration is checked statically: every ``.tf`` file is
parsed with python-hcl2 8.x using options that give plain values (no quote-wrapped strings, no block markers).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

hcl2 = pytest.importorskip("hcl2")

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "Infrastructure"
TERRAFORM = INFRA / "terraform"
MODULES = TERRAFORM / "modules"
SCRIPTS = INFRA / "scripts"
OPTIONS = hcl2.SerializationOptions(explicit_blocks=False, strip_string_quotes=True, preserve_heredocs=False)


def require_or_skip(what: str) -> None:
    """Skip when a tool is missing, unless CI demands every check (SDGA_REQUIRE_SERVICES=1)."""
    if os.environ.get("SDGA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required in CI but not available")
    pytest.skip(f"{what} not available")


def _strip_meta(node: Any) -> Any:
    """Drop python-hcl2's bookkeeping keys (``__comments__`` and friends)."""
    if isinstance(node, dict):
        return {k: _strip_meta(v) for k, v in node.items() if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(node, list):
        return [_strip_meta(v) for v in node]
    return node


@cache
def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        parsed = _strip_meta(hcl2.load(handle, serialization_options=OPTIONS))
    assert isinstance(parsed, dict)
    return parsed


@dataclass(frozen=True)
class Block:
    """One labelled block (resource, data source, module, variable, output) and where it lives."""

    kind: str  # resource | data | module | variable | output
    type: str  # e.g. aws_s3_bucket ('' for module/variable/output)
    name: str
    body: dict[str, Any]
    file: Path

    @property
    def module_dir(self) -> Path:
        return self.file.parent

    def __str__(self) -> str:
        rel = self.file.relative_to(REPO)
        return f"{self.type + '.' if self.type else ''}{self.name} ({rel})"


def tf_files() -> list[Path]:
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


@cache
def all_blocks() -> tuple[Block, ...]:
    blocks: list[Block] = []
    for path in tf_files():
        doc = load(path)
        for kind in ("resource", "data"):
            for entry in doc.get(kind, []):
                for rtype, named in entry.items():
                    for name, body in named.items():
                        blocks.append(Block(kind, rtype, name, body, path))
        for kind in ("module", "variable", "output"):
            for entry in doc.get(kind, []):
                for name, body in entry.items():
                    blocks.append(Block(kind, "", name, body or {}, path))
    return tuple(blocks)


def blocks(kind: str, rtype: str = "") -> list[Block]:
    return [b for b in all_blocks() if b.kind == kind and (not rtype or b.type == rtype)]


def locals_of(path: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for entry in load(path).get("locals", []):
        merged.update(entry)
    return merged


def walk(node: Any) -> Iterator[Any]:
    """Every value in a parsed structure (depth first)."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(doc: Block) -> list[dict[str, Any]]:
    """Static and dynamic ``statement`` blocks of an aws_iam_policy_document."""
    found = [s for s in as_list(doc.body.get("statement")) if isinstance(s, dict)]
    for dyn in as_list(doc.body.get("dynamic")):
        if isinstance(dyn, dict) and "statement" in dyn:
            for content in as_list(dyn["statement"].get("content")):
                if isinstance(content, dict):
                    found.append(content)
    return found


def shellcheck() -> str | None:
    return shutil.which("shellcheck")
