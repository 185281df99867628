"""Where served files come from: a folder (:class:`DirectorySource`) or bytes (:class:`FileStore`)."""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import unquote

from jet_sandbox.errors import SandboxError
from jet_sandbox.files_served import ServedFile

__all__ = ["FileSource", "DirectorySource", "FileStore", "safe_parts"]

logger = logging.getLogger(__name__)


def safe_parts(name: str) -> list[str] | None:
    """The path segments of a request path below a root, or None if it would leave the root.

    The path is percent-decoded first; ``..`` segments, backslashes, NUL bytes and
    drive letters make it unsafe. Empty and ``.`` segments are dropped.

    Examples
    --------
    >>> safe_parts("/a//./b.fts"), safe_parts("a/%2e%2e/%2e%2e/etc/passwd"), safe_parts("C:/x")
    (['a', 'b.fts'], None, None)
    """
    decoded = unquote(name)
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." or (len(p) >= 2 and p[1] == ":" and p[0].isalpha()) for p in parts):
        return None
    return parts


@runtime_checkable
class FileSource(Protocol):
    """Where a file server finds files: names are ``/``-separated, relative, already checked."""

    def lookup(self, name: str) -> ServedFile | None:
        """The file called ``name`` (``a/b.fts``), or None."""
        ...

    def listing(self, name: str) -> list[str] | None:
        """The entries of folder ``name`` (``""`` is the root; sub-folders end with ``/``), or None."""
        ...


class DirectorySource:
    """The files below a folder on disk; nothing outside it (symbolic links that leave it included).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "x.fts").write_bytes(b"abc")
    ...     source = DirectorySource(tmp)
    ...     source.lookup("x.fts").size, source.lookup("../x.fts"), source.listing("")
    (3, None, ['x.fts'])
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SandboxError(f"cannot serve {self.root}: not a folder")
        self._resolved = self.root.resolve()

    def __repr__(self) -> str:
        return f"DirectorySource({str(self.root)!r})"

    def _path(self, name: str) -> Path | None:
        parts = safe_parts(name)
        if parts is None:
            return None
        path = self._resolved.joinpath(*parts).resolve()
        return path if path == self._resolved or path.is_relative_to(self._resolved) else None

    def lookup(self, name: str) -> ServedFile | None:
        """The file called ``name``, or None (missing, a folder, or outside the root)."""
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        try:
            return ServedFile.from_path(path)
        except OSError:
            return None

    def listing(self, name: str) -> list[str] | None:
        """The sorted entries of folder ``name``, or None."""
        path = self._path(name)
        if path is None or not path.is_dir():
            return None
        return sorted(p.name + "/" if p.is_dir() else p.name for p in path.iterdir())


Content = bytes | Callable[[], bytes]
"""A file of a :class:`FileStore`: its bytes, or a function that makes them."""


class FileStore:
    """Files held in memory or made on demand (``name -> bytes`` or ``name -> function``).

    A function runs on the first request for its file (once, even when several
    requests arrive together); what it returns is kept in memory within
    ``max_cache_bytes`` (least recently used first out, made again when asked again),
    or written once to ``cache_dir/name`` and served from there. The replicas of the
    SSW service and JSOC keep their job files here.

    Parameters
    ----------
    files
        Initial files.
    cache_dir
        Folder where made files are written (atomically); None keeps them in memory.
    max_cache_bytes
        Memory budget for made files (None: no limit).
    last_modified
        ``Last-Modified`` of files added without one (default: now).

    Examples
    --------
    >>> calls = []
    >>> store = FileStore({"a/b.txt": b"hello"})
    >>> store.add("a/c.fts", lambda: calls.append(1) or b"made")
    >>> store.lookup("a/c.fts").read(), store.lookup("a/c.fts").size, len(calls)
    (b'made', 4, 1)
    >>> store.listing("a"), store.lookup("a/../a/b.txt")
    (['b.txt', 'c.fts'], None)
    """

    def __init__(
        self,
        files: Mapping[str, Content] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        max_cache_bytes: int | None = 512 * 2**20,
        last_modified: float | None = None,
    ) -> None:
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.max_cache_bytes = max_cache_bytes
        self.last_modified = float(int(time.time() if last_modified is None else last_modified))
        self._lock = threading.Lock()
        self._entries: dict[str, ServedFile | tuple[Callable[[], bytes], float]] = {}
        self._made: collections.OrderedDict[str, ServedFile] = collections.OrderedDict()
        self._made_bytes = 0
        self._making: dict[str, threading.Lock] = {}
        for name, content in (files or {}).items():
            self.add(name, content)

    def __repr__(self) -> str:
        return f"FileStore({len(self._entries)} files)"

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = _key(name)
        with self._lock:
            return key is not None and key in self._entries

    @staticmethod
    def _checked(name: str) -> str:
        key = _key(name)
        if key is None:
            raise SandboxError(f"not a safe file name: {name!r}")
        return key

    def add(self, name: str, content: Content, *, last_modified: float | None = None) -> None:
        """Add (or replace) file ``name``."""
        key = self._checked(name)
        modified = self.last_modified if last_modified is None else float(int(last_modified))
        entry: ServedFile | tuple[Callable[[], bytes], float]
        if isinstance(content, bytes):
            entry = ServedFile.from_bytes(content, name=key, last_modified=modified)
        else:
            entry = (content, modified)
        with self._lock:
            self._entries[key] = entry
            self._forget(key)

    def remove(self, name: str) -> None:
        """Remove file ``name`` (no error if missing)."""
        key = self._checked(name)
        with self._lock:
            self._entries.pop(key, None)
            self._forget(key)

    def names(self) -> list[str]:
        """Every file name, sorted."""
        with self._lock:
            return sorted(self._entries)

    def _forget(self, key: str) -> None:
        made = self._made.pop(key, None)
        if made is not None:
            self._made_bytes -= made.size

    def lookup(self, name: str) -> ServedFile | None:
        """The file called ``name`` (made now if it is a function not run yet), or None."""
        key = _key(name)
        if key is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or isinstance(entry, ServedFile):
                return entry
            content, modified = entry
            made = self._made.get(key)
            if made is not None:
                self._made.move_to_end(key)
                return made
            making = self._making.setdefault(key, threading.Lock())
        with making:  # one maker per file; the others wait and take its result
            with self._lock:
                made = self._made.get(key)
                if made is not None:
                    return made
            served = self._make(key, content, modified)
            with self._lock:
                if self._entries.get(key) is not entry:  # replaced or removed meanwhile
                    return served
                self._made[key] = served
                self._made_bytes += served.size if self.cache_dir is None else 0
                self._evict()
                self._making.pop(key, None)
            return served

    def _make(self, key: str, content: Callable[[], bytes], modified: float) -> ServedFile:
        if self.cache_dir is not None:
            path = self.cache_dir.joinpath(*key.split("/"))
            if not path.is_file():
                data = content()
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
                tmp.write_bytes(data)
                os.utime(tmp, (modified, modified))
                os.replace(tmp, path)
                logger.debug("made %s (%d bytes) in %s", key, len(data), self.cache_dir)
            return ServedFile.from_path(path)
        data = content()
        logger.debug("made %s (%d bytes)", key, len(data))
        return ServedFile.from_bytes(data, name=key, last_modified=modified)

    def _evict(self) -> None:
        if self.max_cache_bytes is None or self.cache_dir is not None:
            return
        while self._made_bytes > self.max_cache_bytes and len(self._made) > 1:
            _, old = self._made.popitem(last=False)
            self._made_bytes -= old.size

    def listing(self, name: str) -> list[str] | None:
        """The entries of folder ``name`` (sub-folders end with ``/``), or None if there are none."""
        parts = safe_parts(name)
        if parts is None:
            return None
        prefix = "/".join(parts) + "/" if parts else ""
        found: set[str] = set()
        with self._lock:
            for key in self._entries:
                if key.startswith(prefix):
                    head, slash, _ = key[len(prefix) :].partition("/")
                    found.add(head + slash)
        return sorted(found) if found else None


def _key(name: str) -> str | None:
    parts = safe_parts(name)
    return "/".join(parts) if parts else None
