"""Reading an export file as a stream: CSV rows, bytes read, the content's SHA-256.

Exports run to gigabytes, so nothing is read whole: the file is read in blocks through
the :mod:`csv` module, hashed as it goes, and a tqdm bar counts bytes. A cell may hold
up to :data:`FIELD_LIMIT` characters (``subject_data`` cells are long, but a stray quote
must not swallow the rest of the file into one cell): a longer one is reported as that
row's error and reading goes on. Bytes that are not UTF-8 become U+FFFD rather than
stopping the read.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "w.csv").write_text("workflow_id,version\\n7,2\\n8,1\\n")
28
>>> with ExportStream(folder / "w.csv", required=("workflow_id",), progress=False) as stream:
...     rows = [(line, row["workflow_id"]) for line, row in stream]
>>> rows, stream.bytes_read
([(2, '7'), (3, '8')], 28)
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from zoo_bridge.errors import ExportFileError

__all__ = ["ExportStream", "FIELD_LIMIT"]

_BLOCK = 1 << 20
FIELD_LIMIT = 64 << 20
"""Characters one CSV cell may hold."""


class _HashingReader(io.RawIOBase):
    """A binary file that hashes and counts what is read, and moves a progress bar."""

    def __init__(self, raw: Any, bar: Any) -> None:
        self._raw = raw
        self._bar = bar
        self.hash = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.hash.update(data)
        self.count += n
        if self._bar is not None and n:
            self._bar.update(n)
        return n


class ExportStream:
    """Rows of an export CSV as ``(line, row dict)``; a context manager.

    Parameters
    ----------
    path
        The export file.
    required
        Columns the header must have (else :class:`ExportFileError`).
    progress
        Show a tqdm bar in bytes.
    field_limit
        Characters one cell may hold (:data:`FIELD_LIMIT`).

    Attributes
    ----------
    bytes_read, sha256, size_bytes
        Bytes read so far, the SHA-256 of the whole file (once read to the end) and
        the file's size.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        required: Sequence[str] = (),
        progress: bool = True,
        field_limit: int = FIELD_LIMIT,
    ) -> None:
        self.path = Path(path)
        self.field_limit = field_limit
        self.required = tuple(required)
        self.progress = progress
        self.fieldnames: list[str] = []
        self._reader: _HashingReader | None = None
        self._text: io.TextIOWrapper | None = None
        self._bar: Any = None
        try:
            self.size_bytes = self.path.stat().st_size
        except OSError as err:
            raise ExportFileError(f"cannot read export {path}: {err.strerror or err}") from None

    def __enter__(self) -> ExportStream:
        try:
            raw = self.path.open("rb")
        except OSError as err:
            raise ExportFileError(f"cannot read export {self.path}: {err.strerror or err}") from None
        if self.progress:
            from tqdm import tqdm

            self._bar = tqdm(
                total=self.size_bytes, unit="B", unit_scale=True, desc=self.path.name, leave=False
            )
        self._reader = _HashingReader(raw, self._bar)
        buffered = io.BufferedReader(self._reader, buffer_size=_BLOCK)
        self._text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="replace", newline="")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._text is not None:
            self._text.close()
        if self._reader is not None:
            self._reader._raw.close()
        if self._bar is not None:
            self._bar.close()

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self._text is None:
            raise RuntimeError("use ExportStream in a with block")
        csv.field_size_limit(self.field_limit)
        reader = csv.reader(self._text)
        try:
            header = next(reader)
        except StopIteration:
            raise ExportFileError(f"{self.path} is empty, not an export") from None
        except csv.Error as err:
            raise ExportFileError(f"{self.path} is not a CSV file: {err}") from None
        self.fieldnames = [name.strip() for name in header]
        missing = [name for name in self.required if name not in self.fieldnames]
        if missing:
            raise ExportFileError(
                f"{self.path} is not this kind of export: no column {', '.join(missing)} "
                f"(it has {', '.join(self.fieldnames[:8])})"
            )
        names = self.fieldnames
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:  # a broken quote: the rest of the line is lost
                yield reader.line_num, {"__error__": str(err)}
                continue
            if not cells:
                continue
            yield reader.line_num, dict(zip(names, cells, strict=False))

    @property
    def bytes_read(self) -> int:
        """Bytes read from the file so far."""
        return self._reader.count if self._reader is not None else 0

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes read (the whole file once iterated to the end)."""
        return self._reader.hash.hexdigest() if self._reader is not None else ""
