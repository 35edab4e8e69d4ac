"""docs/assistants.md stays true: its tool table, resources, prompts, options and JSON snippets."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from sdga.mcp.prompts import PROMPTS
from sdga.mcp.resources import PATTERNS
from sdga.mcp.tools import TOOLS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "assistants.md").read_text(encoding="utf-8")


def test_every_tool_resource_and_prompt_is_documented() -> None:
    table = DOC.split("### Tools", 1)[1].split("###", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
    assert sorted(documented) == sorted(t.name for t in TOOLS)
    for pattern in PATTERNS:
        assert pattern.uri_template.replace("{generation_id}", "{id}") in DOC, pattern.uri_template
    for prompt in PROMPTS:
        assert f"**{prompt.title}**" in DOC, prompt.title
        for argument in prompt.arguments:
            assert f"`{argument.name}`" in DOC, (prompt.name, argument.name)


def test_json_snippets_parse_and_options_exist() -> None:
    blocks = re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        config = json.loads(block)
        servers = config.get("mcpServers") or config.get("servers")
        assert servers and "sdga" in servers
    from sdga.cli import app

    help_text = CliRunner().invoke(app, ["mcp", "--help"], env={"COLUMNS": "200"}).stdout
    for option in set(re.findall(r"`(--[a-z-]+)", DOC)):
        assert option in help_text, option
