"""The knowledge-base documents: domain write-ups, testing guidance, templates and compliance rules.

Sources, all shipped in the package:
- ``sdga/knowledge/documents/**.md`` (markdown with a small front-matter block: ``title``, ``template``,
  ``domain``, ``kind``),
- every template YAML in ``sdga/templates/`` (read directly, so the knowledge base needs no engine import),
- the validator's compliance rules ``sdga/validation/rules/*.yaml``, indexed by reference as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader when available: ten times faster than the pure-Python one (the corpus is read on
# every planner start, so this is most of a plan's cost otherwise).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KINDS = ("domain", "template", "guidance", "compliance", "memory")


@dataclass(frozen=True)
class Document:
    """One retrievable unit. ``template`` names the runnable template the document describes, if any."""

    id: str
    title: str
    text: str
    kind: str
    template: str | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class TemplateEntry:
    """A template file as the knowledge base sees it (name, prose, tags and the raw schema)."""

    name: str
    description: str
    data_type: str
    domain: str
    tags: tuple[str, ...]
    schema: dict[str, Any]
    source: str


def _package_dir(package: str, *parts: str) -> Traversable | None:
    try:
        node = resources.files(package)
    except ModuleNotFoundError:
        return None
    for part in parts:
        node = node / part
    return node if node.is_dir() else None


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            out.extend(_walk(child, rel + "/"))
        elif child.is_file():
            out.append((rel, child))
    return out


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``---``-delimited YAML front matter and the body; no front matter gives ``({}, text)``."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            meta = yaml.load(text[3:end], Loader=_Loader) or {}
            body = text[end + 4 :].lstrip("\n")
            if isinstance(meta, dict):
                return meta, body
    return {}, text


def source_files() -> list[Path]:
    """The package files the corpus is read from (templates, domain pages, compliance rules)."""
    out: list[Path] = []
    for package, parts, suffixes in (
        ("sdga", ("templates",), (".yaml", ".yml")),
        ("sdga", ("knowledge", "documents"), (".md",)),
        ("sdga", ("validation", "rules"), (".yaml", ".yml")),
    ):
        root = _package_dir(package, *parts)
        if root is None:
            continue
        for rel, node in _walk(root):
            if rel.endswith(suffixes):
                out.append(Path(str(node)))
    return out


@lru_cache(maxsize=1)
def corpus_stamp() -> str | None:
    """The disk-cache key of the corpus: its files, and the code that reads and tokenises them (a change
    to either must not be served from an old cache)."""
    from sdga.knowledge.cache import stamp

    here = Path(__file__).parent
    code = [here / name for name in ("corpus.py", "bm25.py", "retriever.py", "cache.py")]
    return stamp([*source_files(), *code])


def load_templates() -> list[TemplateEntry]:
    """Every template YAML in ``sdga/templates`` (core and domain), sorted by name; broken files skipped."""
    return list(_load_templates())


@lru_cache(maxsize=1)
def _load_templates() -> tuple[TemplateEntry, ...]:
    from sdga.knowledge.cache import cached

    return cached("templates", corpus_stamp(), _read_templates)


def _read_templates() -> tuple[TemplateEntry, ...]:
    root = _package_dir("sdga", "templates")
    if root is None:
        return ()
    out: list[TemplateEntry] = []
    for rel, node in _walk(root):
        if not rel.endswith((".yaml", ".yml")):
            continue
        try:
            data = yaml.load(node.read_text(encoding="utf-8"), Loader=_Loader)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("schema"), dict):
            continue
        name = str(data.get("name") or Path(rel).stem)
        out.append(
            TemplateEntry(
                name=name,
                description=" ".join(str(data.get("description") or "").split()),
                data_type=str(data.get("data_type") or "custom"),
                domain=str(data.get("domain") or name),
                tags=tuple(str(t) for t in data.get("tags") or ()),
                schema=data["schema"],
                source=f"templates/{rel}",
            )
        )
    return tuple(sorted(out, key=lambda t: t.name))


def _field_words(schema: dict[str, Any]) -> list[str]:
    words: list[str] = []
    tables = schema.get("tables") or [{"name": schema.get("name") or "", "fields": schema.get("fields") or []}]
    for table in tables:
        words.append(str(table.get("name") or ""))
        for fld in table.get("fields") or []:
            words.append(str(fld.get("name", "")))
            words.append(str(fld.get("description") or ""))
    return [w for w in words if w]


def template_document(entry: TemplateEntry) -> Document:
    """A template as a searchable document; name and tags are repeated because they are the best evidence."""
    tags = ", ".join(entry.tags)
    text = "\n".join(
        [
            f"{entry.name} {entry.domain} {entry.name} {entry.domain}",
            entry.description,
            f"Tags: {tags}. {tags}.",
            "Tables and fields: " + " ".join(_field_words(entry.schema)),
        ]
    )
    return Document(
        id=f"template:{entry.name}",
        title=f"Template {entry.name}",
        text=text,
        kind="template",
        template=entry.name,
        source=entry.source,
        metadata={"domain": entry.domain, "data_type": entry.data_type, "tags": list(entry.tags)},
    )


def load_markdown_documents() -> list[Document]:
    """The prose documents under ``sdga/knowledge/documents``."""
    root = _package_dir("sdga.knowledge", "documents")
    if root is None:
        return []
    docs: list[Document] = []
    for rel, node in _walk(root):
        if not rel.endswith(".md"):
            continue
        meta, body = split_front_matter(node.read_text(encoding="utf-8"))
        template = meta.get("template")
        kind = str(meta.get("kind") or ("domain" if template else "guidance"))
        docs.append(
            Document(
                id=f"doc:{rel}",
                title=str(meta.get("title") or Path(rel).stem),
                text=body,
                kind=kind,
                template=str(template) if template else None,
                source=f"knowledge/documents/{rel}",
                metadata={k: v for k, v in meta.items() if k not in {"title", "template", "kind"}},
            )
        )
    return docs


def load_rule_documents() -> list[Document]:
    """The validator's compliance rule files, one document each, text taken as it is."""
    root = _package_dir("sdga", "validation", "rules")  # not the package: importing it loads the engine
    if root is None:
        return []
    docs: list[Document] = []
    for rel, node in _walk(root):
        if not rel.endswith((".yaml", ".yml")):
            continue
        text = node.read_text(encoding="utf-8")
        docs.append(
            Document(
                id=f"rules:{rel}",
                title=f"Compliance rules {Path(rel).stem.upper()}",
                text=text,
                kind="compliance",
                source=f"validation/rules/{rel}",
            )
        )
    return docs


def load_corpus() -> list[Document]:
    """All shipped documents: templates, prose and compliance rules (memory is added by the index)."""
    return list(_load_corpus())


@lru_cache(maxsize=1)
def _load_corpus() -> tuple[Document, ...]:
    from sdga.knowledge.cache import cached

    def build() -> tuple[Document, ...]:
        return tuple([template_document(t) for t in load_templates()] + load_markdown_documents()
                     + load_rule_documents())  # fmt: skip

    return cached("corpus", corpus_stamp(), build)


def export_documents(out_dir: Path) -> list[Path]:
    """Write the whole corpus as files for a Bedrock knowledge base data source (S3 sync).

    Markdown stays markdown; each template becomes a markdown page with its YAML so the cloud index has
    the same content as the local one. Returns the files written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)

    for entry in load_templates():
        body = yaml.safe_dump(
            {"name": entry.name, "description": entry.description, "data_type": entry.data_type,
             "domain": entry.domain, "tags": list(entry.tags), "schema": entry.schema},
            sort_keys=False, allow_unicode=True,
        )  # fmt: skip
        put(
            f"templates/{entry.name}.md",
            f"# Template {entry.name} ({entry.domain})\n\n{entry.description}\n\nTags: {', '.join(entry.tags)}\n\n"
            f"```yaml\n{body}```\n",
        )
    for doc in load_markdown_documents():
        assert doc.source is not None
        put(doc.source.removeprefix("knowledge/documents/"), doc.text)
    # Bedrock ingests markdown but not YAML: each rule file becomes a page with its YAML.
    for doc in load_rule_documents():
        stem = Path(doc.source or doc.id).stem
        put(f"compliance/rules/{stem}.md", f"# {doc.title}\n\n```yaml\n{doc.text.rstrip()}\n```\n")
    # Metadata files let Bedrock filter by kind/template (the "<file>.metadata.json" convention).
    for path in list(written):
        rel = path.relative_to(out_dir).as_posix()
        kind = (
            "template"
            if rel.startswith("templates/")
            else "compliance"
            if rel.startswith("compliance/")
            else "guidance"
        )
        meta = {"kind": "domain" if rel.startswith("domains/") else kind}
        if rel.startswith("templates/"):
            meta["template"] = path.stem
        put(rel + ".metadata.json", json.dumps({"metadataAttributes": meta}))
    return written
