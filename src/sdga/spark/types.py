"""Arrow types as Spark types, and the engine's record batches in the exact layout Spark expects.

Spark's types follow the engine's Arrow types one to one: ``int64`` is ``LongType``, ``decimal128(p, s)``
is ``DecimalType(p, s)``, a UTC ``timestamp`` is ``TimestampType`` (a naive one ``TimestampNTZType``),
``time32`` is ``TimeType``, structs are ``StructType`` and lists ``ArrayType``. Nullability is carried
over at every level, so a NOT NULL column of the schema is a non-nullable Spark column.

A Python data source must hand Spark batches whose Arrow schema *equals* the one Spark derives from the
declared schema (``pyspark.sql.pandas.types.to_arrow_schema``): list children are called ``element``
rather than ``item``, times are ``time64[ns]``. :func:`conform` makes that change per column, and only
for the columns that need it (a cast that only renames a list child copies no values).

This module imports pyspark only inside the functions that need it, so the engine can describe Spark
types without pyspark installed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sdga.errors import SchemaError

if TYPE_CHECKING:
    from pyspark.sql.types import DataType, StructType

# Spark's own session time zone for TimestampType values exchanged through Arrow.
ARROW_TIMEZONE = "UTC"
# Spark 4 reads and writes TIME values only with this flag set; register() and the engine's sessions set it.
TIME_TYPE_CONF = "spark.sql.timeType.enabled"


def spark_type(arrow: pa.DataType) -> DataType:
    """The Spark type of an Arrow type the engine produces (SchemaError for one Spark cannot hold)."""
    from pyspark.sql import types as T

    if pa.types.is_boolean(arrow):
        return T.BooleanType()
    if pa.types.is_int8(arrow):
        return T.ByteType()
    if pa.types.is_int16(arrow):
        return T.ShortType()
    if pa.types.is_int32(arrow):
        return T.IntegerType()
    if pa.types.is_int64(arrow):
        return T.LongType()
    if pa.types.is_float32(arrow):
        return T.FloatType()
    if pa.types.is_float64(arrow):
        return T.DoubleType()
    if pa.types.is_decimal(arrow):
        if arrow.precision > 38:
            raise SchemaError(f"Spark decimals hold at most 38 digits, not {arrow.precision}")
        return T.DecimalType(arrow.precision, arrow.scale)
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow):
        return T.StringType()
    if pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow) or pa.types.is_fixed_size_binary(arrow):
        return T.BinaryType()
    if pa.types.is_date(arrow):
        return T.DateType()
    if pa.types.is_timestamp(arrow):
        return T.TimestampType() if arrow.tz is not None else T.TimestampNTZType()
    if pa.types.is_time(arrow):
        return T.TimeType()
    if pa.types.is_dictionary(arrow):
        return spark_type(arrow.value_type)
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow) or pa.types.is_fixed_size_list(arrow):
        return T.ArrayType(spark_type(arrow.value_type), containsNull=arrow.value_field.nullable)
    if pa.types.is_map(arrow):
        return T.MapType(
            spark_type(arrow.key_type), spark_type(arrow.item_type), valueContainsNull=arrow.item_field.nullable
        )
    if pa.types.is_struct(arrow):
        return T.StructType([_spark_field(arrow.field(i)) for i in range(arrow.num_fields)])
    raise SchemaError(f"the Arrow type {arrow} has no Spark equivalent")


def _spark_field(field: pa.Field) -> Any:
    from pyspark.sql import types as T

    metadata: dict[str, Any] = {}
    for key, value in (field.metadata or {}).items():
        name = key.decode() if isinstance(key, bytes) else str(key)
        if name.startswith("sdga_"):  # the field's sdga type and reference, kept for readers of the DataFrame
            metadata[name] = value.decode() if isinstance(value, bytes) else str(value)
    return T.StructField(field.name, spark_type(field.type), nullable=field.nullable, metadata=metadata)


def spark_schema(schema: pa.Schema) -> StructType:
    """A table's Spark schema from its Arrow schema (names, types, nullability, sdga metadata)."""
    from pyspark.sql import types as T

    return T.StructType([_spark_field(f) for f in schema])


def spark_arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema Spark expects batches of ``schema`` to have (metadata dropped: Spark ignores it)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    expected = to_arrow_schema(schema, timezone=ARROW_TIMEZONE)
    return pa.schema([f.remove_metadata() for f in expected])


class Conformer:
    """Turns the engine's batches of one table into batches of Spark's Arrow schema.

    Columns whose type already matches are passed through untouched; the others are cast once per batch.
    Built once per table (it is picklable), applied to every batch.
    """

    def __init__(self, source: pa.Schema, target: pa.Schema) -> None:
        if source.names != target.names:
            raise SchemaError(f"column mismatch between the plan {source.names} and Spark's schema {target.names}")
        self.target = target
        self.casts = [None if s.type.equals(t.type) else t.type for s, t in zip(source, target, strict=True)]

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        columns = [
            column if cast is None else column.cast(cast)
            for column, cast in zip(batch.columns, self.casts, strict=True)
        ]
        return pa.RecordBatch.from_arrays(columns, schema=self.target)


def conform(batch: pa.RecordBatch, target: pa.Schema) -> pa.RecordBatch:
    """One batch in Spark's layout (see :class:`Conformer` for many batches)."""
    return Conformer(batch.schema, target)(batch)


def schema_fingerprint(schema: pa.Schema) -> dict[str, Any]:
    """A JSON-friendly description of an Arrow schema (names, types, nullability), for manifests."""
    return {
        "fields": [
            {"name": f.name, "type": str(f.type), "nullable": f.nullable}
            | ({"sdga_type": f.metadata[b"sdga_type"].decode()} if f.metadata and b"sdga_type" in f.metadata else {})
            for f in schema
        ]
    }


def schema_json(schema: pa.Schema) -> str:
    return json.dumps(schema_fingerprint(schema), sort_keys=True, separators=(",", ":"))
