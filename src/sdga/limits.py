"""Resource limits every door shares: checked before any work starts, each refusal naming its limit.

A request is refused up front, in time proportional to the size of its schema (never to the rows it
asks for), when it exceeds a limit of the deployment:

- ``max_fields``: fields in one schema, every table and nested object/array field counted;
- ``max_nesting_depth``: levels of ``object``/``array`` nesting (a top-level field is level 1);
- ``max_children_per_parent``: the most rows one parent row may get through a reference's cardinality
  (its own error code, ``children_per_parent_exceeded``; never clipped silently);
- ``max_volume``: rows of one request, all tables together (estimated from the cardinalities up front,
  then counted exactly once planned);
- ``max_active_records``: rows of all pending and running generations of the deployment together;
- ``max_prompt_chars``: length of a plain-English request to the agent;
- ``max_body_bytes``: size of an HTTP request body (413 before the body is read);
- ``max_run_seconds``: how long one generation may run before it is stopped.

The values come from :class:`~sdga.config.Settings` (``SDGA_MAX_*``, see docs/configuration.md); the
checks live here so that the CLI, the HTTP API, the Lambda handlers, the MCP server and the agent refuse
the same requests with the same error.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sdga.errors import (
    ChildrenPerParentError,
    DeploymentBusyError,
    GenerationStoppedError,
    LimitExceededError,
    RequestTooLargeError,
)

if TYPE_CHECKING:
    from sdga.config import Settings
    from sdga.models import Cardinality, FieldSpec, Schema

__all__ = [
    "CHILDREN_PER_PARENT_CEILING",
    "BodySizeLimit",
    "ChildrenPerParentError",
    "DeploymentBusyError",
    "GenerationStoppedError",
    "LimitExceededError",
    "Limits",
    "RequestTooLargeError",
    "StopCheck",
    "check_prompt",
    "check_rows",
    "check_schema",
    "current_limits",
    "request_shutdown",
]

# The engine draws zipf/poisson children-per-parent counts from a table of at most this many values;
# the limit may not be raised past it, so a count is never cut short without a word.
CHILDREN_PER_PARENT_CEILING = 2_000_000


@dataclass(frozen=True)
class Limits:
    """The limits of one deployment (defaults as in :class:`~sdga.config.Settings`)."""

    max_fields: int = 1_000
    max_nesting_depth: int = 10
    max_children_per_parent: int = 1_000_000
    max_volume: int = 1_000_000_000
    max_active_records: int = 2_000_000_000
    max_prompt_chars: int = 4_000
    max_body_bytes: int = 10_000_000
    max_run_seconds: int = 21_600

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def current_limits() -> Limits:
    """The limits configured in the environment / ``SDGA_CONFIG`` (the defaults when none are set)."""
    from sdga.config import load_settings

    return Limits.from_settings(load_settings())


# ------------------------------------------------------------------------------------------ schema shape
def _walk(fields: Iterable[FieldSpec], depth: int = 1) -> Iterator[tuple[FieldSpec, int]]:
    # Iterative, with one iterator per level: a deep schema cannot exhaust the interpreter's stack, and a
    # wide one allocates nothing per field (no garbage-collector passes over a large request).
    stack: list[tuple[Iterator[FieldSpec], int]] = [(iter(fields), depth)]
    while stack:
        it, d = stack[-1]
        f = next(it, None)
        if f is None:
            stack.pop()
            continue
        yield f, d
        if f.items is not None:
            stack.append((iter((f.items,)), d + 1))
        if f.fields:
            stack.append((iter(f.fields), d + 1))


@dataclass(frozen=True)
class _Table:
    name: str
    volume: int | None
    fields: list[FieldSpec]


def children_range(card: Cardinality) -> tuple[int, int]:
    """The fewest and most children one parent row can get (the engine's reading of the cardinality)."""
    low = card.min
    if card.max is not None:
        high = card.max
    elif card.mean is not None:
        mean = min(card.mean, 1e15)
        high = max(low, math.ceil(mean * 3) + 1)
    else:
        high = low + 4
    return low, high


def _expected_children(card: Cardinality) -> float:
    low, high = children_range(card)
    if card.mean is not None:
        return float(min(max(card.mean, low), high))
    return (low + high) / 2


def check_schema(
    schema: Schema, *, volume: int | None = None, limits: Limits | None = None, estimate_rows: bool = True
) -> None:
    """Refuse ``schema`` when it exceeds a limit (fields, nesting depth, children per parent, rows).

    Runs in time proportional to the number of fields, before validation or planning starts. Without
    ``estimate_rows`` the rows it would produce are not checked (validating a schema generates nothing).
    """
    lim = limits or current_limits()
    # Plain views of the tables: building TableSpec models would validate every field again.
    tables = (
        [_Table(t.name, t.volume, t.fields) for t in schema.tables]
        if schema.tables
        else [_Table(schema.name or "data", None, schema.fields or [])]
    )
    count = 0
    for t in tables:
        for f, depth in _walk(t.fields):
            count += 1
            if count > lim.max_fields:
                total = sum(1 for t2 in tables for _ in _walk(t2.fields))
                raise LimitExceededError(
                    f"the schema has {total:,} fields; this deployment accepts at most {lim.max_fields:,} "
                    "(every table and nested field counted; split the schema or raise SDGA_MAX_FIELDS)",
                    limit="max_fields",
                    maximum=lim.max_fields,
                    actual=total,
                )
            if depth > lim.max_nesting_depth:
                raise LimitExceededError(
                    f"field '{t.name}.{f.name}' is nested {depth} levels deep; this deployment accepts at most "
                    f"{lim.max_nesting_depth} (SDGA_MAX_NESTING_DEPTH)",
                    limit="max_nesting_depth",
                    maximum=lim.max_nesting_depth,
                    actual=depth,
                    field=f"{t.name}.{f.name}",
                )
            if f.cardinality is not None:
                _low, high = children_range(f.cardinality)
                if high > lim.max_children_per_parent:
                    raise ChildrenPerParentError(
                        f"field '{t.name}.{f.name}': its cardinality allows up to {high:,} rows per parent row; "
                        f"this deployment accepts at most {lim.max_children_per_parent:,} "
                        "(lower cardinality max/mean, or raise SDGA_MAX_CHILDREN_PER_PARENT)",
                        limit="max_children_per_parent",
                        maximum=lim.max_children_per_parent,
                        actual=high,
                        field=f"{t.name}.{f.name}",
                    )
    if estimate_rows:
        _check_estimated_rows(tables, volume, lim)


def _check_estimated_rows(tables: list[_Table], volume: int | None, lim: Limits) -> None:
    """Rows the schema will produce, estimated from the cardinalities before any count is drawn."""
    by_name = {t.name: t for t in tables}
    rows: dict[str, float] = {}

    def table_rows(name: str, seen: frozenset[str]) -> float:
        if name in rows:
            return rows[name]
        t = by_name[name]
        estimate: float = float(t.volume if t.volume is not None else (volume or 0))
        if t.volume is None:
            for f in t.fields:
                parent = (f.references or "").split(".")[0]
                if f.type == "reference" and f.cardinality is not None and parent in by_name and parent != name:
                    if parent in seen:  # a cycle: the planner reports it
                        return 0.0
                    estimate = table_rows(parent, seen | {name}) * _expected_children(f.cardinality)
                    break
        rows[name] = estimate
        return estimate

    total = sum(table_rows(t.name, frozenset()) for t in tables)
    if total > lim.max_volume:
        raise LimitExceededError(
            f"the request would produce about {total:,.0f} rows (all tables together); this deployment accepts "
            f"at most {lim.max_volume:,} per request (lower the volume or the cardinalities, or raise "
            "SDGA_MAX_VOLUME)",
            limit="max_volume",
            maximum=lim.max_volume,
            actual=int(min(total, 2**62)),
        )


def check_rows(total: int, limits: Limits | None = None) -> None:
    """Refuse a planned request whose exact row count exceeds ``max_volume``."""
    lim = limits or current_limits()
    if total > lim.max_volume:
        raise LimitExceededError(
            f"{total:,} rows requested (all tables together); this deployment accepts at most {lim.max_volume:,} "
            "per request (lower the volume or the cardinalities, or raise SDGA_MAX_VOLUME)",
            limit="max_volume",
            maximum=lim.max_volume,
            actual=total,
        )


def check_prompt(prompt: str, limits: Limits | None = None) -> str:
    """A plain-English request within ``max_prompt_chars``; the error never repeats the prompt."""
    lim = limits or current_limits()
    if len(prompt) > lim.max_prompt_chars:
        raise LimitExceededError(
            f"the request is {len(prompt):,} characters long; the limit is {lim.max_prompt_chars:,} "
            "(describe the data in fewer words, or raise SDGA_MAX_PROMPT_CHARS)",
            limit="max_prompt_chars",
            maximum=lim.max_prompt_chars,
            actual=len(prompt),
        )
    return prompt


# ---------------------------------------------------------------------------------- stopping running work
_SHUTDOWN = threading.Event()


def request_shutdown() -> None:
    """Stop every running generation of this process at its next batch (a server shutting down)."""
    _SHUTDOWN.set()


def shutting_down() -> bool:
    return _SHUTDOWN.is_set()


def reset_shutdown() -> None:
    """Forget a shutdown request (tests, or an embedding application that restarts its server)."""
    _SHUTDOWN.clear()


class StopCheck:
    """Called between batches of a generation: raises :class:`GenerationStoppedError` when it must stop.

    It stops when ``max_run_seconds`` have passed since it was made, when :func:`request_shutdown` was
    called, or when :meth:`cancel` was.
    """

    def __init__(self, max_seconds: float | None) -> None:
        self.max_seconds = max_seconds
        self.deadline = time.monotonic() + max_seconds if max_seconds else math.inf
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def __call__(self) -> None:
        if _SHUTDOWN.is_set():
            raise GenerationStoppedError("stopped: the server is shutting down", details={"reason": "shutdown"})
        if self._cancelled.is_set():
            raise GenerationStoppedError("stopped: the generation was cancelled", details={"reason": "cancelled"})
        if time.monotonic() > self.deadline:
            raise GenerationStoppedError(
                f"stopped: the generation ran longer than {self.max_seconds:,.0f} s (SDGA_MAX_RUN_SECONDS); "
                "lower the volume or raise the limit",
                details={"reason": "time_limit", "limit": "max_run_seconds", "maximum": self.max_seconds},
            )


# ------------------------------------------------------------------------------------------ HTTP bodies
class BodySizeLimit:
    """ASGI middleware: a body larger than ``max_bytes`` gets 413 before it is read (by its Content-Length),
    or as soon as the bytes received pass the limit (a chunked body); the application never sees it.
    The answer is an :class:`~sdga.models.ErrorResponse` (``request_too_large``) naming the limit."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Any, size: int | None) -> None:
        exc = RequestTooLargeError(
            f"the request body is {'more than the limit' if size is None else f'{size:,} bytes'}; "
            f"this deployment accepts at most {self.max_bytes:,} bytes (SDGA_MAX_BODY_BYTES)",
            limit="max_body_bytes",
            maximum=self.max_bytes,
            actual=size,
        )
        body = exc.to_response().model_dump_json().encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": exc.http_status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send, int(declared))
            return
        received = 0
        exceeded = False
        replied = False

        async def limited_receive() -> Any:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Any) -> None:
            # Whatever the app answers to a body cut short (a parse error) becomes the 413 it really is.
            nonlocal replied
            if not exceeded:
                await send(message)
            elif not replied:
                replied = True
                await self._too_large(send, None)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not replied:
                await self._too_large(send, None)


class _BodyTooLarge(Exception):
    pass
