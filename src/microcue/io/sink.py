"""Signal rows streamed to Parquet in row groups, so a two-hour call never sits in memory as rows."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from microcue.errors import OutputError


class ParquetRowSink:
    """``write(row: dict)`` buffers rows and flushes a row group every ``batch_rows`` rows.

    The schema is fixed by the first batch; later rows must have the same keys. ``close()`` flushes the
    rest. Use as a context manager. The file is readable after every flush (a killed run keeps what was
    flushed only after ``close``; the live path flushes by time as well).
    """

    def __init__(self, path: str | Path, *, batch_rows: int = 4096) -> None:
        self.path = Path(path)
        self.batch_rows = batch_rows
        self._rows: list[dict] = []
        self._writer = None
        self._schema = None
        self.rows_written = 0

    def write(self, row: dict) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(self._rows, schema=self._schema)
        if self._writer is None:
            self._schema = table.schema
            try:
                self._writer = pq.ParquetWriter(str(self.path), self._schema, compression="zstd")
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        self._writer.write_table(table)
        self.rows_written += len(self._rows)
        self._rows = []

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> ParquetRowSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _clean(obj):
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return _clean(obj.item())
    return obj


def write_json(path: str | Path, obj) -> Path:
    """Write ``obj`` as pretty JSON (NaN becomes null), atomically (a temp file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(_clean(obj), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def ensure_writable_dir(path: str | Path) -> Path:
    """Create ``path`` if needed and check that files can be written in it (before any long work)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file, not a folder; choose an output folder with -o")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".microcue-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{path}: output folder is not writable ({exc.strerror or exc}); "
                          "choose another with -o") from None
    return path
