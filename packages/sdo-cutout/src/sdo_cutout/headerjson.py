"""FITS headers as JSON-safe dicts that :class:`jet_store.Store` accepts (pure).

``COMMENT``/``HISTORY`` (and blank-keyword cards) become lists of strings, astropy's
``Undefined`` and NaN/inf become None (real AIA headers hold ``OSCNMEAN = nan``, which
astropy cannot even parse, and the store refuses NaN in JSON), bytes are decoded and
NUL characters dropped; bool, int, float and str are kept as they are.

Examples
--------
>>> from sdo_cutout.headerjson import header_to_json
>>> header_to_json({"WAVELNTH": 304, "OSCNMEAN": float("nan"), "COMMENT": "a"})
{'WAVELNTH': 304, 'OSCNMEAN': None, 'COMMENT': ['a']}
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["COMMENTARY_KEYS", "header_to_json", "json_value"]

COMMENTARY_KEYS = frozenset({"COMMENT", "HISTORY", ""})
"""Keywords kept as lists of strings (the blank keyword too)."""

_NONFINITE = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


def json_value(value: Any) -> Any:
    """One header value as a JSON-safe value (None for what JSON or the store cannot hold).

    Examples
    --------
    >>> json_value(float("nan")), json_value(b"AIA\\x00"), json_value(True), json_value(3)
    (None, 'AIA', True, 3)
    >>> json_value(2 + 1j)
    '(2+1j)'
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1").replace("\x00", "")
    type_name = type(value).__name__
    if type_name == "Undefined":  # astropy.io.fits.card.Undefined, without importing astropy
        return None
    # numpy scalars and the like
    if type_name.startswith("bool"):
        return bool(value)
    if hasattr(value, "dtype") and hasattr(value, "item"):
        return json_value(value.item())
    return str(value).replace("\x00", "")


def _raw_card_value(card: Any) -> Any:
    """The value of a card astropy cannot parse (``OSCNMEAN = nan``): None for NaN/inf,
    the text otherwise."""
    image = getattr(card, "_image", None)  # the raw 80 characters; .image would "fix" and warn
    if not isinstance(image, str):
        return None
    text = image[10:] if image[8:10] == "= " else image[8:]
    text = text.split("/", 1)[0].strip() if not text.lstrip().startswith("'") else text.strip()
    if text.startswith("'"):
        end = text.rfind("'")
        return text[1:end].rstrip() if end > 0 else text[1:].rstrip()
    if _NONFINITE.match(text):
        return None
    return json_value(text) or None


def header_to_json(header: Any) -> dict[str, Any]:
    """A FITS header as a JSON-safe dict (see the module docstring).

    Parameters
    ----------
    header : astropy.io.fits.Header or mapping
        A header, or a mapping of keyword to value (values are made JSON-safe; lists
        under commentary keys are kept as lists of strings).

    Returns
    -------
    dict
        Keyword -> value, in header order. A keyword repeated (other than commentary
        ones) keeps its first value, as astropy's ``header[key]`` does.

    Examples
    --------
    >>> from astropy.io import fits
    >>> h = fits.Header([("SIMPLE", True), ("BLANK1", fits.card.UNDEFINED), ("COMMENT", "a"),
    ...                  ("COMMENT", "b")])
    >>> header_to_json(h)
    {'SIMPLE': True, 'BLANK1': None, 'COMMENT': ['a', 'b']}
    >>> header_to_json({"X": float("inf"), "HISTORY": "one line"})
    {'X': None, 'HISTORY': ['one line']}
    """
    out: dict[str, Any] = {}
    cards = getattr(header, "cards", None)
    if cards is None:
        if not isinstance(header, Mapping):
            raise TypeError(f"not a FITS header or a mapping: {type(header).__name__}")
        for key, value in header.items():
            name = str(key)
            if name.strip().upper() in COMMENTARY_KEYS:
                name = name.strip().upper()
            if name in COMMENTARY_KEYS:
                items = value if isinstance(value, (list, tuple)) else [value]
                out.setdefault(name, []).extend(str(json_value(v) or "") for v in items)
            elif name not in out:
                out[name] = json_value(value)
        return out
    for card in cards:
        try:
            keyword = str(card.keyword)
        except Exception:
            continue
        try:
            value = card.value
        except Exception:
            value = _raw_card_value(card)
        if keyword in COMMENTARY_KEYS:
            text = str(json_value(value) or "")
            if keyword == "" and not text.strip():
                continue
            out.setdefault(keyword, []).append(text)
        elif keyword not in out:
            out[keyword] = json_value(value)
    return out
