"""The agent: plain-English requests to validated, generated data and a report.

Four backends behind one interface (:class:`AgentBackend`): ``offline`` (a deterministic planner, no
network), ``bedrock`` (a Converse tool-use loop), ``bedrock-agent`` (the deployed Bedrock agent) and
``agentcore`` (the agent deployed on Bedrock AgentCore). ``SDGA_LLM_BACKEND`` picks the default. boto3 is
imported only inside the AWS backends.
"""

from __future__ import annotations

import os
from typing import Any

from sdga.agent.base import BACKENDS, AgentBackend, AgentBackendError, AgentResult, ChatSession
from sdga.agent.planning import OfflinePlanner, Plan, PlanningError, plan_request
from sdga.errors import ConfigurationError

__all__ = [
    "BACKENDS",
    "AgentBackend",
    "AgentBackendError",
    "AgentResult",
    "ChatSession",
    "OfflinePlanner",
    "Plan",
    "PlanningError",
    "get_backend",
    "plan_request",
]


def get_backend(name: str | None = None, **options: Any) -> AgentBackend:
    """The backend by name (default ``SDGA_LLM_BACKEND``, else ``offline``); options go to its constructor."""
    name = (name or os.environ.get("SDGA_LLM_BACKEND") or "offline").lower()
    if name == "offline":
        from sdga.agent.offline import OfflineBackend

        return OfflineBackend(
            **{k: v for k, v in options.items() if k in {"planner", "service", "remember", "progress"}}
        )
    if name == "bedrock":
        from sdga.agent.converse import ConverseBackend

        allowed = {"client", "model_id", "service", "max_turns", "remember", "region", "background"}
        return ConverseBackend(**{k: v for k, v in options.items() if k in allowed})
    if name == "bedrock-agent":
        from sdga.agent.bedrock_agent import BedrockAgentBackend

        allowed = {"client", "agent_id", "alias_id", "trace", "on_chunk", "on_trace", "service", "region"}
        return BedrockAgentBackend(**{k: v for k, v in options.items() if k in allowed})
    if name == "agentcore":
        from sdga.agent.agentcore import AgentCoreBackend

        allowed = {"client", "harness_arn", "runtime_arn", "qualifier", "user_id", "trace", "on_chunk", "on_trace",
                   "service", "region", "timeout_s"}  # fmt: skip
        return AgentCoreBackend(**{k: v for k, v in options.items() if k in allowed})
    raise ConfigurationError(f"unknown agent backend {name!r}: use one of {', '.join(BACKENDS)}")
