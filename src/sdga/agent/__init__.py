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
from sdga.agent.planning import ClarificationNeeded, OfflinePlanner, Plan, PlanningError, Question, plan_request
from sdga.errors import ConfigurationError

__all__ = [
    "BACKENDS",
    "AgentBackend",
    "AgentBackendError",
    "AgentResult",
    "ChatSession",
    "ClarificationNeeded",
    "OfflinePlanner",
    "Plan",
    "PlanningError",
    "Question",
    "backend_names",
    "get_backend",
    "plan_request",
]


# name -> (module, class, the constructor options it takes). A new backend is one entry here and one
# module with an ``AgentBackend`` class; nothing else needs to know about it.
_REGISTRY: dict[str, tuple[str, str, frozenset[str]]] = {
    "offline": ("sdga.agent.offline", "OfflineBackend", frozenset({"planner", "service", "remember", "progress"})),
    "bedrock": (
        "sdga.agent.converse",
        "ConverseBackend",
        frozenset({"client", "model_id", "service", "max_turns", "remember", "region", "background"}),
    ),
    "bedrock-agent": (
        "sdga.agent.bedrock_agent",
        "BedrockAgentBackend",
        frozenset({"client", "agent_id", "alias_id", "trace", "on_chunk", "on_trace", "service", "region"}),
    ),
    "agentcore": (
        "sdga.agent.agentcore",
        "AgentCoreBackend",
        frozenset(
            {
                "client",
                "harness_arn",
                "runtime_arn",
                "qualifier",
                "user_id",
                "trace",
                "on_chunk",
                "on_trace",
                "service",
                "region",
                "timeout_s",
            }
        ),
    ),
    "openai": (
        "sdga.agent.openai_backend",
        "OpenAIBackend",
        frozenset(
            {"client", "model_id", "base_url", "api_key", "service", "max_turns", "remember", "background", "timeout_s"}
        ),
    ),
}


def backend_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_backend(name: str | None = None, **options: Any) -> AgentBackend:
    """The backend by name (default ``SDGA_LLM_BACKEND``, else ``offline``); options go to its constructor
    (those it does not take are ignored)."""
    import importlib

    name = (name or os.environ.get("SDGA_LLM_BACKEND") or "offline").lower()
    if name not in _REGISTRY:
        raise ConfigurationError(f"unknown agent backend {name!r}: use one of {', '.join(_REGISTRY)}")
    module, cls, allowed = _REGISTRY[name]
    backend_cls = getattr(importlib.import_module(module), cls)
    backend: AgentBackend = backend_cls(**{k: v for k, v in options.items() if k in allowed})
    return backend
