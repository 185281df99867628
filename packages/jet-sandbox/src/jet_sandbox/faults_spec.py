"""Fault kinds and spec strings: the kind names and their aliases, ``HEAD[:ITEM]...`` read into fields."""

from __future__ import annotations

from typing import Any

from jet_sandbox.errors import FaultSpecError

__all__ = [
    "spec_fields",
    "KINDS",
    "TRANSPORT_KINDS",
    "DATA_KINDS",
    "REPLACING_KINDS",
    "FAILURE_KINDS",
    "compact_number",
]

REPLACING_KINDS: frozenset[str] = frozenset({"status", "html", "reset"})
"""Kinds that replace the answer (at most one fires per request)."""


FAILURE_KINDS: frozenset[str] = REPLACING_KINDS | {"truncate", "length"}
"""Kinds that make the request fail (at most one fires per request)."""


TRANSPORT_KINDS: frozenset[str] = FAILURE_KINDS | {"delay"}
"""Kinds that any endpoint accepts: they need no knowledge of the answer's content."""


DATA_KINDS: frozenset[str] = frozenset({"bad_utf8", "mixed_keys", "empty"})
"""Kinds that only endpoints which know their data can apply."""


KINDS: frozenset[str] = TRANSPORT_KINDS | DATA_KINDS
"""Every fault kind."""


_ALIASES = {
    "bad-utf8": "bad_utf8",
    "latin1": "bad_utf8",
    "non-utf8": "bad_utf8",
    "mixed-keys": "mixed_keys",
    "hang": "delay",
    "slow": "delay",
    "cut": "truncate",
    "content-length": "length",
    "content_length": "length",
}


_ITEM_ALIASES = {"retry-after": "retry_after", "retry_after": "retry_after", "prob": "p", "n": "times"}


def compact_number(value: float) -> str:
    """A compact decimal: ``2`` rather than ``2.0``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def spec_fields(spec: str) -> dict[str, Any]:
    """The :class:`~jet_sandbox.faults.Fault` fields one spec string such as ``"503:2"`` gives.

    Raises
    ------
    FaultSpecError
        If the spec cannot be read (the fields themselves are checked by ``Fault``).

    Examples
    --------
    >>> spec_fields("429:retry-after=0.5:after=1")
    {'kind': 'status', 'code': 429, 'seconds': 0.5, 'after': 1}
    >>> spec_fields("cut=0.3:2")
    {'kind': 'truncate', 'keep': 0.3, 'times': 2}
    """
    text = spec.strip()
    if not text:
        raise FaultSpecError("empty fault spec")
    head, *items = text.split(":")
    name, _, head_value = head.strip().partition("=")
    name = _ALIASES.get(name.lower(), name.lower())
    fields: dict[str, Any] = {}
    try:
        if name.isdigit():
            fields.update(kind="status", code=int(name))
            if head_value:
                fields["seconds"] = float(head_value)
        else:
            fields["kind"] = name
            if head_value and name == "length":
                fields["delta"] = int(head_value)
            elif head_value:
                fields["keep" if name == "truncate" else "seconds"] = float(head_value)
        for raw in items:
            item = raw.strip()
            key, eq, value = item.partition("=")
            if not eq:
                fields["times"] = int(item)
                continue
            key = _ITEM_ALIASES.get(key.lower(), key.lower())
            if key == "retry_after":
                key = "seconds"
            if key == "bytes":
                key = "nbytes"
            if key in ("times", "every", "after", "code", "nbytes", "delta"):
                fields[key] = int(value)
            elif key in ("p", "seconds", "keep"):
                fields[key] = float(value)
            else:
                raise FaultSpecError(f"unknown item {key!r} in fault spec {spec!r}")
    except ValueError as err:
        if isinstance(err, FaultSpecError):
            raise
        raise FaultSpecError(f"cannot read fault spec {spec!r}: {err}") from None
    return fields
