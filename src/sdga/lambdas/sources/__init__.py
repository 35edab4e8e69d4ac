"""One adapter per event source, and the router that hands each event to the one it belongs to.

A Lambda of this package may be called by a Bedrock agent's action group (:mod:`.bedrock`), API
Gateway's HTTP API (:mod:`.http`), the Amazon Bedrock AgentCore gateway (:mod:`.agentcore`) and its own
asynchronous job events (:mod:`.jobs`). Each source knows its event's shape, turns it into a call of the
same routes, and answers in the shape its caller expects — errors included: nothing escapes as an
exception. A source may be wrapped in middlewares (the HTTP API's key check is one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sdga.lambdas.runtime import logger

Answer = dict[str, Any]
Next = Callable[[dict[str, Any], Any], Answer]
# A middleware sees the event before its source does, and may answer instead (e.g. 401) or call ``next``.
Middleware = Callable[[dict[str, Any], Any, Next], Answer]


class EventSource(Protocol):
    name: str

    def matches(self, event: Any, context: Any) -> bool:
        """Whether ``event`` (with its Lambda ``context``) comes from this source."""
        ...

    def handle(self, event: Any, context: Any) -> Answer:
        """The answer to ``event``, in the source's own response shape."""
        ...


def with_middlewares(handle: Next, middlewares: Sequence[Middleware]) -> Next:
    """``handle`` behind ``middlewares``, the first one outermost."""
    for middleware in reversed(middlewares):

        def step(event: dict[str, Any], context: Any, _m: Middleware = middleware, _n: Next = handle) -> Answer:
            return _m(event, context, _n)

        handle = step
    return handle


class EventRouter:
    """Hands each event to the first source that claims it; ``fallback`` answers everything else (and
    says what is wrong with an event nobody recognises)."""

    def __init__(self, *sources: EventSource, fallback: EventSource) -> None:
        self.sources = sources
        self.fallback = fallback

    def __call__(self, event: Any, context: Any) -> Answer:
        if context is not None and hasattr(context, "aws_request_id"):
            logger.append_keys(request_id=context.aws_request_id)
        for source in self.sources:
            if source.matches(event, context):
                return source.handle(event, context)
        return self.fallback.handle(event, context)


__all__ = ["Answer", "EventRouter", "EventSource", "Middleware", "Next", "with_middlewares"]
