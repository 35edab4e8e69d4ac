from __future__ import annotations

import pytest
from pydantic import ValidationError

from sdga.errors import InvalidInputError
from sdga.models import GenerateDataRequest, Schema
from sdga.schema_io import load_schema, parse_document


def test_spec_request_shape_round_trips_with_schema_alias() -> None:
    request = GenerateDataRequest.model_validate(
        {
            "data_type": "custom",
            "volume": 5,
            "schema": {"fields": [{"name": "age", "type": "Integer", "constraints": {"min": 18, "max": 65}}]},
            "compliance_requirements": ["GDPR", "PCI-DSS"],
            "output_format": "csv",
            "destination": {"type": "local", "location": "out"},
        }
    )
    dumped = request.model_dump(mode="json", by_alias=True)
    assert dumped["schema"]["fields"][0]["type"] == "integer"
    assert dumped["compliance_requirements"] == ["GDPR", "PCI-DSS"]
    assert GenerateDataRequest.model_validate(dumped) == request


def test_custom_without_schema_is_rejected() -> None:
    with pytest.raises(ValidationError, match="needs a schema"):
        GenerateDataRequest.model_validate({"data_type": "custom"})


def test_schema_is_fields_or_tables_not_both() -> None:
    with pytest.raises(ValidationError):
        Schema.model_validate({})
    with pytest.raises(ValidationError):
        Schema.model_validate(
            {
                "fields": [{"name": "a", "type": "uuid"}],
                "tables": [{"name": "t", "fields": [{"name": "a", "type": "uuid"}]}],
            }
        )


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError):
        GenerateDataRequest.model_validate({"data_type": "user_profile", "volumee": 3})


def test_table_list_gives_single_table_a_name() -> None:
    schema = Schema.model_validate({"fields": [{"name": "id", "type": "uuid"}]})
    (table,) = schema.table_list("user_profile", 7)
    assert table.name == "user_profile" and table.volume == 7


def test_load_schema_from_yaml_and_json(tmp_path) -> None:
    yml = tmp_path / "s.yaml"
    yml.write_text("fields:\n  - name: id\n    type: uuid\n")
    assert load_schema(yml).fields[0].type == "uuid"
    js = tmp_path / "s.json"
    js.write_text('{"schema": {"fields": [{"name": "id", "type": "uuid"}]}}')
    assert load_schema(js).fields[0].name == "id"


@pytest.mark.parametrize("text", ["", "   ", "{not json", "42"])
def test_bad_documents_give_readable_errors(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_document(text)


def test_missing_schema_file_is_invalid_input(tmp_path) -> None:
    with pytest.raises(InvalidInputError, match=r"not found|not valid"):
        load_schema(tmp_path / "nope.json")


def test_enum_values_are_read_whatever_their_spelling() -> None:
    """Every door reads 'gdpr', 'PCI DSS', 'CSV', 'User Profile' alike; unknown values are still refused."""
    from pydantic import ValidationError

    from sdga.models import ComplianceRequirement, DataType, GenerateDataRequest, OutputFormat

    req = GenerateDataRequest.model_validate(
        {
            "data_type": "User Profile",
            "volume": 5,
            "compliance_requirements": ["gdpr", "pci dss", "Soc-2", "pci_dss"],
            "output_format": "CSV",
            "destination": {"type": "S3", "location": "s3://bucket/prefix/"},
            "sql_dialect": "PostgreSQL",
        }
    )
    assert req.data_type is DataType.USER_PROFILE and req.output_format is OutputFormat.CSV
    assert req.compliance_requirements[:3] == [
        ComplianceRequirement.GDPR,
        ComplianceRequirement.PCI_DSS,
        ComplianceRequirement.SOC2,
    ]
    assert req.model_dump(mode="json")["compliance_requirements"][0] == "GDPR"  # stored canonical
    for bad in ({"compliance_requirements": ["gdprx"]}, {"output_format": "excel"}, {"data_type": "users"}):
        with pytest.raises(ValidationError):
            GenerateDataRequest.model_validate({"volume": 5, **bad})
