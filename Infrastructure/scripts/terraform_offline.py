#!/usr/bin/env python3
"""A copy of the Terraform tree that the offline AWS provider 5.100 mirror can init, validate and test.

The configuration itself needs hashicorp/aws 6.x (and the opensearch and time providers), which an offline
machine with only a filesystem mirror of aws 5.100.0 cannot install. ``prepare`` writes a copy with the smallest
shims that let ``terraform init -backend=false``, ``validate`` and ``test`` (with ``mock_provider``) run there,
and prints every shim it applied. The real constraints stay in the code; only the copy is changed:

1. **Version constraints.** Every ``hashicorp/aws`` constraint becomes ``>= 5.100, < 7.0``.
2. **Attributes 6.0 renamed.** ``data.aws_region.<name>.region`` (6.0) reads ``.name`` (its 5.x spelling).
3. **Resource types the mirror does not have** - those of absent providers (``opensearch_index``,
   ``time_sleep``) and AWS types newer than 5.100 (the AgentCore resources) - become ``terraform_data``
   stand-ins named ``<type>__<name>``. Every argument and block of the original is kept as an attribute of the
   stand-in's ``input`` object (dynamic blocks as ``for`` expressions), so each reference in them is still
   evaluated and checked; each attribute the configuration reads from the resource is added to ``input``, and
   references are rewritten to ``terraform_data.<type>__<name>.output.<attribute>``. ``lifecycle`` and
   ``provider`` meta-arguments are dropped with the resource. Arguments and blocks of those types are checked
   against the 6.x schema by ``tests/infra/test_infra_provider_schema.py`` instead.
4. **Absent providers** are removed from ``required_providers`` and their ``provider`` blocks are dropped.
5. **Arguments newer than the mirror** on resource types it knows (e.g. ``monitoring_configuration`` of
   ``aws_emrserverless_application``, 6.x) are dropped from the copy; the 6.x schema test checks them.

Usage: ``terraform_offline.py prepare --dest DIR --schema 5x-schema.json`` where the schema file is
``terraform providers schema -json`` of a directory initialised against the mirror (``terraform-ci.sh`` does
this). Standard library plus python-hcl2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "Infrastructure" / "terraform"
MIRROR_AWS = ">= 5.100, < 7.0"
RENAMED_ATTRIBUTES = {("aws_region", "region"): "name"}  # (data source type, 6.x attribute) -> 5.x attribute
META = {"count", "for_each", "depends_on"}
DROPPED_META = {"lifecycle", "provider", "provisioner", "connection"}
KNOWN_ARGUMENTS: dict[str, set[str]] = {}  # resource type -> top-level arguments and blocks the mirror knows
OPTIONS = hcl2.SerializationOptions(explicit_blocks=True, strip_string_quotes=False, preserve_heredocs=True)


# ------------------------------------------------------------------------------------------------ HCL scanning
def _skip_string(text: str, i: int) -> int:
    """``text[i]`` is an opening quote; return the index after the closing one (interpolations nest)."""
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            i = _skip_braces(text, i + 1)
            continue
        i += 1
    raise ValueError("unterminated string")


def _skip_braces(text: str, i: int) -> int:
    """``text[i]`` is ``{``; return the index after its matching ``}`` (strings, heredocs and comments skipped)."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c == "#" or text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        heredoc = re.match(r"<<-?([A-Za-z_]\w*)\n", text[i:])
        if heredoc:
            end = re.compile(rf"^\s*{heredoc.group(1)}\s*$", re.M).search(text, i + heredoc.end())
            if end is None:
                raise ValueError("unterminated heredoc")
            i = end.end()
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced braces")


def block_span(text: str, header: re.Match[str]) -> tuple[int, int]:
    """Start and end offsets of the block whose header (ending in ``{``) ``header`` matched."""
    return header.start(), _skip_braces(text, header.end() - 1)


# ------------------------------------------------------------------------------------------ HCL regeneration
def _single_interpolation(value: str) -> str | None:
    if not (value.startswith("${") and value.endswith("}")):
        return None
    try:
        end = _skip_braces(value, 1)
    except ValueError:
        return None
    return value[2:-1] if end == len(value) else None


def expression(value: Any, iterators: dict[str, tuple[str, str]] | None = None) -> str:
    """An HCL expression equal to a python-hcl2 value (explicit blocks, quotes kept, heredocs preserved)."""
    iterators = iterators or {}
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        inner = _single_interpolation(value)
        if inner is not None:
            text = inner
        elif value.startswith('"<<'):
            text = value[1:-1] + "\n"
        else:
            text = value
    elif isinstance(value, list):
        text = "[" + ", ".join(expression(v, iterators) for v in value) + "]"
    elif isinstance(value, dict):
        text = body_object(value, iterators)
    else:  # pragma: no cover - python-hcl2 produces nothing else
        raise TypeError(type(value))
    for name, (key, val) in iterators.items():
        text = re.sub(rf"\b{name}\.key\b", key, text)
        text = re.sub(rf"\b{name}\.value\b", val, text)
    return text


def _key(name: str) -> str:
    name = name.strip('"')
    return name if re.fullmatch(r"[A-Za-z_][\w-]*", name) else json.dumps(name)


def body_object(body: dict[str, Any], iterators: dict[str, tuple[str, str]] | None = None) -> str:
    """A block or object body as an object constructor; dynamic blocks become ``for`` expressions."""
    parts: list[str] = []
    for key, value in body.items():
        if key.startswith("__") or key in META or key in DROPPED_META:
            continue
        if key == "dynamic":
            for entry in value:
                for name, spec in entry.items():
                    name = name.strip('"')
                    iterator = str(spec.get("iterator", name)).strip('"')
                    k, v = f"{iterator}_key", f"{iterator}_value"
                    scope = {**(iterators or {}), iterator: (k, v)}
                    content = expression(spec["content"][0], scope)
                    parts.append(
                        f"dynamic_{name} = [for {k}, {v} in {expression(spec['for_each'], iterators)} : {content}]"
                    )
            continue
        parts.append(f"{_key(key)} = {expression(value, iterators)}")
    return "{\n" + "\n".join(parts) + "\n}"


# ---------------------------------------------------------------------------------------------- the rewrite
def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=OPTIONS)


def stand_in(rtype: str, name: str, body: dict[str, Any], read: set[str]) -> str:
    inner = body_object(body)[2:-2]
    # Only the top-level keys: a nested block may well have an argument of the same name (arn, name).
    existing = {k for k in body if not k.startswith("__") and k not in META | DROPPED_META | {"dynamic"}}
    existing |= {f"dynamic_{n.strip(chr(34))}" for d in body.get("dynamic", []) for n in d}
    extra = "\n".join(f'{attr} = "known after apply"' for attr in sorted(read - existing))
    meta = "".join(f"  {m} = {expression(body[m])}\n" for m in ("count", "for_each", "depends_on") if m in body)
    return f'resource "terraform_data" "{rtype}__{name}" {{\n{meta}  input = {{\n{inner}\n{extra}\n}}\n}}'


def rewrite_module(
    directory: Path, known_types: set[str], known_providers: set[str], absent: set[str], log: list[str]
) -> None:
    files = sorted(directory.glob("*.tf"))
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    unknown: dict[tuple[str, str], dict[str, Any]] = {}
    newer: dict[tuple[str, str], set[str]] = {}  # known resources using arguments newer than the mirror
    for path in files:
        for entry in _load(path).get("resource", []):
            for rtype, named in entry.items():
                rtype = rtype.strip('"')
                for name, body in named.items():
                    if rtype not in known_types:
                        unknown[(rtype, name.strip('"'))] = body
                    elif rtype in KNOWN_ARGUMENTS:
                        extra = {
                            k for k in body if not k.startswith("__") and k not in META | DROPPED_META | {"dynamic"}
                        }
                        extra -= KNOWN_ARGUMENTS[rtype]
                        if extra:
                            newer[(rtype, name.strip('"'))] = extra
    requirement = re.compile(r'^\s*(\w+)\s*=\s*\{\s*\n\s*source\s*=\s*"([^"]+)"', re.M)
    absent |= {
        local for text in texts.values() for local, source in requirement.findall(text) if source not in known_providers
    }
    for path, text in texts.items():
        original = text
        # 1. constraints, 4. absent providers
        text = re.sub(r'(source\s*=\s*"hashicorp/aws"\s*\n\s*version\s*=\s*)"[^"]*"', rf'\1"{MIRROR_AWS}"', text)
        for local, source in requirement.findall(text):
            if source not in known_providers:
                header = re.search(rf"^\s*{local}\s*=\s*\{{", text, re.M)
                assert header is not None
                start, end = block_span(text, header)
                text = text[:start] + text[end:]
                log.append(f"{directory.name}/{path.name}: dropped provider requirement {source}")
        for header in list(re.finditer(r'^provider "(\w+)" \{', text, re.M))[::-1]:
            if header.group(1) != "aws":
                start, end = block_span(text, header)
                text = text[:start] + text[end:]
                log.append(f"{directory.name}/{path.name}: dropped provider block {header.group(1)}")
        # ... and module calls stop passing them on (providers = { time = time }).
        for local in sorted(absent):
            text, n = re.subn(rf"^\s*{local}\s*=\s*{local}(\.\w+)?\s*,?\s*\n", "", text, flags=re.M)
            if n:
                log.append(f"{directory.name}/{path.name}: module call no longer passes provider {local}")
        # 2. renamed attributes
        for (dtype, new), old in RENAMED_ATTRIBUTES.items():
            text, n = re.subn(rf"\b(data\.{dtype}\.\w+)\.{new}\b", rf"\1.{old}", text)
            if n:
                log.append(f"{directory.name}/{path.name}: data.{dtype}.*.{new} -> .{old} ({n}x)")
        texts[path] = text if text != original else original
    # 5. arguments and blocks newer than the mirror are dropped from resources it otherwise knows.
    for (rtype, name), extra in newer.items():
        header_re = re.compile(rf'^resource "{re.escape(rtype)}" "{re.escape(name)}" \{{', re.M)
        for path, text in texts.items():
            header = header_re.search(text)
            if not header:
                continue
            start, end = block_span(text, header)
            body = text[start:end]
            for key in sorted(extra):
                sub = re.search(rf"^(\s*){key}\s*\{{", body, re.M)
                if sub:
                    s, e = block_span(body, sub)
                    body = body[:s] + body[e:]
                else:
                    body = re.sub(rf"(?m)^\s*{key}\s*=.*\n", "", body)
            texts[path] = text[:start] + body + text[end:]
            log.append(f"{directory.name}: {rtype}.{name}: dropped {', '.join(sorted(extra))} (newer than the mirror)")
    # 3. stand-ins: first every block is replaced (built from the parsed original), then every reference.
    refs = {
        key: re.compile(rf"(?<![\w.]){re.escape(key[0])}\.{re.escape(key[1])}\b((?:\[[^\]]*\])?)(?:\.(\w+))?")
        for key in unknown
    }
    for (rtype, name), body in unknown.items():
        read = {m.group(2) for t in texts.values() for m in refs[(rtype, name)].finditer(t) if m.group(2)}
        header_re = re.compile(rf'^resource "{re.escape(rtype)}" "{re.escape(name)}" \{{', re.M)
        for path, text in texts.items():
            header = header_re.search(text)
            if header:
                start, end = block_span(text, header)
                texts[path] = text[:start] + stand_in(rtype, name, body, read) + text[end:]
        log.append(f"{directory.name}: {rtype}.{name} -> terraform_data.{rtype}__{name}")
    for (rtype, name), ref in refs.items():

        def replace(m: re.Match[str], rtype: str = rtype, name: str = name) -> str:
            base = f"terraform_data.{rtype}__{name}{m.group(1)}"
            return f"{base}.output.{m.group(2)}" if m.group(2) else base

        texts = {path: ref.sub(replace, text) for path, text in texts.items()}
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")


def prepare(dest: Path, schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    known_types: set[str] = set()
    known_providers: set[str] = set()
    for address, provider in schema["provider_schemas"].items():
        known_types |= set(provider.get("resource_schemas", {}))
        for rtype, spec in provider.get("resource_schemas", {}).items():
            block = spec["block"]
            KNOWN_ARGUMENTS[rtype] = set(block.get("attributes", {})) | set(block.get("block_types", {}))
        known_providers.add(address.removeprefix("registry.terraform.io/"))
    if dest.exists():
        shutil.rmtree(dest)
    copy = dest / "Infrastructure" / "terraform"
    shutil.copytree(TERRAFORM, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
    # Paths such as ../../src/sdga/agent/instruction.md resolve as in the repository.
    os.symlink(REPO / "src", dest / "src")
    log: list[str] = []
    absent: set[str] = set()  # local names of the providers the mirror lacks (filled from the root first)
    for directory in [copy, *sorted(p for p in (copy / "modules").iterdir() if p.is_dir())]:
        rewrite_module(directory, known_types, known_providers, absent, log)
    # Test files mock every provider for the real tree; the copy no longer has the absent ones.
    for test_file in sorted((copy / "tests").glob("*.tftest.hcl")):
        text = test_file.read_text(encoding="utf-8")
        for local in sorted(absent):
            header = re.search(rf'^mock_provider "{local}" \{{', text, re.M)
            if header:
                start, end = block_span(text, header)
                text = text[:start] + text[end:]
                log.append(f"tests/{test_file.name}: dropped mock_provider {local}")
        test_file.write_text(text, encoding="utf-8")
    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write the shimmed copy")
    p.add_argument("--dest", type=Path, required=True)
    p.add_argument("--schema", type=Path, required=True, help="terraform providers schema -json of the mirror")
    args = parser.parse_args(argv)
    for line in prepare(args.dest, args.schema):
        print(f"shim: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
