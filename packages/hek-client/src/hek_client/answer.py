"""A HEK answer body read into its rows (pure): decoding, JSON, the ``result`` list.

HEK's outage answer is an HTML page, some bodies are cut short, and some hold bytes
that are not UTF-8; :func:`load_answer` says which (:class:`~hek_client.errors.BadAnswer`
with its ``kind``) or returns the rows for :mod:`hek_client.parse`.

Examples
--------
>>> from hek_client.answer import load_answer
>>> load_answer(b'{"result": [], "overmax": "false"}')
([], False)
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from typing import Any

from hek_client.errors import BadAnswer

__all__ = ["decode_body", "load_answer", "read_rows"]

_ERRORS = "hek-client-latin1"


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    # each byte that is not UTF-8 becomes the latin-1 character of that byte
    if not isinstance(err, UnicodeDecodeError):  # pragma: no cover - registered for decoding only
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error(_ERRORS, _latin1_fallback)


def decode_body(data: bytes | str) -> str:
    """Text of a response body: UTF-8, with each byte that is not UTF-8 read as latin-1.

    Valid UTF-8 (``"Schön"`` as two bytes) stays intact; a stray latin-1 byte (``0xf6``)
    becomes its character instead of failing the whole answer.

    Examples
    --------
    >>> decode_body("Schön ".encode() + b"Sch\\xf6n")
    'Schön Schön'
    """
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors=_ERRORS).lstrip("\ufeff")


_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def load_answer(data: bytes | str | Mapping[str, Any]) -> tuple[list[Any], bool | None]:
    """The rows and ``overmax`` of a HEK answer (bytes, text or an already-decoded dict).

    Raises
    ------
    BadAnswer
        ``kind="html"`` for an HTML page (HEK's outage answer), ``"json"`` for a body
        that is not JSON (truncated, garbled), ``"shape"`` for JSON without a
        ``result`` list.

    Examples
    --------
    >>> load_answer(b'{"result": [{"kb_archivid": "a"}], "overmax": true}')
    ([{'kb_archivid': 'a'}], True)
    >>> load_answer(b"<html><body>Service unavailable</body></html>")
    Traceback (most recent call last):
    ...
    hek_client.errors.BadAnswer: HEK answered HTML instead of JSON: 'Service unavailable'
    """
    rows, overmax, _clean_rows = read_rows(data)
    return rows, overmax


def read_rows(data: bytes | str | Mapping[str, Any]) -> tuple[list[Any], bool | None, bool]:
    """Rows, ``overmax``, and whether the rows are known to be storable as they are.

    The rows of a body parsed here from JSON text with no ``NaN``/``Infinity``, escaped
    NUL or lone surrogate are storable as they are (``True``); rows of an
    already-decoded dict are not known to be (``False``).

    Raises
    ------
    BadAnswer
        As :func:`load_answer`.

    Examples
    --------
    >>> read_rows(b'{"result": [{"a": 1}]}'), read_rows({"result": []})
    (([{'a': 1}], None, True), ([], None, False))
    """
    constants: list[str] = []
    clean = False
    if isinstance(data, Mapping):
        doc: Any = data
    else:
        text = decode_body(data)
        try:
            doc = json.loads(text, parse_constant=constants.append)
        except RecursionError:
            raise BadAnswer("HEK answered JSON nested too deeply to read", "json") from None
        except ValueError as err:
            head = text.lstrip()[:200].lower()
            if head.startswith("<") or "<html" in head or "<!doctype" in head:
                raise BadAnswer(f"HEK answered HTML instead of JSON: {_html_title(text)!r}", "html") from None
            raise BadAnswer(
                f"HEK answered something that is not JSON ({err}; {len(text)} chars)", "json"
            ) from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("result"), list):
        keys = sorted(str(k) for k in doc)[:5] if isinstance(doc, Mapping) else type(doc).__name__
        raise BadAnswer(f"HEK answered JSON without a result list ({keys})", "shape")
    if not isinstance(data, Mapping):
        # rows fresh from JSON text hold only str keys and JSON values; with no NaN/Infinity
        # and no escaped NUL or surrogate in the text they need no sanitising (a fast path)
        clean = not constants and _UNSTORABLE_ESCAPE.search(text) is None and _encodable(text)
    return list(doc["result"]), _flag(doc.get("overmax")), clean


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")  # text given as str may hold lone surrogates
    except UnicodeEncodeError:
        return False
    return True


def _html_title(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S) or re.search(
        r"<body[^>]*>(.*?)</body>", text, re.I | re.S
    )
    inner = match.group(1) if match else text
    words = " ".join(re.sub(r"<[^>]*>", " ", inner).split())
    return words[:80]


def _flag(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t")
    return bool(value)
