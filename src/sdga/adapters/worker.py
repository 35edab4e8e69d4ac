"""Which process runs a generation (see :mod:`sdga.process`, shared with the writers' temporary files)."""

from sdga.process import current_worker, worker_has_stopped

__all__ = ["current_worker", "worker_has_stopped"]
