"""Run large generations in the background: a worker thread (servers, laptops) or an async Lambda call.

A Lambda's threads stop when the invocation returns, so inside Lambda the generate function invokes
itself asynchronously (``InvocationType=Event``) with a small job event instead; the job then runs with
the function's full timeout while the caller polls ``status``. Needs ``lambda:InvokeFunction`` on itself.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any, Protocol

from sdga.adapters.aws import client
from sdga.config import Settings
from sdga.errors import ConfigurationError, SdgaError

log = logging.getLogger("sdga.background")

JOB_EVENT_KEY = "sdga_job"


class Runner(Protocol):
    def submit(self, generation_id: str, job: Callable[[], Any], payload: dict[str, Any]) -> None: ...


class ThreadRunner:
    """A small pool of worker threads; jobs record their own outcome in the history."""

    def __init__(self, max_workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sdga-job")
        self._futures: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()

    def submit(self, generation_id: str, job: Callable[[], Any], payload: dict[str, Any]) -> None:
        future = self._pool.submit(self._guard, generation_id, job)
        with self._lock:
            self._futures[generation_id] = future
        future.add_done_callback(lambda _f: self._forget(generation_id))

    def _forget(self, generation_id: str) -> None:
        with self._lock:
            self._futures.pop(generation_id, None)

    @staticmethod
    def _guard(generation_id: str, job: Callable[[], Any]) -> Any:
        try:
            return job()
        except SdgaError as exc:  # refused or stopped: recorded as 'failed' with this reason, no trace needed
            log.warning("background generation %s failed: %s", generation_id, exc.message)
            return None
        except Exception:  # the job has already recorded 'failed'; keep the worker alive
            log.exception("background generation %s failed", generation_id)
            return None

    def wait(self, generation_id: str, timeout: float | None = None) -> None:
        """Block until a job ends (tests, CLI)."""
        with self._lock:
            future = self._futures.get(generation_id)
        if future is not None:
            future.result(timeout=timeout)

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every running job to end; True when none is left."""
        with self._lock:
            futures = list(self._futures.values())
        _done, pending = futures_wait(futures, timeout=timeout)
        return not pending

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


class LambdaSelfInvokeRunner:
    """Re-invoke the current Lambda function asynchronously with a job event."""

    def __init__(self, settings: Settings, function_name: str | None = None) -> None:
        self.settings = settings
        self.function_name = function_name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        if not self.function_name:
            raise ConfigurationError("background_mode 'lambda' needs AWS_LAMBDA_FUNCTION_NAME (run inside Lambda)")

    def submit(self, generation_id: str, job: Callable[[], Any], payload: dict[str, Any]) -> None:
        body = json.dumps({JOB_EVENT_KEY: {"generation_id": generation_id, **payload}}, default=str).encode()
        if len(body) > 250_000:
            raise ConfigurationError("request too large for an asynchronous Lambda job (256 KB event limit)")
        client("lambda", self.settings).invoke(FunctionName=self.function_name, InvocationType="Event", Payload=body)


class InlineRunner:
    """No background at all: run the job now (used when background_mode is 'off')."""

    def submit(self, generation_id: str, job: Callable[[], Any], payload: dict[str, Any]) -> None:
        job()
