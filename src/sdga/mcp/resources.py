"""What the MCP server serves as resources, addressed by ``sdga://`` URIs.

* ``sdga://templates`` — the template catalogue; ``sdga://templates/{name}`` — one template's schema.
* ``sdga://field-types`` — every field type with its description and an example.
* ``sdga://generations/{id}`` — a generation's status and result; ``.../report`` — its markdown report;
  ``.../files/{name}`` — one of its output files (text formats as text, Parquet as bytes).

Tools link to these instead of inlining large content. Only files a generation's own record lists can be
read, so a URI can never name an arbitrary path; and a read above ``max_bytes`` is refused with the file's
location rather than sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from sdga.errors import NotFoundError, NotReadyError, SdgaError
from sdga.models import GenerateDataResponse, GenerationStatus

SCHEME = "sdga://"
TEMPLATES_URI = "sdga://templates"
FIELD_TYPES_URI = "sdga://field-types"

# Text formats are served as text; anything else (Parquet) as base64 bytes.
_MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "sql": "application/sql",
    "xml": "application/xml",
    "md": "text/markdown",
    "parquet": "application/vnd.apache.parquet",
}
_BINARY = {"parquet"}
_GENERATION = re.compile(r"^sdga://generations/(?P<gid>[^/]+)(?:/(?P<part>report|files/(?P<name>[^/]+)))?$")
_TEMPLATE = re.compile(r"^sdga://templates/(?P<name>[A-Za-z0-9_.-]{1,64})$")


class ResourceTooLargeError(SdgaError):
    code = "resource_too_large"
    http_status = 413


@dataclass(frozen=True)
class Link:
    """A pointer a tool result carries instead of the content (an MCP ``resource_link``)."""

    uri: str
    name: str
    mime_type: str
    description: str
    size: int | None = None


@dataclass(frozen=True)
class Content:
    """What a resource read answers: text, or bytes for binary files."""

    uri: str
    mime_type: str
    text: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Fixed:
    uri: str
    name: str
    title: str
    description: str
    mime_type: str


@dataclass(frozen=True)
class Pattern:
    uri_template: str
    name: str
    title: str
    description: str
    mime_type: str | None = None


PATTERNS: tuple[Pattern, ...] = (
    Pattern("sdga://templates/{name}", "template", "Template schema",
            "One template's full schema (JSON), ready to edit and pass to generate_synthetic_data.",
            "application/json"),
    Pattern("sdga://generations/{generation_id}", "generation", "Generation result",
            "A generation's status and result (JSON): records, files, quality metrics, warnings.",
            "application/json"),
    Pattern("sdga://generations/{generation_id}/report", "generation-report", "Generation report",
            "The markdown report written beside a generation's data.", "text/markdown"),
    Pattern("sdga://generations/{generation_id}/files/{name}", "generation-file", "Generated file",
            "One output file of a generation: CSV, JSON, JSON Lines, SQL and XML as text, Parquet as bytes."),
)  # fmt: skip


def fixed_resources(service: Any) -> list[Fixed]:
    """The catalogue resources, then one per template."""
    out = [
        Fixed(TEMPLATES_URI, "templates", "Templates", "Every template: name, description, data type and domain.",
              "application/json"),
        Fixed(FIELD_TYPES_URI, "field-types", "Field types",
              "Every field type: category, description, column type, whether it can be unique, an example.",
              "application/json"),
    ]  # fmt: skip
    for t in service.templates():
        out.append(
            Fixed(template_uri(t["name"]), f"template-{t['name']}", f"Template {t['name']}",
                  t.get("description") or f"The {t['name']} template's schema.", "application/json")
        )  # fmt: skip
    return out


def template_uri(name: str) -> str:
    return f"sdga://templates/{quote(name, safe='')}"


def template_link(name: str, description: str | None) -> Link:
    return Link(template_uri(name), f"template {name}", "application/json", description or f"The {name} schema.")


def field_types_link() -> Link:
    return Link(FIELD_TYPES_URI, "field types", "application/json", "Every field type with an example.")


def field_types() -> list[dict[str, Any]]:
    from sdga.engine.fields import describe_types

    return describe_types()


def mime_of(name: str) -> str:
    return _MIME.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def _basename(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def generation_links(response: GenerateDataResponse, service: Any = None) -> list[Link]:
    """Links to a finished generation's files and report (nothing for pending or failed ones)."""
    if response.status not in (GenerationStatus.SUCCESS, GenerationStatus.PARTIAL):
        return []
    gid = response.generation_id
    base = f"sdga://generations/{gid}"
    links = []
    for uri in response.output_files:
        name = _basename(uri)
        table = response.records_per_table
        described = f"Generated data ({name}) written to {uri}"
        if len(table) == 1:
            described += f", {next(iter(table.values())):,} records"
        size = _size(service, uri) if service is not None else None
        links.append(Link(f"{base}/files/{quote(name, safe='')}", name, mime_of(name), described, size))
    if response.report_location:
        links.append(Link(f"{base}/report", "report.md", "text/markdown", "The generation report (markdown)."))
    return links


def _size(service: Any, uri: str) -> int | None:
    """The stored file's size when its reader knows it cheaply (local files), else None."""
    try:
        size: int | None = service.destinations.files(uri).size(uri)
    except (SdgaError, OSError):
        return None
    return size


# ----------------------------------------------------------------------------------------- reading
def read(service: Any, uri: str, max_bytes: int) -> Content:
    """The resource at ``uri``; NotFoundError for anything this server does not serve."""
    if uri == TEMPLATES_URI:
        return _json(uri, service.templates())
    if uri == FIELD_TYPES_URI:
        return _json(uri, field_types())
    match = _TEMPLATE.match(uri)
    if match:
        schema = service.template(unquote(match.group("name")))
        return _json(uri, schema.model_dump(mode="json", by_alias=True, exclude_none=True))
    match = _GENERATION.match(uri)
    if match:
        gid = unquote(match.group("gid"))
        if match.group("part") is None:
            return _json(uri, service.status(gid).model_dump(mode="json", by_alias=True, exclude_none=True))
        if match.group("part") == "report":
            return Content(uri, "text/markdown", text=service.report(gid))
        return _file(service, uri, gid, unquote(match.group("name")), max_bytes)
    raise NotFoundError(f"no resource {uri!r}: this server serves sdga://templates, sdga://field-types and "
                        "sdga://generations/{id}[/report|/files/{name}]", details={"uri": uri})  # fmt: skip


def _json(uri: str, data: Any) -> Content:
    return Content(uri, "application/json", text=json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _file(service: Any, uri: str, gid: str, name: str, max_bytes: int) -> Content:
    response: GenerateDataResponse = service.status(gid)
    if response.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
        raise NotReadyError(f"generation {response.generation_id} is still {response.status.value}")
    files = {_basename(f): f for f in response.output_files}
    location = files.get(name)
    if location is None:
        raise NotFoundError(
            f"generation {response.generation_id} has no file {name!r}"
            + (f"; its files: {', '.join(files)}" if files else ""),
            details={"uri": uri, "files": list(files)},
        )
    data = _read_capped(service, location, max_bytes)
    mime = mime_of(name)
    if name.rsplit(".", 1)[-1].lower() in _BINARY:
        return Content(uri, mime, data=data)
    return Content(uri, mime, text=data.decode("utf-8", errors="replace"))


def _read_capped(service: Any, location: str, max_bytes: int) -> bytes:
    """The file's bytes, or ResourceTooLargeError naming where it is when it is over ``max_bytes``."""

    def too_large(size: str) -> ResourceTooLargeError:
        return ResourceTooLargeError(
            f"{_basename(location)} is {size} bytes, above the {max_bytes:,} this server returns in one read "
            f"(SDGA_MCP_MAX_RESOURCE_BYTES); open it at {location}",
            details={"location": location, "max_resource_bytes": max_bytes},
        )

    size = _size(service, location)
    if size is not None and size > max_bytes:
        raise too_large(f"{size:,}")
    parts: list[bytes] = []
    total = 0
    try:
        for chunk in _open(service, location):
            total += len(chunk)
            if total > max_bytes:
                raise too_large(f"more than {max_bytes:,}")
            parts.append(chunk)
    except OSError as exc:
        raise NotFoundError(f"the stored file {location} cannot be read ({exc.strerror or exc})") from None
    return b"".join(parts)


def _open(service: Any, location: str) -> Iterator[bytes]:
    """The stored file's bytes through the service's reader for its kind of location (local, s3, ...)."""
    chunks: Iterator[bytes] = service.destinations.files(location).open(location)
    return chunks
