"""AWS Lambda entry points: ``generate``, ``validate`` and ``metrics`` (one per Bedrock action group).

Each module's ``handler`` answers Bedrock agent action-group events and API Gateway HTTP API (payload 2.0)
events. The agent's own Lambda (``sdga.lambdas.agent``) is separate.
"""
