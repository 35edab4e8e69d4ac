"""AWS Lambda entry points: ``generate``, ``validate`` and ``metrics`` (one per Bedrock action group), and the
agent's own ``agent``.

Each module holds its routes and its ``handler``: an :class:`~sdga.lambdas.sources.EventRouter` over one
small adapter per event source (:mod:`sdga.lambdas.sources`: Bedrock agent action groups, API Gateway's
HTTP API, the AgentCore gateway, the function's own job events). Shared pieces: the service and
observability (:mod:`.runtime`), error responses (:mod:`.responses`), Bedrock's loosely written values
(:mod:`.values`) and what callers get back (:mod:`.results`).
"""
