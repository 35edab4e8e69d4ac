"""read_data: every supported format, directories of tables, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sdga.errors import InvalidInputError
from sdga.quality import read_data


def _expect(tables: dict[str, pa.Table], name: str) -> pa.Table:
    assert list(tables) == [name]
    return tables[name]


def test_csv_reads_types_and_empty_as_null(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text('id,name,score,when\n1,Ann,1.5,2024-01-02\n2,,2.5,2024-02-03\n3,"Bo, Jr",,\n')
    table = _expect(read_data(path), "users")
    assert table.num_rows == 3
    assert pa.types.is_integer(table["id"].type) and pa.types.is_floating(table["score"].type)
    assert table["name"].to_pylist() == ["Ann", None, "Bo, Jr"]
    assert table["score"].null_count == 1


def test_tsv_json_jsonl_parquet_xml(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("x\ty\n1\tq\n")
    (tmp_path / "b.json").write_text(json.dumps([{"x": 1, "y": "q"}, {"x": 2, "y": None}]))
    (tmp_path / "c.jsonl").write_text('{"x": 1}\n{"x": 2}\n')
    pq.write_table(pa.table({"x": [1, 2, 3]}), tmp_path / "d.parquet")
    (tmp_path / "e.xml").write_text(
        '<?xml version="1.0"?>\n<e xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<record><x>1</x><y>a</y></record><record><x>2</x><y xsi:nil="true"/></record></e>'
    )
    (tmp_path / "notes.md").write_text("# not data")
    tables = read_data(tmp_path)
    assert sorted(tables) == ["a", "b", "c", "d", "e"]
    assert tables["b"]["y"].to_pylist() == ["q", None]
    assert tables["c"].num_rows == 2 and tables["d"].num_rows == 3
    assert tables["e"]["x"].to_pylist() == [1, 2] and tables["e"]["y"].to_pylist() == ["a", None]


def test_json_table_map_gives_several_tables(tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    path.write_text(json.dumps({"users": [{"id": 1}], "orders": [{"id": 7, "user_id": 1}]}))
    tables = read_data(path)
    assert sorted(tables) == ["orders", "users"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "is empty"),
        ("bad.parquet", "not parquet at all", "not a readable PARQUET file"),
        ("bad.json", "{not json", "not a readable JSON file"),
        ("scalar.json", "42", "not a JSON array"),
        ("ragged.csv", "a,b\n1,2\n1,2,3\n", "not a readable CSV file"),
        ("data.sql", "INSERT INTO t VALUES (1);", "unsupported file type"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InvalidInputError, match=message) as excinfo:
        read_data(path)
    assert "\n" not in excinfo.value.message


def test_missing_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="file not found"):
        read_data(tmp_path / "nope.csv")
    with pytest.raises(InvalidInputError, match="holds no data files"):
        read_data(tmp_path)


def test_two_files_for_one_table_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\n1\n")
    (tmp_path / "t.jsonl").write_text('{"a": 1}\n')
    with pytest.raises(InvalidInputError, match="two files define table 't'"):
        read_data(tmp_path)


def test_semicolon_separated_csv_is_split_into_columns(tmp_path: Path) -> None:
    # Spreadsheets in many European locales export CSV with ';' because ',' is the decimal mark.
    path = tmp_path / "export.csv"
    path.write_text('id;name;city\n1;Ann;"Paris; France"\n2;Bo;Berlin\n')
    table = _expect(read_data(path), "export")
    assert table.column_names == ["id", "name", "city"]
    assert table["id"].to_pylist() == [1, 2] and table["city"].to_pylist() == ["Paris; France", "Berlin"]


def test_comma_csv_with_semicolons_in_values_stays_comma_separated(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("id,note\n1,a;b;c\n2,d\n")
    table = _expect(read_data(path), "notes")
    assert table.column_names == ["id", "note"] and table["note"].to_pylist() == ["a;b;c", "d"]


def test_csv_with_non_utf8_bytes_is_read_as_text(tmp_path: Path) -> None:
    # A Windows-1252 export ('café', '€5'): text columns stay text instead of turning into binary blobs.
    path = tmp_path / "legacy.csv"
    path.write_bytes("id,name,price\n1,café,€5\n2,naïve,€7\n".encode("cp1252"))
    table = _expect(read_data(path), "legacy")
    assert pa.types.is_string(table["name"].type) or pa.types.is_large_string(table["name"].type)
    assert table["name"].to_pylist() == ["café", "naïve"] and table["price"].to_pylist() == ["€5", "€7"]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_json_lines_with_mixed_types_in_a_column(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    path.write_text('{"code": 1, "n": 1}\n{"code": "E42", "n": 2}\n')
    table = _expect(read_data(path), "events")
    assert table["code"].to_pylist() == ["1", "E42"] and table["n"].to_pylist() == [1, 2]


def test_parquet_map_columns_are_analysable(tmp_path: Path) -> None:
    from sdga.quality import calculate_quality_metrics, infer_schema

    path = tmp_path / "attrs.parquet"
    attrs = pa.array([[("k", 1)], [("j", 2), ("k", 3)], None], pa.map_(pa.string(), pa.int64()))
    pq.write_table(pa.table({"id": [1, 2, 3], "attrs": attrs}), path)
    metrics = calculate_quality_metrics(path)
    assert metrics.field_statistics["attrs"].null_count == 1
    assert metrics.field_statistics["attrs"].avg_length == 1.5
    schema = infer_schema(path)
    assert [f.type for f in schema.fields if f.name == "attrs"] == ["json"]


def test_a_published_directory_s_own_manifest_is_not_a_table(tmp_path: Path) -> None:
    """The manifest a published output directory carries (a list of files) is neither read as a table nor a
    reason to read the Parquet tables whole; only a manifest that lists tables and their parts is followed."""
    import json as _json

    import pyarrow.parquet as _pq

    from sdga.quality.io import open_data, read_data

    _pq.write_table(pa.table({"id": [1, 2, 3]}), tmp_path / "users.parquet")
    (tmp_path / "_manifest.json").write_text(_json.dumps({"generation_id": "x", "files": [{"name": "users.parquet"}]}))
    assert list(read_data(tmp_path)) == ["users"]
    opened = open_data(tmp_path)
    assert list(opened) == ["users"] and opened["users"].read(["id"]).num_rows == 3
    assert opened["users"]._path is not None  # opened lazily, column by column
