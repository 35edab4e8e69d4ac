"""Adapters behind small interfaces, chosen by configuration: object store, history, destinations, runners.

Only the ``aws``/``s3``/``dynamodb`` modules touch boto3, and only when an AWS backend is configured, so
the local default (directory + SQLite) needs no AWS libraries at all.
"""

from __future__ import annotations

from sdga.adapters.background import InlineRunner, Runner, ThreadRunner
from sdga.adapters.history import GenerationRecord, HistoryStore, SqliteHistory, TransitionError
from sdga.adapters.storage import LocalObjectStore, ObjectStore, Published
from sdga.config import Settings


def make_object_store(settings: Settings) -> ObjectStore:
    """The default place for results: ``$SDGA_HOME/data`` or ``s3://$SDGA_S3_BUCKET/$SDGA_S3_PREFIX``."""
    if settings.storage_backend == "s3":
        from sdga.adapters.s3 import S3ObjectStore

        return S3ObjectStore(settings)
    return LocalObjectStore(settings.data_dir)


def make_history(settings: Settings) -> HistoryStore:
    """SQLite in ``$SDGA_HOME`` (default) or the DynamoDB table ``$SDGA_HISTORY_TABLE``."""
    if settings.history_backend == "dynamodb":
        from sdga.adapters.dynamodb import DynamoHistory

        return DynamoHistory(settings)
    return SqliteHistory(settings.history_db)


def make_runner(settings: Settings) -> Runner:
    """Where background jobs run: worker threads (default), an asynchronous self-invocation inside Lambda
    (``SDGA_BACKGROUND_MODE=lambda``), or nowhere but here and now (``off``)."""
    if settings.background_mode == "lambda":
        from sdga.adapters.background import LambdaSelfInvokeRunner

        return LambdaSelfInvokeRunner(settings)
    if settings.background_mode == "off":
        return InlineRunner()
    return ThreadRunner()


__all__ = [
    "GenerationRecord",
    "HistoryStore",
    "LocalObjectStore",
    "ObjectStore",
    "Published",
    "SqliteHistory",
    "TransitionError",
    "make_history",
    "make_object_store",
    "make_runner",
]
