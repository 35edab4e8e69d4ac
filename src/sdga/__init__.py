"""synthetic-data-agent: realistic, compliant synthetic test data, fast.

The three actions live in the core library; the CLI (``sdga``), the HTTP API, the Lambda handlers and the
agent are doors into it.
"""

__version__ = "0.1.0"
