"""SIGTERM handled like Ctrl-C (kept apart from the command modules, so ``sdga --help`` stays light)."""

from __future__ import annotations

import contextlib
import signal
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that everything unwinds as for Ctrl-C."""


def terminate_like_interrupt() -> None:
    """SIGTERM (``kill``, a CI runner's timeout, ``docker stop``) unwinds like Ctrl-C: the writers remove
    their temporary files and a generation in progress is recorded as interrupted; exit code 143."""

    def handler(signum: int, _frame: Any) -> None:
        raise Terminated(signum)

    with contextlib.suppress(ValueError, OSError):  # not the main thread, or no SIGTERM on this platform
        signal.signal(signal.SIGTERM, handler)
