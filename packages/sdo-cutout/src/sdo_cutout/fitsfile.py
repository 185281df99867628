"""FITS files on disk: is a file complete and readable, and its image header (I/O).

Examples
--------
>>> import tempfile, numpy as np
>>> from astropy.io import fits
>>> from sdo_cutout.fitsfile import check_fits, read_header
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = f"{tmp}/a.fits"
...     fits.PrimaryHDU(np.ones((4, 6), dtype=np.int16)).writeto(path)
...     check_fits(path)["NAXIS2"], read_header(path)["NAXIS1"]
(4, 6)
"""

from __future__ import annotations

import math
import os
from typing import Any

__all__ = ["check_fits", "fits_layout_size", "read_header"]

_BLOCK = 2880
_GZIP_MAGIC = b"\x1f\x8b"


def _card_int(block: bytes, keyword: str) -> int | None:
    """The integer value of ``keyword`` among the 80-byte cards of ``block``."""
    key = keyword.encode("ascii").ljust(8)
    for start in range(0, len(block), 80):
        card = block[start : start + 80]
        if card[:8] == key and card[8:10] == b"= ":
            text = card[10:].split(b"/", 1)[0].strip()
            try:
                return int(text)
            except ValueError:
                return None
    return None


def fits_layout_size(path: str | os.PathLike[str]) -> int:
    """Bytes a plain FITS file must have for every HDU its headers announce (0-padded blocks).

    Reads only the header blocks. A file shorter than this is truncated; astropy would
    read it with warnings and fail later, this says so at once.

    Raises
    ------
    InvalidFits
        When the file does not start like FITS or a header is cut or malformed.

    Examples
    --------
    >>> import io, tempfile, numpy as np
    >>> from astropy.io import fits
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = f"{tmp}/a.fits"
    ...     fits.PrimaryHDU(np.zeros((10, 30), dtype=np.float32)).writeto(path)
    ...     fits_layout_size(path)
    5760
    """
    from sdo_cutout.download_errors import InvalidFits

    offset = 0
    hdus = 0
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        while offset < size:
            f.seek(offset)
            first = f.read(80)
            expected = b"SIMPLE  =" if hdus == 0 else b"XTENSION="
            if not first.startswith(expected):
                if hdus == 0:
                    what = "an HTML page" if first.lstrip()[:1] == b"<" else "FITS"
                    raise InvalidFits(f"{os.fspath(path)} is not FITS (starts {first[:20]!r}; {what})")
                break  # special records after the last HDU: allowed by the standard
            f.seek(offset)
            header = b""
            while True:
                block = f.read(_BLOCK)
                if len(block) < _BLOCK:
                    raise InvalidFits(f"{os.fspath(path)} is truncated inside the header of HDU {hdus}")
                header += block
                if any(block[i : i + 8] == b"END     " for i in range(0, _BLOCK, 80)):
                    break
                if len(header) > 1000 * _BLOCK:
                    raise InvalidFits(f"{os.fspath(path)}: HDU {hdus} has no END card")
            bitpix, naxis = _card_int(header, "BITPIX"), _card_int(header, "NAXIS")
            if bitpix not in (8, 16, 32, 64, -32, -64) or naxis is None or not 0 <= naxis <= 999:
                raise InvalidFits(f"{os.fspath(path)}: HDU {hdus} has no valid BITPIX/NAXIS")
            axes = [_card_int(header, f"NAXIS{i}") for i in range(1, naxis + 1)]
            if any(a is None or a < 0 for a in axes):
                raise InvalidFits(f"{os.fspath(path)}: HDU {hdus} has a missing or negative NAXISn")
            groups = naxis > 0 and axes[0] == 0
            count = 0
            if naxis > 0:
                count = math.prod(int(a or 0) for a in (axes[1:] if groups else axes))
            pcount = _card_int(header, "PCOUNT") or 0
            gcount = _card_int(header, "GCOUNT") or 1
            data = abs(bitpix) // 8 * gcount * (pcount + count) if (naxis or pcount) else 0
            offset += len(header) + -(-data // _BLOCK) * _BLOCK
            hdus += 1
    if hdus == 0:
        raise InvalidFits(f"{os.fspath(path)} is empty")
    return offset


def check_fits(path: str | os.PathLike[str]) -> Any:
    """Check that a file is a complete, readable FITS image; return its image header.

    The file must start as FITS, be as long as its headers say (:func:`fits_layout_size`,
    for files that are not gzip-compressed), open with astropy, hold an image HDU whose
    data read back with the shape its header announces, and pass its ``CHECKSUM`` and
    ``DATASUM`` where the file has them. A gzip-compressed file (``.fts.gz``) is checked
    by decompressing it.

    Returns
    -------
    astropy.io.fits.Header
        A copy of the image HDU's header.

    Raises
    ------
    InvalidFits
        With the reason.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from astropy.io import fits
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = f"{tmp}/a.fits"
    ...     fits.PrimaryHDU(np.ones((4, 6), dtype=np.int16)).writeto(path, checksum=True)
    ...     check_fits(path)["NAXIS1"]
    6
    """
    from astropy.io import fits

    from sdo_cutout.download_errors import InvalidFits

    where = os.fspath(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(2)
        if magic != _GZIP_MAGIC:
            need, have = fits_layout_size(path), os.path.getsize(path)
            if have < need:
                raise InvalidFits(f"{where} is truncated: {have} bytes, its headers announce {need}")
        with fits.open(path, memmap=False, checksum=False) as hdul:
            image = None
            for index, hdu in enumerate(hdul):
                if "CHECKSUM" in hdu.header and hdu.verify_checksum() == 0:
                    raise InvalidFits(f"{where}: HDU {index} fails its CHECKSUM")
                if "DATASUM" in hdu.header and hdu.verify_datasum() == 0:
                    raise InvalidFits(f"{where}: HDU {index} fails its DATASUM")
                if image is None and hdu.is_image and int(hdu.header.get("NAXIS", 0) or 0) > 0:
                    image = hdu
            if image is None:
                raise InvalidFits(f"{where} holds no image HDU with data")
            naxis = int(image.header["NAXIS"])
            shape = tuple(int(image.header[f"NAXIS{i}"]) for i in range(naxis, 0, -1))
            data = image.data
            if data is None or tuple(data.shape) != shape:
                got = None if data is None else tuple(data.shape)
                raise InvalidFits(f"{where}: image data shape {got} is not the announced {shape}")
            return image.header.copy()
    except InvalidFits:
        raise
    except (OSError, EOFError, ValueError, IndexError, TypeError, KeyError) as err:
        raise InvalidFits(f"{where} is not a readable FITS file ({type(err).__name__}: {err})") from None


def read_header(path: str | os.PathLike[str]) -> Any:
    """The header of the first image HDU with data in a FITS file (an astropy ``Header``).

    For a tile-compressed file (JSOC's Rice-compressed exports) that is the image header
    of the compressed HDU; for a plain file, the primary header. Only headers are read.

    Raises
    ------
    InvalidFits
        When the file is not FITS or holds no image.
    """
    from astropy.io import fits

    from sdo_cutout.download_errors import InvalidFits

    try:
        with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
            for hdu in hdul:
                if getattr(hdu, "is_image", False) and int(hdu.header.get("NAXIS", 0) or 0) > 0:
                    return hdu.header.copy()
    except (OSError, ValueError, IndexError, TypeError) as err:
        raise InvalidFits(f"{path} is not a readable FITS file ({err})") from None
    raise InvalidFits(f"{path} holds no image HDU with data")
