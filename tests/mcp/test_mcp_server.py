"""The MCP server through the SDK's own client, in process: every tool, its errors, caps, resources, prompts."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import MCPError
from tests.mcp.conftest import make_service

from sdga.mcp.server import build_server
from sdga.mcp.tools import Limits
from sdga.models import ErrorResponse, GenerateDataResponse, QualityMetricsResponse, Schema, ValidateSchemaResponse


def _links(result: Any) -> dict[str, Any]:
    return {b.name: b for b in result.content if b.type == "resource_link"}


def _error(result: Any) -> ErrorResponse:
    assert result.is_error, result
    body = ErrorResponse.model_validate(result.structured_content)
    assert result.content[0].text.startswith(f"{body.error}: {body.message}")
    return body


def test_generate_links_files_and_report_that_read_back(service: Any, run_client: Any) -> None:
    async def scenario(client: Any) -> Any:
        result = await client.call_tool(
            "generate_synthetic_data", {"data_type": "user_profile", "volume": 500, "output_format": "csv", "seed": 7}
        )
        links = _links(result)
        csv = await client.read_resource(links["user_profile.csv"].uri)
        report = await client.read_resource(links["report.md"].uri)
        gid = result.structured_content["generation_id"]
        status = await client.read_resource(f"sdga://generations/{gid}")
        return result, links, csv, report, status

    result, links, csv, report, status = run_client(build_server(service), scenario)
    assert not result.is_error
    response = GenerateDataResponse.model_validate(result.structured_content)
    assert response.status.value == "success" and response.records_generated == 500 and response.seed == 7
    summary = result.content[0].text
    assert response.generation_id in summary and "500 records" in summary and "validity 1.000" in summary
    link = links["user_profile.csv"]
    assert link.uri == f"sdga://generations/{response.generation_id}/files/user_profile.csv"
    assert link.mime_type == "text/csv" and link.size == Path(response.output_files[0]).stat().st_size
    text = csv.contents[0].text
    assert text == Path(response.output_files[0]).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith('"id","first_name"') and len(text.splitlines()) == 501
    assert response.generation_id in report.contents[0].text and report.contents[0].mime_type == "text/markdown"
    assert json.loads(status.contents[0].text)["records_generated"] == 500


def test_parquet_and_multi_table_results_are_served_as_files(service: Any, run_client: Any) -> None:
    import pyarrow.parquet as pq

    async def scenario(client: Any) -> Any:
        template = await client.call_tool("list_templates", {"name": "ecommerce"})
        result = await client.call_tool(
            "generate_synthetic_data",
            {"schema": template.structured_content["schema"], "volume": 60, "output_format": "parquet", "seed": 3},
        )
        links = _links(result)
        blobs = {name: await client.read_resource(link.uri) for name, link in links.items() if name != "report.md"}
        return result, blobs

    result, blobs = run_client(build_server(service), scenario)
    response = GenerateDataResponse.model_validate(result.structured_content)
    assert set(blobs) == {f"{t}.parquet" for t in response.records_per_table} and len(blobs) >= 3
    for name, read in blobs.items():
        content = read.contents[0]
        assert content.mime_type == "application/vnd.apache.parquet"
        table = pq.read_table(io.BytesIO(base64.b64decode(content.blob)))
        assert table.num_rows == response.records_per_table[name.removesuffix(".parquet")]


def test_inline_rows_are_trimmed_to_the_cap_and_big_files_are_not_read(mcp_home: Path, run_client: Any) -> None:
    service = make_service(mcp_home, background_mode="off", inline_max_rows=1000)
    server = build_server(service, limits=Limits(max_result_bytes=12_000, max_resource_bytes=20_000))

    async def scenario(client: Any) -> Any:
        result = await client.call_tool(
            "generate_synthetic_data",
            {"data_type": "user_profile", "volume": 800, "output_format": "jsonl", "destination": {"type": "inline"}},
        )
        link = _links(result)["user_profile.jsonl"]
        with pytest.raises(MCPError) as too_big:
            await client.read_resource(link.uri)
        return result, too_big.value

    result, too_big = run_client(server, scenario)
    assert not result.is_error
    size = len(json.dumps(result.structured_content, separators=(",", ":")).encode())
    assert size <= 12_000
    response = GenerateDataResponse.model_validate(result.structured_content)
    kept = len(response.data["user_profile"])
    assert 0 < kept < 800 and any("trimmed to the first" in w for w in response.warnings)
    assert too_big.data["error"] == "resource_too_large" and too_big.data["details"]["location"].endswith(".jsonl")


@pytest.mark.parametrize(
    ("arguments", "code", "words"),
    [
        ({"data_type": "user_profile", "volume": "lots"}, "invalid_input", "volume"),
        ({"volume": 10}, "invalid_input", "needs a schema"),
        ({"data_type": "user_profile", "volume": 10, "colour": "red"}, "invalid_input", "colour"),
        ({"data_type": "user_profile", "output_format": "pdf"}, "invalid_input", "output_format"),
        ({"volume": 50, "schema": {"fields": [{"name": "n", "type": "integer",
                                               "constraints": {"unique": True, "min": 1, "max": 5}}]}},
         "schema_invalid", "only 5 distinct values"),
        ({"volume": 5, "schema": {"fields": [{"name": "x", "type": "no_such_type"}]}}, "schema_invalid", "unknown type"),
        ({"data_type": "user_profile", "volume": 10, "destination": {"type": "local", "location": "/etc/x.csv"}},
         "invalid_input", "outside the allowed directories"),
        ({"data_type": "user_profile", "volume": 5000}, "limit_exceeded", "at most 1,000 per request"),
    ],
)  # fmt: skip
def test_bad_generate_arguments_are_tool_errors(
    mcp_home: Path, run_client: Any, arguments: dict[str, Any], code: str, words: str
) -> None:
    service = make_service(mcp_home, background_mode="off", max_volume=1000)

    async def scenario(client: Any) -> Any:
        return await client.call_tool("generate_synthetic_data", arguments)

    body = _error(run_client(build_server(service), scenario))
    assert body.error == code and words in (body.message + json.dumps(body.details)), body


def test_other_tools_answer_with_their_models(service: Any, run_client: Any) -> None:
    schema = {"fields": [{"name": "email", "type": "email", "constraints": {"unique": True}},
                         {"name": "ssn", "type": "ssn"}, {"name": "age", "type": "integer",
                                                          "constraints": {"min": 18, "max": 90}}]}  # fmt: skip

    async def scenario(client: Any) -> Any:
        gen = await client.call_tool("generate_synthetic_data", {"schema": schema, "volume": 300, "seed": 1})
        gid = gen.structured_content["generation_id"]
        return {
            "validate": await client.call_tool(
                "validate_schema", {"schema": schema, "compliance_requirements": ["HIPAA"], "volume": 10}
            ),
            "metrics": await client.call_tool("calculate_quality_metrics", {"generation_id": gid}),
            "by_location": await client.call_tool(
                "calculate_quality_metrics", {"data_location": gen.structured_content["output_files"][0]}
            ),
            "status": await client.call_tool("get_generation_status", {"generation_id": gid}),
            "templates": await client.call_tool("list_templates", {}),
            "template": await client.call_tool("list_templates", {"name": "healthcare"}),
            "types": await client.call_tool("list_field_types", {"category": "finance"}),
            "gid": gid,
        }

    r = run_client(build_server(service), scenario)
    validation = ValidateSchemaResponse.model_validate(r["validate"].structured_content)
    assert validation.valid and {c.requirement for c in validation.compliance_issues} == {"HIPAA"}
    assert "valid" in r["validate"].content[0].text and "HIPAA" in r["validate"].content[0].text
    metrics = QualityMetricsResponse.model_validate(r["metrics"].structured_content)
    assert metrics.generation_id == r["gid"] and metrics.metrics.row_count == 300
    assert metrics.metrics.validity_score == 1.0 and "300 rows" in r["metrics"].content[0].text
    assert QualityMetricsResponse.model_validate(r["by_location"].structured_content).metrics.row_count == 300
    status = GenerateDataResponse.model_validate(r["status"].structured_content)
    assert status.generation_id == r["gid"] and status.status.value == "success" and _links(r["status"])
    names = [t["name"] for t in r["templates"].structured_content["templates"]]
    assert {"user_profile", "transaction", "log_event", "healthcare"} <= set(names)
    assert r["templates"].structured_content.get("schema") is None
    assert Schema.model_validate(r["template"].structured_content["schema"]).table_list()
    types = r["types"].structured_content
    assert {t["name"] for t in types["field_types"]} == {"credit_card", "iban", "isin"}
    assert "person" in types["categories"]


def test_plan_only_plans_and_a_follow_up_edits_the_plan(service: Any, run_client: Any) -> None:
    async def scenario(client: Any) -> Any:
        first = await client.call_tool("plan_request", {"prompt": "2,000 German customers as CSV, GDPR compliant"})
        follow = await client.call_tool(
            "plan_request",
            {"prompt": "make it 10k as parquet", "previous_request": first.structured_content["request"]},
        )
        empty = await client.call_tool("plan_request", {"prompt": ""})
        real = await client.call_tool("plan_request", {"prompt": "copy our production customer table with real emails"})
        return first, follow, empty, real

    first, follow, empty, real = run_client(build_server(service), scenario)
    plan = first.structured_content
    assert plan["request"]["locale"] == "de_DE" and plan["request"]["output_format"] == "csv"
    assert plan["request"]["compliance_requirements"] == ["GDPR"] and plan["validation"]["valid"]
    assert "Nothing was generated" in first.content[0].text
    assert not (service.settings.data_dir).exists() or not any(service.settings.data_dir.iterdir())
    edited = follow.structured_content["request"]
    assert edited["output_format"] == "parquet" and edited["locale"] == "de_DE"
    assert edited["volume"] == 10_000 or any(t.get("volume") == 10_000 for t in edited["schema"].get("tables", []))
    assert _error(empty).error == "invalid_input"
    assert _error(real).error == "request_refused"  # a refusal names itself (issue 10), with its reason


def test_unknown_tool_and_unexpected_failures_are_tool_errors(service: Any, run_client: Any) -> None:
    def broken(_request: Any) -> Any:
        raise RuntimeError("disk on fire")

    service.validate_schema = broken

    async def scenario(client: Any) -> Any:
        return (
            await client.call_tool("drop_tables", {}),
            await client.call_tool("validate_schema", {"schema": {"fields": [{"name": "a", "type": "uuid"}]}}),
            await client.call_tool("get_generation_status", {"generation_id": "8d1f5e9a-0d55-4a7e-9d8e-3b0c7a1e2f44"}),
            await client.call_tool("list_field_types", {"category": "astrology"}),
        )

    unknown, crashed, missing, category = run_client(build_server(service), scenario)
    assert _error(unknown).error == "unknown_tool" and "generate_synthetic_data" in unknown.content[0].text
    body = _error(crashed)
    assert body.error == "internal_error" and "RuntimeError" in body.message and "disk on fire" not in body.message
    assert _error(missing).error == "not_found"
    assert _error(category).error == "invalid_input" and "finance" in category.content[0].text


def test_background_generation_is_polled_and_reports_progress(mcp_home: Path, run_client: Any) -> None:
    import anyio

    service = make_service(mcp_home, background_threshold=1_000, background_mode="thread")
    progress: list[tuple[float, str | None]] = []

    async def record(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    async def scenario(client: Any) -> Any:
        small = await client.call_tool(
            "generate_synthetic_data", {"data_type": "log_event", "volume": 800}, progress_callback=record
        )
        big = await client.call_tool("generate_synthetic_data", {"data_type": "log_event", "volume": 5_000})
        gid = big.structured_content["generation_id"]
        with anyio.fail_after(60):
            while True:
                status = await client.call_tool("get_generation_status", {"generation_id": gid})
                if status.structured_content["status"] not in ("pending", "running"):
                    return small, big, status
                await anyio.sleep(0.05)

    _small, big, status = run_client(build_server(service), scenario)
    assert progress and progress[0][0] > 0 and "rows written" in (progress[0][1] or "")
    assert big.structured_content["status"] == "pending" and "get_generation_status" in big.content[0].text
    assert not _links(big)
    assert status.structured_content["status"] == "success" and status.structured_content["records_generated"] == 5000
    assert "log_event.json" in _links(status)


def test_resources_and_their_errors(service: Any, run_client: Any) -> None:
    async def scenario(client: Any) -> Any:
        listed = (await client.list_resources()).resources
        patterns = (await client.list_resource_templates()).resource_templates
        template = await client.read_resource("sdga://templates/user_profile")
        types = await client.read_resource("sdga://field-types")
        gen = await client.call_tool("generate_synthetic_data", {"data_type": "transaction", "volume": 20})
        gid = gen.structured_content["generation_id"]
        Path(gen.structured_content["output_files"][0]).unlink()  # a stored file removed behind our back
        errors = []
        for uri in (
            f"sdga://generations/{gid}/files/{Path(gen.structured_content['output_files'][0]).name}",
            "sdga://templates/nope",
            "sdga://elsewhere",
            f"sdga://generations/{gid}/files/..%2F..%2Fhistory.sqlite3",
            f"sdga://generations/{gid}/files/other.csv",
            "sdga://generations/not-a-uuid",
            "sdga://generations/8d1f5e9a-0d55-4a7e-9d8e-3b0c7a1e2f44/report",
        ):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            errors.append(caught.value)
        return listed, patterns, template, types, errors

    listed, patterns, template, types, errors = run_client(build_server(service), scenario)
    uris = {str(r.uri) for r in listed}
    assert {"sdga://templates", "sdga://field-types", "sdga://templates/user_profile"} <= uris
    assert {p.uri_template for p in patterns} >= {"sdga://generations/{generation_id}/files/{name}"}
    assert Schema.model_validate(json.loads(template.contents[0].text)).table_list()
    assert any(t["name"] == "iban" for t in json.loads(types.contents[0].text))
    codes = [e.data["error"] for e in errors]
    assert codes == ["not_found", "not_found", "not_found", "not_found", "not_found", "invalid_input", "not_found"]
    assert "transactions.json" in errors[0].message
    assert all(e.code == -32602 and e.data["uri"] for e in errors)


def test_prompts(service: Any, run_client: Any) -> None:
    async def scenario(client: Any) -> Any:
        listed = (await client.list_prompts()).prompts
        table = await client.get_prompt(
            "test_data_for_table",
            {"table": "CREATE TABLE customers (id uuid primary key, email text unique not null)", "rows": "250"},
        )
        privacy = await client.get_prompt("privacy_check", {"schema": "healthcare", "regimes": "HIPAA"})
        quality = await client.get_prompt("explain_quality", {"generation_id": "abc", "reference_location": "ref/"})
        errors = []
        for name, args in (("privacy_check", {}), ("nope", {}), ("test_data_for_table", {"table": "t", "x": "1"})):
            with pytest.raises(MCPError) as caught:
                await client.get_prompt(name, args)
            errors.append(caught.value)
        return listed, table, privacy, quality, errors

    listed, table, privacy, quality, errors = run_client(build_server(service), scenario)
    assert [p.name for p in listed] == ["test_data_for_table", "privacy_check", "explain_quality"]
    text = table.messages[0].content.text
    assert "CREATE TABLE customers" in text and "250 rows" in text and "validate_schema" in text
    assert "'healthcare' template" in privacy.messages[0].content.text
    assert "HIPAA" in privacy.messages[0].content.text
    assert "fidelity" in quality.messages[0].content.text.lower()
    assert [e.code for e in errors] == [-32602] * 3 and "needs schema" in errors[0].message


def test_results_stored_in_s3_are_served_from_s3(mcp_home: Path, moto_s3: str, run_client: Any) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1")
    s3.create_bucket(Bucket="mcp-results")
    service = make_service(mcp_home, background_mode="off", storage_backend="s3", s3_bucket="mcp-results")
    server = build_server(service, limits=Limits(max_resource_bytes=150_000))

    async def scenario(client: Any) -> Any:
        small = await client.call_tool("generate_synthetic_data", {"data_type": "transaction", "volume": 40})
        big = await client.call_tool("generate_synthetic_data", {"data_type": "transaction", "volume": 3000})
        read = await client.read_resource(_links(small)["transactions.json"].uri)
        with pytest.raises(MCPError) as too_big:
            await client.read_resource(_links(big)["transactions.json"].uri)
        return small, read, too_big.value

    small, read, too_big = run_client(server, scenario)
    (location,) = [f for f in small.structured_content["output_files"] if f.endswith("/transactions.json")]
    assert location.startswith("s3://mcp-results/")
    bucket, key = location.removeprefix("s3://").split("/", 1)
    stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    rows = small.structured_content["records_per_table"]["transactions"]
    assert read.contents[0].text == stored and len(json.loads(stored)) == rows
    assert too_big.data["error"] == "resource_too_large" and too_big.data["details"]["location"].startswith("s3://")


def test_argument_completions(service: Any, run_client: Any) -> None:
    from mcp.types import PromptReference, ResourceTemplateReference

    async def scenario(client: Any) -> Any:
        template = ResourceTemplateReference(type="ref/resource", uri="sdga://templates/{name}")
        return (
            await client.complete(template, {"name": "name", "value": "he"}),
            await client.complete(
                PromptReference(type="ref/prompt", name="privacy_check"), {"name": "regimes", "value": "GDPR, h"}
            ),
            await client.complete(
                PromptReference(type="ref/prompt", name="test_data_for_table"), {"name": "locale", "value": "de"}
            ),
            await client.complete(
                PromptReference(type="ref/prompt", name="test_data_for_table"), {"name": "table", "value": "x"}
            ),
        )

    names, regimes, locales, free = run_client(build_server(service), scenario)
    assert names.completion.values == ["healthcare"]
    assert regimes.completion.values == ["GDPR, HIPAA"]
    assert locales.completion.values == ["de_DE"] and free.completion.values == []
