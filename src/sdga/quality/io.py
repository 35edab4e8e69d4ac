"""Read generated (or reference) data into Arrow tables: one file, or a directory with one table per file.

Every failure is an :class:`~sdga.errors.InvalidInputError` naming the file, so that the CLI prints one
line and the API answers 422 instead of a traceback.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from sdga.errors import InvalidInputError

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xml": "xml",
}


def _format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return SUPPORTED_SUFFIXES.get(suffixes[-2])
    return SUPPORTED_SUFFIXES.get(path.suffix.lower())


def _table_name(path: Path) -> str:
    name = path.name
    for _ in range(2):
        stem, dot, ext = name.rpartition(".")
        if dot and ("." + ext.lower() in SUPPORTED_SUFFIXES or ext.lower() == "gz"):
            name = stem
    return name or "data"


def _sniff_delimiter(path: Path) -> str:
    """',' unless the header line has more semicolons than commas (outside quotes): spreadsheets in locales
    with a decimal comma export ';'-separated "CSV", which would otherwise be read as a single column."""
    with pa.input_stream(str(path), compression="detect") as stream:  # .csv.gz too
        header = stream.read(65_536).split(b"\n", 1)[0]
    unquoted = re.sub(rb'"[^"]*"', b"", header)
    return ";" if unquoted.count(b";") > unquoted.count(b",") else ","


def _read_csv(path: Path, delimiter: str = ",") -> pa.Table:
    # Empty strings are nulls in every column: that is how the CSV writer (and most tools) write null.
    convert = pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=False)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    try:
        table = pacsv.read_csv(path, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "utf8" not in str(exc).lower() and "utf-8" not in str(exc).lower():
            raise
        table = None
    if table is not None and not any(
        pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in table.schema
    ):
        return table
    # Arrow reads bytes that are not UTF-8 as binary columns (hex "statistics"): legacy exports are mostly
    # Windows-1252 (Excel) or Latin-1, so decode the file as such; Latin-1 accepts every byte.
    for encoding in ("cp1252", "latin-1"):
        try:
            read = pacsv.ReadOptions(encoding=encoding)
            return pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            continue
    raise InvalidInputError(f"{path} is not UTF-8, Windows-1252 or Latin-1 text")


def _read_json_lines(path: Path) -> pa.Table:
    """JSON Lines; a column whose type changes between rows (1, then "E42") becomes text instead of an error."""
    try:
        return pajson.read_json(path)
    except pa.ArrowInvalid as exc:
        if "changed from" not in str(exc):
            raise
        return pl.read_ndjson(path, infer_schema_length=None).to_arrow()


def flatten_nested(table: pa.Table) -> pa.Table:
    """Structs become ``parent.child`` columns and maps become lists of ``{key, value}`` structs, so that
    every column has a type the statistics (written for scalars and lists) understand."""
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    for i, f in enumerate(table.schema):
        if pa.types.is_map(f.type):
            entries = pa.struct([pa.field("key", f.type.key_type), pa.field("value", f.type.item_type)])
            table = table.set_column(i, f.name, table.column(i).cast(pa.list_(entries)))
    return table


def _read_json(path: Path) -> dict[str, pa.Table]:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip()
    if not head:
        raise InvalidInputError(f"{path} is empty")
    if head[:1] == b"[":
        try:
            frame = pl.read_json(path, infer_schema_length=10_000)
        except Exception:  # polars cannot infer mixed types: fall back to Arrow via Python objects
            rows = json.loads(path.read_text(encoding="utf-8"))
            return {_table_name(path): pa.Table.from_pylist(rows)}
        return {_table_name(path): frame.to_arrow()}
    if head[:1] == b"{":
        # A document holding several tables ({"users": [...], "orders": [...]}) or JSON Lines.
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {_table_name(path): _read_json_lines(path)}
        if isinstance(doc, dict) and doc and all(isinstance(v, list) for v in doc.values()):
            return {str(k): pa.Table.from_pylist(v) for k, v in doc.items()}
        if isinstance(doc, dict):
            return {_table_name(path): pa.Table.from_pylist([doc])}
    raise InvalidInputError(f"{path} is not a JSON array of objects, a table map or JSON Lines")


_XML_NULL = "\u2400sdga-null\u2400"


def _read_xml(path: Path) -> pa.Table:
    """The writer's layout: root element, one ``<record>`` per row, one child element per column."""
    rows: list[dict[str, object]] = []
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag != "record":
            continue
        row: dict[str, object] = {}
        for child in elem:
            if child.get(nil) == "true":
                row[child.tag] = _XML_NULL
            elif len(child) and all(c.tag == "item" for c in child):
                row[child.tag] = json.dumps([c.text for c in child])
            elif len(child):
                row[child.tag] = json.dumps({c.tag: c.text for c in child})
            else:
                row[child.tag] = child.text or ""
        rows.append(row)
        elem.clear()
    if not rows:
        raise InvalidInputError(f"{path} has no <record> elements")
    # Values arrive as text: let the CSV reader infer column types exactly as for a CSV file.
    frame = pl.DataFrame(rows, infer_schema_length=None)
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    buffer.seek(0)
    # Only xsi:nil is null: an empty element is an empty string, and 'NA' is Namibia, not a null.
    convert = pacsv.ConvertOptions(strings_can_be_null=True, null_values=[_XML_NULL])
    return pacsv.read_csv(buffer, convert_options=convert)


@contextmanager
def analysis_errors(what: str) -> Iterator[None]:
    """Data that the analysis cannot handle (an odd type mix, say) is bad input, never a traceback."""
    try:
        yield
    except (pl.exceptions.PolarsError, pa.ArrowException) as exc:
        first = " ".join(str(exc).split())[:300]
        raise InvalidInputError(f"cannot {what}: {first}") from exc


def read_file(path: str | Path) -> dict[str, pa.Table]:
    """One data file into ``{table_name: table}`` (a JSON table map may hold several tables)."""
    p = Path(path)
    fmt = _format_of(p)
    if fmt is None:
        raise InvalidInputError(
            f"{p}: unsupported file type; expected one of {', '.join(sorted(set(SUPPORTED_SUFFIXES)))}"
        )
    try:
        if p.stat().st_size == 0:
            raise InvalidInputError(f"{p} is empty")
        if fmt == "parquet":
            return {_table_name(p): pq.read_table(p)}
        if fmt in ("csv", "tsv"):
            return {_table_name(p): _read_csv(p, "\t" if fmt == "tsv" else _sniff_delimiter(p))}
        if fmt == "jsonl":
            return {_table_name(p): _read_json_lines(p)}
        if fmt == "xml":
            return {_table_name(p): _read_xml(p)}
        return _read_json(p)
    except InvalidInputError:
        raise
    except FileNotFoundError as exc:
        raise InvalidInputError(f"file not found: {p}") from exc
    except PermissionError as exc:
        raise InvalidInputError(f"cannot read {p}: permission denied") from exc
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, ET.ParseError, UnicodeDecodeError, OSError) as exc:
        first = " ".join(str(exc).split())[:300]
        raise InvalidInputError(f"{p} is not a readable {fmt.upper()} file: {first}") from exc
    except Exception as exc:  # polars raises its own exception types for malformed input
        first = " ".join(str(exc).split())[:300]
        raise InvalidInputError(f"{p} is not a readable {fmt.upper()} file: {first}") from exc


MANIFEST = "_manifest.json"  # what a published output directory describes itself with; not a table


def _listed_parts(directory: Path) -> dict[str, list[Path]] | None:
    """The tables a manifest lists with their part files (``{"tables": {name: {"files": [...]}}}``, as the
    Spark engine writes it); None when the directory has no such manifest (a published directory's plain
    manifest lists files, not tables)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    listed = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or not all(isinstance(t, dict) and "files" in t for t in listed.values()):
        return None
    return {str(name): [directory / str(f) for f in entry["files"]] for name, entry in listed.items()}


def _manifest_tables(directory: Path, listed: dict[str, list[Path]]) -> dict[str, pa.Table]:
    """Each listed table read from all its part files."""
    tables: dict[str, pa.Table] = {}
    for name, files in listed.items():
        parts = [read_file(f) for f in files]
        pieces = [table for part in parts for table in part.values() if table.num_rows]
        if not pieces and parts:
            pieces = [next(iter(parts[0].values()))]
        if not pieces:
            raise InvalidInputError(f"{directory}: table '{name}' has no files in its manifest")
        try:
            tables[name] = pa.concat_tables(pieces, promote_options="default")
        except pa.ArrowInvalid as exc:
            raise InvalidInputError(f"{directory}: the files of table '{name}' do not share a schema: {exc}") from exc
    return tables


def _data_files(directory: Path) -> list[Path]:
    """The directory's data files: supported formats, not hidden, not its manifest."""
    return sorted(
        f
        for f in directory.iterdir()
        if f.is_file() and not f.name.startswith(".") and f.name != MANIFEST and _format_of(f)
    )


def read_data(location: str | Path) -> dict[str, pa.Table]:
    """A data file or a directory of them (csv, tsv, json, jsonl, parquet, xml) as ``{table: pa.Table}``.

    In a directory every supported file is one table named after the file (``orders.csv`` -> ``orders``);
    other files (reports, SQL scripts) are skipped. A directory whose manifest lists tables and their part
    files (``sdga generate --engine spark``) is read table by table from those files. Empty tables are kept: an empty result is data too.
    """
    p = Path(location).expanduser()
    if not p.exists():
        raise InvalidInputError(f"file not found: {p}")
    if p.is_file():
        tables = read_file(p)
    elif (listed := _listed_parts(p)) is not None:
        tables = _manifest_tables(p, listed)
    else:
        files = _data_files(p)
        if not files:
            raise InvalidInputError(
                f"{p} holds no data files (expected {', '.join(sorted(set(SUPPORTED_SUFFIXES.values())))})"
            )
        tables = {}
        for f in files:
            for name, table in read_file(f).items():
                if name in tables:
                    raise InvalidInputError(f"{p}: two files define table '{name}'; keep one format per table")
                tables[name] = table
    for name, table in tables.items():
        if table.num_columns == 0:
            raise InvalidInputError(f"table '{name}' in {p} has no columns")
    return tables


class TableSource:
    """A table read a few columns at a time: an Arrow table in memory, or a Parquet file that is never
    loaded whole (so measuring a file costs memory for the columns at hand, not for the table)."""

    def __init__(self, table: pa.Table | None = None, path: Path | None = None) -> None:
        self._table = table
        self._path = path
        self._file = pq.ParquetFile(path) if table is None and path is not None else None
        if self._file is not None:
            self.schema: pa.Schema = self._file.schema_arrow
            self.num_rows: int = self._file.metadata.num_rows
        else:
            assert table is not None
            self.schema, self.num_rows = table.schema, table.num_rows

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)

    def nbytes(self, name: str) -> int:
        """Bytes the column takes in memory (for a file: its uncompressed size, a close estimate)."""
        if self._file is None:
            assert self._table is not None
            return int(self._table.column(name).nbytes)
        meta = self._file.metadata
        total = 0
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            for c in range(group.num_columns):
                column = group.column(c)
                if column.path_in_schema.split(".")[0] == name:
                    total += column.total_uncompressed_size
        # Dictionary-encoded text takes far more once decoded: count a 16-byte view per value too.
        return total + 16 * self.num_rows

    def read(self, columns: list[str]) -> pa.Table:
        if self._file is None:
            assert self._table is not None
            return self._table.select(columns)
        with analysis_errors(f"read {self._path}"):
            return self._file.read(columns=columns)

    def frame(self, columns: list[str]) -> pl.DataFrame:
        """The columns as a polars frame, structs flattened to ``parent.child`` columns. A Parquet file is
        read by polars directly (no Arrow copy on the way), which keeps the peak near the columns' size."""
        if (
            self._file is not None
            and self._path is not None
            and not any(
                pa.types.is_struct(self.schema.field(c).type) or pa.types.is_map(self.schema.field(c).type)
                for c in columns
            )
        ):
            with analysis_errors(f"read {self._path}"):
                return pl.scan_parquet(self._path).select(columns).collect()
        frame = pl.from_arrow(flatten_nested(self.read(columns)), rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def table(self) -> pa.Table:
        if self._table is None:
            self._table = self.read(self.column_names)
        return self._table


def open_data(location: str | Path) -> dict[str, TableSource]:
    """Like :func:`read_data`, but a Parquet file (alone or one table of a directory) is opened, not read:
    its columns are read when asked for."""
    p = Path(location).expanduser()
    lazy: list[Path] = []
    if p.is_file() and _format_of(p) == "parquet":
        lazy = [p]
    elif p.is_dir() and _listed_parts(p) is None:
        files = _data_files(p)
        names = [_table_name(f) for f in files]
        if len(set(names)) == len(names) and all(_format_of(f) == "parquet" for f in files) and files:
            lazy = sorted(files)
    if not lazy:
        return {name: TableSource(table) for name, table in read_data(p).items()}
    sources: dict[str, TableSource] = {}
    for f in lazy:
        if f.stat().st_size == 0:
            raise InvalidInputError(f"{f} is empty")
        try:
            source = TableSource(path=f)
        except (pa.ArrowException, OSError, ValueError) as exc:
            first = " ".join(str(exc).split())[:300]
            raise InvalidInputError(f"{f} is not a readable PARQUET file: {first}") from exc
        if not source.column_names:
            raise InvalidInputError(f"table '{_table_name(f)}' in {p} has no columns")
        sources[_table_name(f)] = source
    return sources
