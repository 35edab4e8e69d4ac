"""The ``sdga`` data source's options: what to generate, which table, and how to split it into partitions.

Options are strings (Spark's reader options). What to generate comes from exactly one of:

* ``template``: a built-in template name (``sdga templates``), as ``sdga generate --template``;
* ``schema``: a schema as JSON or YAML text; a whole request document (``{"schema": ..., "volume": ...}``,
  the API body) also sets volume, seed, locale;
* ``schemaPath`` (or the ``load(path)`` argument): a JSON or YAML file holding either of those;
* ``request``: a complete ``GenerateDataRequest`` as JSON (what the Spark engine passes).

``volume``, ``seed`` and ``locale`` override the document's values, exactly as the command line's
options do, so the same options give the same rows as ``sdga generate``. ``table`` names the table to
read (optional when there is only one). ``numPartitions`` sets the number of partitions; otherwise
``rowsPerPartition`` (default about a million rows) decides it. A partition is a range of rows, made of whole
blocks of the engine whenever the table has enough of them; any split gives the same rows.

Nothing here imports pyspark: the options are checked (and their errors reported) the same way with or
without a cluster.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdga.errors import InvalidInputError, NotFoundError, SchemaError
from sdga.models import MAX_VOLUME, SUPPORTED_LOCALES, DataType, GenerateDataRequest, Schema

SOURCE_NAME = "sdga"  # spark.read.format("sdga")
DEFAULT_ROWS_PER_PARTITION = 1_048_576  # 16 blocks of 65,536 rows
MAX_PARTITIONS = 1_000_000

# Keys of a request document given as ``schema`` that are taken as settings (as ``sdga generate --schema``).
_REQUEST_KEYS = ("data_type", "volume", "output_format", "seed", "locale", "sql_dialect")
_KNOWN = {
    "template",
    "schema",
    "schemapath",
    "path",
    "request",
    "table",
    "volume",
    "seed",
    "locale",
    "numpartitions",
    "rowsperpartition",
}


@dataclass(frozen=True)
class SourceOptions:
    """The data source's options, checked: the request to plan, the table to read, the partitioning."""

    request: GenerateDataRequest
    table: str | None = None
    num_partitions: int | None = None
    rows_per_partition: int = DEFAULT_ROWS_PER_PARTITION


def _lower(options: Mapping[str, str]) -> dict[str, str]:
    # Spark hands Python data sources case-insensitive options; accept any spelling here too.
    return {str(k).lower(): str(v) for k, v in options.items() if v is not None}


def _int(options: dict[str, str], key: str, name: str, low: int, high: int) -> int | None:
    raw = options.get(key)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise InvalidInputError(f"option {name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise InvalidInputError(f"option {name} must be between {low:,} and {high:,}, got {value:,}")
    return value


def _locale(raw: str) -> str:
    wanted = raw.strip().replace("-", "_").lower()
    for locale in SUPPORTED_LOCALES:
        if locale.lower() == wanted:
            return locale
    raise InvalidInputError(f"option locale: unsupported locale {raw!r}; choose one of {', '.join(SUPPORTED_LOCALES)}")


def _template(name: str) -> tuple[Schema, DataType]:
    from sdga.engine.templates import get_template, list_templates

    try:
        schema = get_template(name)
    except NotFoundError as exc:
        names = ", ".join(t.name for t in list_templates())
        raise InvalidInputError(f"option template: unknown template {name!r}; available: {names}") from exc
    data_type = DataType(name) if name in {d.value for d in DataType} else DataType.CUSTOM
    return schema, data_type


def _schema_document(text: str, source: str) -> tuple[Schema, dict[str, Any]]:
    from sdga.schema_io import parse_document, to_model

    document = parse_document(text, source=source)
    settings: dict[str, Any] = {}
    if isinstance(document, dict) and isinstance(document.get("schema"), dict):
        settings = {k: document[k] for k in _REQUEST_KEYS if k in document}
        document = document["schema"]
    if isinstance(document, list):  # a bare list of fields
        document = {"fields": document}
    return to_model(Schema, document, what=source), settings


def _read_text(path: str) -> str:
    p = Path(path).expanduser()
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"option schemaPath: file not found: {path}") from None
    except IsADirectoryError:
        raise InvalidInputError(f"option schemaPath: expected a file, got a directory: {path}") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"option schemaPath: {path} is not UTF-8 text") from None
    except OSError as exc:
        raise InvalidInputError(f"option schemaPath: cannot read {path}: {exc.strerror or exc}") from None


def parse_options(options: Mapping[str, str]) -> SourceOptions:
    """Check the data source's options; every problem is one InvalidInputError naming the option."""
    from sdga.schema_io import to_model

    opts = _lower(options)
    unknown = sorted(set(opts) - _KNOWN)
    if unknown:
        raise InvalidInputError(
            f"unknown option(s) {', '.join(unknown)} for format 'sdga'; known: "
            "template, schema, schemaPath, request, table, volume, seed, locale, numPartitions, rowsPerPartition"
        )
    path = opts.get("schemapath") or opts.get("path")
    sources = [k for k in ("template", "schema", "request") if opts.get(k, "").strip()] + (
        ["schemaPath"] if path else []
    )
    if len(sources) != 1:
        given = f"got {', '.join(sources)}" if sources else "got none"
        raise InvalidInputError(f"give exactly one of the options template, schema, schemaPath or request ({given})")
    volume = _int(opts, "volume", "volume", 1, MAX_VOLUME)
    seed = _int(opts, "seed", "seed", 0, 2**63 - 1)
    locale = _locale(opts["locale"]) if opts.get("locale", "").strip() else None

    payload: dict[str, Any]
    if opts.get("request", "").strip():
        try:
            payload = json.loads(opts["request"])
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"option request is not valid JSON: {exc.msg}") from None
        if not isinstance(payload, dict):
            raise InvalidInputError("option request must be a JSON object (a generate request)")
    else:
        settings: dict[str, Any] = {}
        if opts.get("template", "").strip():
            schema, data_type = _template(opts["template"].strip())
        else:
            text = opts["schema"] if opts.get("schema", "").strip() else _read_text(str(path))
            schema, settings = _schema_document(text, "option schema" if opts.get("schema") else str(path))
            data_type = DataType.CUSTOM
        payload = {"data_type": data_type, "volume": 1000, "locale": "en_US", **settings, "schema": schema}
    for key, value in (("volume", volume), ("seed", seed), ("locale", locale)):
        if value is not None:
            payload[key] = value
    request = to_model(GenerateDataRequest, payload, what="sdga data source request")
    return SourceOptions(
        request=request,
        table=opts.get("table", "").strip() or None,
        num_partitions=_int(opts, "numpartitions", "numPartitions", 1, MAX_PARTITIONS),
        rows_per_partition=_int(opts, "rowsperpartition", "rowsPerPartition", 1, 2**40) or DEFAULT_ROWS_PER_PARTITION,
    )


def choose_table(names: list[str], wanted: str | None) -> str:
    """The table to read: ``wanted``, or the only one (SchemaError/InvalidInputError otherwise)."""
    if wanted is None:
        if len(names) == 1:
            return names[0]
        raise InvalidInputError(
            f"the request has {len(names)} tables ({', '.join(names)}): choose one with option table "
            "(sdga.spark.read_tables gives every table at once)"
        )
    if wanted not in names:
        raise SchemaError(f"option table: no table named {wanted!r}; the request has {', '.join(names)}")
    return wanted


def row_ranges(
    volume: int, block_rows: int, *, num_partitions: int | None, rows_per_partition: int
) -> list[tuple[int, int]]:
    """Split a table's rows ``[0, volume)`` into contiguous ``(start, end)`` ranges, one per partition.

    Ranges are whole blocks whenever there are at least as many blocks as partitions (then no block is
    generated twice); more partitions than blocks split rows evenly, and a block that straddles two
    partitions is generated by both and sliced. Never an empty range.
    """
    if volume <= 0:
        return []
    blocks = -(-volume // block_rows)
    if num_partitions is None:
        per = max(1, rows_per_partition // block_rows)
        num_partitions = -(-blocks // per)
    n = max(1, min(num_partitions, volume))
    if n <= blocks:
        base, extra = divmod(blocks, n)
        edges = [0]
        for i in range(n):
            edges.append(edges[-1] + base + (1 if i < extra else 0))
        return [(a * block_rows, min(b * block_rows, volume)) for a, b in itertools.pairwise(edges)]
    base, extra = divmod(volume, n)
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(n):
        end = start + base + (1 if i < extra else 0)
        out.append((start, end))
        start = end
    return out
