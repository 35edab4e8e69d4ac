"""CSV writer: RFC 4180 via ``pyarrow.csv``, nested values flattened or JSON-encoded.

* Struct columns are flattened into one column per leaf, named ``parent.child`` (recursively), so an
  ``address`` object becomes ``address.street``, ``address.city``, ... — what spreadsheet and database
  loaders expect.
* List (array) columns, and lists inside structs, are written as one JSON-encoded cell (``["a","b"]``).
* Null is an empty unquoted cell; an empty string is ``""``, so readers can tell them apart.
* Timestamps are ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (UTC with ``Z`` when timezone-aware); floats that are
  not finite are written as empty cells.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pacsv

from sdga.writers._encode import decode_dictionary, finite_floats, is_nested, json_or_null, plain_text
from sdga.writers.base import TableWriter


def _native(data_type: pa.DataType) -> bool:
    """Types pyarrow's CSV writer renders the way we want as they are."""
    t = pa.types
    return bool(
        t.is_integer(data_type)
        or t.is_floating(data_type)
        or t.is_decimal(data_type)
        or t.is_boolean(data_type)
        or t.is_string(data_type)
        or t.is_large_string(data_type)
        or t.is_date(data_type)
        or t.is_null(data_type)
    )


def flatten_for_csv(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch as flat CSV-ready columns (see the module docstring for the rules)."""
    names: list[str] = []
    arrays: list[pa.Array] = []

    def add(name: str, arr: pa.Array) -> None:
        arr = decode_dictionary(arr)
        if pa.types.is_struct(arr.type):
            for i, child in enumerate(arr.flatten()):
                add(f"{name}.{arr.type.field(i).name}", child)
        elif is_nested(arr.type):
            names.append(name)
            arrays.append(json_or_null(arr))
        elif _native(arr.type):
            names.append(name)
            arrays.append(finite_floats(arr))
        else:  # timestamps, times, binary (base64), durations, ...: our text form
            names.append(name)
            arrays.append(plain_text(arr, sep=" ", utc_marker="Z"))

    for field, column in zip(batch.schema, batch.columns, strict=True):
        add(field.name, column)
    return pa.RecordBatch.from_arrays(arrays, names=names)


class CsvWriter(TableWriter):
    extension = "csv"

    def _write_header(self) -> None:
        self._csv: pacsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None

    def _write(self, batch: pa.RecordBatch) -> None:
        flat = flatten_for_csv(batch)
        if self._csv is None:
            self._schema = flat.schema
            self._csv = pacsv.CSVWriter(self.stream, flat.schema)
        elif flat.schema != self._schema:
            flat = flat.cast(self._schema)
        self._csv.write_batch(flat)

    def _write_footer(self) -> None:
        if self._csv is None:
            # No rows: still write the header line, from the table's declared columns.
            empty = pa.RecordBatch.from_pylist([], schema=self.table.arrow_schema)
            flat = flatten_for_csv(empty)
            pacsv.write_csv(flat, self.stream)

    def _finish(self) -> None:
        if getattr(self, "_csv", None) is not None:
            assert self._csv is not None
            self._csv.close()
            self._csv = None
        super()._finish()
