"""Spark sessions for sdga: local mode, a cluster's master URL, or a Spark Connect server.

``master`` is what ``--spark-master`` / ``SDGA_SPARK_MASTER`` say: ``local[*]`` (the default: every core
of this machine), ``local[4]``, ``spark://host:7077``, ``yarn``, ... or a Spark Connect URL
(``sc://host:15002``), in which case the session is a thin client and the server, which must have sdga
installed, generates the rows. A session that already exists in this process (a notebook's, a cluster
job's) is reused as it is.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

from sdga.errors import ConfigurationError
from sdga.spark import register, require_pyspark
from sdga.spark.types import TIME_TYPE_CONF

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
APP_NAME = "sdga"

# Settings of the sessions sdga starts itself (never imposed on a session it is handed).
SESSION_CONF = {
    TIME_TYPE_CONF: "true",
    # CSV and JSON timestamps in UTC, as the local writers write them.
    "spark.sql.session.timeZone": "UTC",
    # sdga reports its own progress; Spark's console bar would draw over it.
    "spark.ui.showConsoleProgress": "false",
    # A manifest marks complete output; Spark's _SUCCESS files would only be noise beside it.
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
}


def is_connect_url(master: str | None) -> bool:
    return bool(master) and str(master).strip().lower().startswith("sc://")


def get_session(master: str | None = None) -> SparkSession:
    """The active session if there is one, else a new one on ``master`` (default ``local[*]``).

    The session can read ``format("sdga")``. Local sessions run their Python workers with this
    interpreter (unless ``PYSPARK_PYTHON`` says otherwise), so the workers import the same sdga.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    wanted = (master or "").strip() or None
    active = SparkSession.getActiveSession()
    if active is not None and (wanted is None or _same_master(active, wanted)):
        register(active)
        return active
    try:
        if is_connect_url(wanted):
            builder = SparkSession.builder.remote(str(wanted))
        else:
            builder = SparkSession.builder.appName(APP_NAME)
            # Under spark-submit (a cluster job) the master is already chosen; anywhere else default to local.
            if wanted or not os.environ.get("PYSPARK_GATEWAY_PORT"):
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
                builder = builder.master(wanted or DEFAULT_MASTER)
            for key, value in SESSION_CONF.items():
                builder = builder.config(key, value)
        session = builder.getOrCreate()
    except Exception as exc:
        first = " ".join(str(exc).split())[:300]
        where = wanted or DEFAULT_MASTER
        raise ConfigurationError(
            f"cannot start a Spark session on {where}: {first} (Spark needs a Java 17+ runtime on PATH or "
            "JAVA_HOME; a Spark Connect URL looks like sc://host:15002)"
        ) from exc
    if is_connect_url(wanted):
        for key, value in SESSION_CONF.items():
            if not key.startswith("spark.hadoop.") and not key.startswith("spark.ui."):
                with contextlib.suppress(Exception):  # a server that pins its configuration keeps its own
                    session.conf.set(key, value)
    register(session)
    return session


def _same_master(session: SparkSession, master: str) -> bool:
    try:
        current = session.sparkContext.master
    except Exception:  # Spark Connect sessions have no SparkContext
        return is_connect_url(master)
    return bool(current == master)
