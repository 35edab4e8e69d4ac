"""The writer interface: one table's Arrow record batches in, one file out, atomically.

Writers depend only on what a table plan says about the table (``name``, ``arrow_schema``,
``primary_key``, ``foreign_keys``, ``fields``), captured by :class:`TableLike`, so they work on the
engine's :class:`~sdga.engine.TablePlan` and on anything shaped like it (tests, schema inference, the
database destination).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, ClassVar, Protocol

import pyarrow as pa

from sdga.models import FieldSpec
from sdga.writers._atomic import discard, publish_file, temp_path_for


class ForeignKeyLike(Protocol):
    @property
    def column(self) -> str: ...
    @property
    def ref_table(self) -> str: ...
    @property
    def ref_column(self) -> str: ...


class TableLike(Protocol):
    """What a writer needs to know about a table (the engine's TablePlan satisfies it)."""

    @property
    def name(self) -> str: ...
    @property
    def arrow_schema(self) -> pa.Schema: ...
    @property
    def primary_key(self) -> Sequence[str]: ...
    @property
    def foreign_keys(self) -> Sequence[ForeignKeyLike]: ...
    @property
    def fields(self) -> Sequence[FieldSpec]: ...


class TableWriter(ABC):
    """Writes one table to ``path``: ``write_batch`` as often as needed, then ``close`` to publish.

    The bytes go to a hidden temporary file beside ``path``; ``close`` renames it into place and
    ``abort`` (or an exception inside a ``with`` block) removes it, so ``path`` either holds the complete
    output or is untouched.
    """

    extension: ClassVar[str]
    binary_stream: ClassVar[bool] = True

    def __init__(self, path: Path, table: TableLike) -> None:
        self.path = Path(path)
        self.table = table
        self.rows_written = 0
        self._temp: Path | None = temp_path_for(self.path)
        self._closed = False
        self._stream: IO[bytes] | None = None
        try:
            self._open()
        except BaseException:
            self.abort()
            raise

    # -- hooks for subclasses ------------------------------------------------------------------------
    def _open(self) -> None:
        """Open the temporary file and write any header. Default: a buffered binary stream."""
        assert self._temp is not None
        self._stream = open(self._temp, "wb", buffering=1 << 20)  # noqa: SIM115 - closed in close/abort
        self._write_header()

    def _write_header(self) -> None:
        return None

    def _write_footer(self) -> None:
        return None

    @abstractmethod
    def _write(self, batch: pa.RecordBatch) -> None: ...

    def _finish(self) -> None:
        """Flush and close the underlying file (after the footer)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    # -- public API ----------------------------------------------------------------------------------
    @property
    def stream(self) -> IO[bytes]:
        assert self._stream is not None, "writer is not open"
        return self._stream

    def write_batch(self, batch: pa.RecordBatch) -> None:
        if self._closed:
            raise ValueError(f"writer for {self.path} is already closed")
        if batch.num_rows == 0:
            return
        self._write(batch)
        self.rows_written += batch.num_rows

    def close(self) -> Path:
        """Finish the file and publish it at ``path``; returns ``path``."""
        if self._closed:
            return self.path
        try:
            self._write_footer()
            self._finish()
            assert self._temp is not None
            publish_file(self._temp, self.path)
            self._temp = None
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop everything written so far; ``path`` is left as it was."""
        self._closed = True
        with contextlib.suppress(Exception):  # the file is thrown away; a close error changes nothing
            self._finish()
        discard(self._temp)
        self._temp = None

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
