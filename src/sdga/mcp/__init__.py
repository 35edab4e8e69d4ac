"""The Model Context Protocol door: ``sdga mcp`` puts the actions in any MCP-speaking assistant.

* :mod:`sdga.mcp.tools` — the tools (generate, validate, measure, plan, templates, field types, status):
  their schemas come from the request/response models, and they run against the service.
* :mod:`sdga.mcp.resources` — ``sdga://`` resources: templates, field types, generations' files and reports.
* :mod:`sdga.mcp.prompts` — ready-made prompts ("test data for a table", "privacy check", ...).
* :mod:`sdga.mcp.server` — the server on the official MCP SDK (the ``mcp`` extra), over stdio or HTTP.

Only ``server`` needs the SDK; the rest can be imported without it (e.g. to publish the same tool
definitions to a gateway).
"""

SDK_MISSING = "the MCP server needs the MCP SDK: pip install 'synthetic-data-agent[mcp]'"
