"""Which process owns something (a generation, a temporary file), and whether that process still exists.

A generation running in a worker thread dies with its server. Without an owner on the record, the history
would say ``running`` until ``SDGA_JOB_TIMEOUT_S`` had passed (an hour by default). The record therefore
carries a token ``host:pid:start``, and ``status``/``history`` on the same host can tell at once that the
process is gone. ``start`` (the process start time in clock ticks since boot, from ``/proc``) tells a
restarted server that happens to get the same pid from the one that died. On another host, or where
``/proc`` is missing and the pid cannot be checked, nothing is concluded and the timeout still applies.
Inside Lambda there is no token: a job there is another invocation, bounded by the function's timeout.

Temporary files carry a short form of the same token in their names (:func:`owner_tag`), so that the
leftovers of a process that was killed can be told from the files a live process is still writing.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from functools import lru_cache


def _start_ticks(pid: int) -> str | None:
    """Field 22 of ``/proc/<pid>/stat`` (Linux); None when there is no such process or no ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    rest = stat.rsplit(")", 1)[-1].split()
    return rest[19] if len(rest) > 19 else None


@lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname()


def current_worker() -> str | None:
    """This process's token, or None inside Lambda."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return None
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid) or ''}"


def worker_has_stopped(token: str | None) -> bool:
    """True only when it is certain that the process named by ``token`` no longer runs."""
    if not token:
        return False
    parts = token.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, start = parts
    if host != _host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return start != (_start_ticks(pid) or "")
    if os.path.isdir("/proc/self"):
        now = _start_ticks(pid)
        return now is None or (bool(start) and now != start)
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return False
    try:  # no /proc (macOS, BSD): existence only
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


@lru_cache(maxsize=1)
def _host_hash() -> str:
    return hashlib.sha256(_host().encode("utf-8", "replace")).hexdigest()[:6]


def owner_tag() -> str:
    """``p<pid>-<start>-<host hash>``: this process, in a form that fits a file name."""
    pid = os.getpid()
    return f"p{pid}-{_start_ticks(pid) or 0}-{_host_hash()}"


OWNER_TAG = re.compile(r"p(?P<pid>\d+)-(?P<start>\d+)-(?P<host>[0-9a-f]{6})")


def owner_is_gone(tag: str) -> bool:
    """True only when it is certain that the process named by an :func:`owner_tag` no longer runs."""
    m = OWNER_TAG.fullmatch(tag)
    if m is None or m["host"] != _host_hash():
        return False
    start = m["start"] if m["start"] != "0" else ""
    return worker_has_stopped(f"{_host()}:{m['pid']}:{start}")
