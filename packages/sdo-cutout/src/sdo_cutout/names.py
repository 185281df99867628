"""Local names for remote files: untrusted listings never write outside the data folder.

File listings (an SSW job's ``.list`` files, a JSOC export's ``data`` array) are remote
input: a line may hold ``../../x.fts``, ``/etc/passwd``, ``C:\\x.fts``, ``\\\\host\\share``,
percent-encoded slashes, control characters or a Windows device name. These functions
turn any of them into a plain relative path, ``cutouts/<job folder>/<file name>``:

* only the last component of the (percent-decoded) path is kept, ``\\`` counting as a
  separator; query strings and fragments of URLs are dropped;
* a name keeps only ``A-Z a-z 0-9 . _ + -``; anything else becomes ``_``; leading dots
  and dashes and trailing dots and spaces go; device names (``CON``, ``NUL``,
  ``COM1``...) get a ``_`` in front; long names are shortened; names ending in the
  downloader's own suffixes (``.part``, ``.part.json``) are changed;
* a name that had to change gets ``~`` and 8 hex digits of a hash of the original before
  its extension, so two different remote names never meet in one local name (an
  unchanged name holds no ``~``);
* the job folder is the job key under the same rules (``ssw:6afa...`` ->
  ``ssw_6afa...~<hash>``), so each job has its own, stable folder.

:func:`resolve_inside` is the final guard before any write: it resolves the path
(following symlinks that already exist) and refuses one that ends outside the data folder.

Examples
--------
>>> from sdo_cutout.names import safe_name, safe_relative_path
>>> safe_name("http://x.test/data/job/ssw_cutout_20100620_111444_AIA_304_.fts?x=1")
'ssw_cutout_20100620_111444_AIA_304_.fts'
>>> safe_name("../../x.fts"), safe_name("/abs/y.fits")
('x.fts', 'y.fits')
>>> safe_name("..%2F..%2Fetc%2Fpasswd")
'passwd'
>>> safe_name("nul.fits")
'_nul~fd05e840.fits'
>>> str(safe_relative_path("http://x.test/job/a.fts", job_key="ssw:6afad99ba54cd163"))
'cutouts/ssw_6afad99ba54cd163~2b288a33ed/a.fts'
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from sdo_cutout.download_errors import UnsafeName, UnsafePath

__all__ = [
    "CUTOUT_DIR",
    "NO_JOB_FOLDER",
    "MAX_NAME",
    "PART_SUFFIX",
    "SIDECAR_SUFFIX",
    "safe_name",
    "job_folder",
    "safe_relative_path",
    "with_hash",
    "check_relative",
    "resolve_inside",
    "safe_fits_name",
]

log = logging.getLogger(__name__)

CUTOUT_DIR = "cutouts"
"""Folder under the data folder that holds one folder per cutout job."""
NO_JOB_FOLDER = "~no-job"
"""Job folder of frames without a job key (no sanitised job key can be equal to it)."""
MAX_NAME = 120
"""Longest local file or folder name, in characters (ASCII, so also bytes)."""
PART_SUFFIX = ".part"
"""Suffix of a file being downloaded (``<name>.part``); never trusted as complete."""
SIDECAR_SUFFIX = ".part.json"
"""Suffix of the note kept beside a ``.part`` file (URL, ETag, Last-Modified, size)."""

_ALLOWED = re.compile(r"[^A-Za-z0-9._+\-]")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
)
_OWN_SUFFIXES = (PART_SUFFIX, SIDECAR_SUFFIX, ".tmp")
_KNOWN_EXT = re.compile(r"(\.(?:fts|fits|fit|fz|jp2|png|jpe?g|txt|json|list))(\.(?:gz|fz|bz2|xz))?$", re.I)
_HASH_CHARS = 8


_FITS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.(fts|fits|fit)(\.gz|\.fz)?$", re.IGNORECASE)


def safe_fits_name(path: str) -> str:
    """The file name of a listed remote path, if it is a plain FITS file name.

    Listings are untrusted: only the last path component is kept (so ``../../x.fts``
    names ``x.fts`` inside the job's folder), and it must look like a FITS file name
    (letters, digits, ``._+-``, ending ``.fts``/``.fits``/``.fit``, optionally ``.gz``/
    ``.fz``); no ``%``, no query, no control characters.

    Raises
    ------
    ValueError
        With the reason, when there is no such name.

    Examples
    --------
    >>> safe_fits_name("/archive/ssw/ssw_cutout_20100620_111444_AIA_304_.fts")
    'ssw_cutout_20100620_111444_AIA_304_.fts'
    >>> safe_fits_name("../../x.fts")
    'x.fts'
    >>> safe_fits_name("/etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: 'passwd' is not a FITS file name
    """
    text = path.strip()
    if not text:
        raise ValueError("empty name")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"{text[:80]!r} holds control characters")
    name = text.replace("\\", "/").rsplit("/", 1)[-1]
    if name in ("", ".", ".."):
        raise ValueError(f"{text[:80]!r} names no file")
    if not _FITS_NAME.match(name):
        raise ValueError(f"{name[:80]!r} is not a FITS file name")
    return name


def _digest(text: str, n: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def _split_ext(name: str) -> tuple[str, str]:
    """``('stem', '.fts.gz')``: a known extension (with a compression suffix), or the last
    short alphanumeric one."""
    match = _KNOWN_EXT.search(name)
    if match and match.start() > 0:
        return name[: match.start()], name[match.start() :]
    dot = name.rfind(".")
    if dot > 0 and len(name) - dot <= 9 and name[dot + 1 :].isalnum():
        return name[:dot], name[dot:]
    return name, ""


def _last_component(text: str) -> str:
    """The last path component of a URL or a path, percent-decoded, ``\\`` as a separator."""
    path = text
    if "://" in text:
        try:
            path = urlsplit(text).path
        except ValueError:  # e.g. an invalid IPv6 host: keep the text, still split below
            path = text.split("://", 1)[1]
    else:
        path = path.split("?", 1)[0].split("#", 1)[0]
    # decode first, then split: "..%2F..%2Fx" must not hide separators
    decoded = unquote(path, errors="replace")
    return decoded.replace("\\", "/").rsplit("/", 1)[-1]


def _clean(raw: str) -> str:
    """The raw name under the character rules, before reserved names and lengths."""
    text = unicodedata.normalize("NFKC", raw)
    text = _ALLOWED.sub("_", text)
    text = text.lstrip(".-").rstrip(". ")
    return text


def with_hash(name: str, key: str) -> str:
    """``name`` with ``~`` and 8 hex digits of a hash of ``key`` before its extension.

    Examples
    --------
    >>> with_hash("ssw_cutout_AIA_304_.fts.gz", "http://a.test/1/ssw_cutout_AIA_304_.fts.gz")
    'ssw_cutout_AIA_304_~a99f7ec1.fts.gz'
    """
    stem, ext = _split_ext(name)
    tag = "~" + _digest(key, _HASH_CHARS)
    room = MAX_NAME - len(ext) - len(tag)
    return stem[: max(room, 1)] + tag + ext


def safe_name(url_or_name: str) -> str:
    """A safe local file name for a remote URL or listed path (see the module docstring).

    Parameters
    ----------
    url_or_name : str
        A URL (its path's last component is used) or a path as a listing gives it.

    Returns
    -------
    str
        A non-empty name of ``A-Z a-z 0-9 . _ + - ~`` characters, at most
        :data:`MAX_NAME` long, not starting with ``.`` or ``-``, not a device name. An
        unchanged name never contains ``~``; a changed one always does.

    Raises
    ------
    UnsafeName
        When nothing usable is left (an empty name, ``..``, a trailing ``/``).

    Examples
    --------
    >>> safe_name("C:\\\\data\\\\a.fts"), safe_name("\\\\\\\\host\\\\share\\\\b.fts")
    ('a.fts', 'b.fts')
    >>> safe_name("x y.fts")
    'x_y~82eba78c.fts'
    >>> safe_name("a.fts.part")
    'a.fts.part_~6a53e44f'
    >>> safe_name("../..")
    Traceback (most recent call last):
    ...
    sdo_cutout.download_errors.UnsafeName: '../..' names no file
    """
    raw = _last_component(url_or_name)
    if raw in ("", ".", ".."):
        raise UnsafeName(f"{url_or_name[:80]!r} names no file")
    name = _clean(raw)
    if not name.strip("_"):
        raise UnsafeName(f"{url_or_name[:80]!r} leaves no usable file name")
    if name.split(".", 1)[0].upper() in _RESERVED:
        name = "_" + name
    if name.lower().endswith(_OWN_SUFFIXES):
        name += "_"
    if name != raw or len(name) > MAX_NAME:
        name = with_hash(name, raw)
    return name


def job_folder(job_key: str | None) -> str:
    """The folder name of a cutout job: its key under the naming rules (stable, distinct per key).

    Examples
    --------
    >>> job_folder("jsoc_20140325_334"), job_folder(None)
    ('jsoc_20140325_334', '~no-job')
    >>> job_folder("ssw:6afad99ba54cd163")
    'ssw_6afad99ba54cd163~2b288a33ed'
    """
    if job_key is None:
        return NO_JOB_FOLDER
    name = _clean(job_key.replace("/", "_").replace("\\", "_"))
    if name.split(".", 1)[0].upper() in _RESERVED:
        name = "_" + name
    if name != job_key or not name or len(name) > MAX_NAME:
        # ten hex digits: job keys are many more than the files of one job
        name = name[: MAX_NAME - 11] + "~" + _digest(job_key, 10)
    return name


def safe_relative_path(url_or_name: str, *, job_key: str | None = None) -> PurePosixPath:
    """The relative local path of a remote file: ``cutouts/<job folder>/<safe name>``.

    Parameters
    ----------
    url_or_name : str
        The file's URL or listed path (untrusted).
    job_key : str, optional
        The cutout job's key; frames without one share :data:`NO_JOB_FOLDER`.

    Returns
    -------
    PurePosixPath
        Three plain components, none of them ``..``, absolute or empty.

    Raises
    ------
    UnsafeName
        When the remote name leaves no usable file name.

    Examples
    --------
    >>> safe_relative_path("../../../../etc/passwd", job_key="jsoc_1")
    PurePosixPath('cutouts/jsoc_1/passwd')
    >>> safe_relative_path("/tmp/evil.fits")
    PurePosixPath('cutouts/~no-job/evil.fits')
    """
    path = PurePosixPath(CUTOUT_DIR, job_folder(job_key), safe_name(url_or_name))
    check_relative(path)
    return path


def check_relative(path: str | PurePosixPath) -> PurePosixPath:
    """``path`` as a :class:`PurePosixPath` if it is a plain relative path, else raise.

    A plain relative path has no absolute root, drive, ``..``, ``.``, empty component,
    backslash, NUL or control character. Paths read back from the store go through
    this before being written to.

    Raises
    ------
    UnsafePath
        With the reason.

    Examples
    --------
    >>> check_relative("cutouts/a/b.fts")
    PurePosixPath('cutouts/a/b.fts')
    >>> check_relative("cutouts/../../b.fts")
    Traceback (most recent call last):
    ...
    sdo_cutout.download_errors.UnsafePath: 'cutouts/../../b.fts' is not a plain relative path (has '..')
    """
    text = str(path)
    reason = None
    if not text:
        reason = "empty"
    elif any(ord(c) < 32 or ord(c) == 127 for c in text):
        reason = "control characters"
    elif "\\" in text:
        reason = "a backslash"
    elif text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        reason = "absolute"
    else:
        parts = text.split("/")
        if any(part in ("", ".") for part in parts):
            reason = "an empty or '.' component"
        elif ".." in parts:
            reason = "has '..'"
    if reason is not None:
        raise UnsafePath(f"{text[:120]!r} is not a plain relative path ({reason})")
    return PurePosixPath(text)


def resolve_inside(data_dir: str | os.PathLike[str], relative: str | PurePosixPath) -> Path:
    """The absolute path of ``relative`` under ``data_dir``, guaranteed to stay inside it.

    The check uses resolved paths, so a symlink already on disk that leads out of the
    data folder (a parent folder, or the file itself) is refused too.

    Parameters
    ----------
    data_dir : path
        The data folder (need not exist yet).
    relative : str or PurePosixPath
        A path relative to it (see :func:`check_relative`).

    Returns
    -------
    Path
        The resolved data folder joined with the resolved parent and the file name.

    Raises
    ------
    UnsafePath
        When the path is not plain or resolves outside ``data_dir``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     inside = resolve_inside(tmp, "cutouts/j/a.fts")
    ...     inside.relative_to(Path(tmp).resolve()).as_posix()
    'cutouts/j/a.fts'
    """
    rel = check_relative(relative)
    root = Path(data_dir).resolve()
    target = root.joinpath(*rel.parts)
    parent = target.parent.resolve()
    if not (parent == root or parent.is_relative_to(root)):
        raise UnsafePath(f"{rel} would be written outside the data folder {root} (through a symlink)")
    final = parent / target.name
    if final.is_symlink():
        where = final.resolve()
        if not where.is_relative_to(root):
            raise UnsafePath(f"{rel} is a symlink out of the data folder {root} (to {where})")
        raise UnsafePath(f"{rel} is a symlink; refusing to write through it")
    return final
