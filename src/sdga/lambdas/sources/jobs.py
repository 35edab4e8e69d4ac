"""The asynchronous job events a Lambda sends itself (``{"sdga_job": {...}}``) to run a large generation
with its full timeout while callers poll its status (:class:`sdga.adapters.background.LambdaSelfInvokeRunner`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sdga.adapters.background import JOB_EVENT_KEY
from sdga.lambdas.sources import Answer


class JobSource:
    name = "job"

    def __init__(self, run: Callable[[dict[str, Any]], Answer]) -> None:
        self.run = run

    @staticmethod
    def matches(event: Any, context: Any) -> bool:
        return isinstance(event, dict) and isinstance(event.get(JOB_EVENT_KEY), dict)

    def handle(self, event: Any, context: Any) -> Answer:
        return self.run(event[JOB_EVENT_KEY])
