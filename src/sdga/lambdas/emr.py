"""The generate function's hand-off to EMR Serverless (see :mod:`sdga.spark.emr`).

Where Terraform configured an application (``SDGA_EMR_APPLICATION_ID``), requests that name no engine run
on the ``emr-serverless`` engine: the local engine up to ``SDGA_EMR_ROW_THRESHOLD`` rows, a Spark job run
above it. Every read of a handed-off record (status, history, download, report) first brings it up to date with its
job run, through the service's job tracker.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from sdga.lambdas.runtime import get_service
from sdga.models import GenerateDataResponse

_installed = False
_lock = threading.Lock()


def service() -> Any:
    """The function's service, with the EMR Serverless engine as its default when an application is configured."""
    global _installed
    svc = get_service()
    with _lock:
        if not _installed:
            from sdga.execution import ENGINES
            from sdga.spark.emr import ENGINE_NAME, WORKER_PREFIX, EmrConfig, EmrServerlessEngine, refresh

            if EmrConfig.from_env() is not None:
                # status, history, download and report bring a handed-off record up to date from its job run
                svc.tracker.remote[WORKER_PREFIX] = lambda record: refresh(svc, record.generation_id)
                if ENGINE_NAME not in ENGINES.names():
                    ENGINES.register(
                        ENGINE_NAME, EmrServerlessEngine.create, description=EmrServerlessEngine.description
                    )
                if not os.environ.get("SDGA_ENGINE"):
                    svc.settings.engine = ENGINE_NAME
            _installed = True
    return svc


def status(generation_id: str) -> GenerateDataResponse:
    """The generation's status, a handed-off one refreshed from its EMR job run first."""
    response: GenerateDataResponse = service().status(generation_id)
    return response


def reset() -> None:
    """Forget the installation (tests change the environment between cases)."""
    global _installed
    with _lock:
        _installed = False
