"""Records to and from plain dicts: database rows and JSON documents.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import Workflow
>>> from jet_store.codec import to_json_dict, from_json_dict
>>> wf = Workflow(workflow_id=18563, version="5.19", display_name="Jet or Not")
>>> doc = to_json_dict(wf)
>>> doc["workflow_id"], doc["version"]
(18563, '5.19')
>>> from_json_dict(Workflow, doc) == wf
True
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from jet_store.errors import InvalidRecord
from jet_store.records import Record
from jet_store.schema import field_specs

__all__ = ["to_row", "from_row", "to_json_dict", "from_json_dict", "parse_datetime"]

R = TypeVar("R", bound=Record)


def to_row(record: Record) -> dict[str, Any]:
    """A record as a column -> value dict ready to bind (enums become plain strings)."""
    row: dict[str, Any] = {}
    for spec in field_specs(type(record)):
        value = getattr(record, spec.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif spec.is_tuple and value is not None:
            value = list(value)
        row[spec.name] = value
    return row


def from_row(cls: type[R], row: Mapping[Any, Any]) -> R:
    """Rebuild a record from a database row (JSON lists back to tuples)."""
    values: dict[str, Any] = {}
    for spec in field_specs(cls):
        value = row[spec.name]
        if spec.is_tuple and value is not None:
            value = tuple(value)
        values[spec.name] = value
    return cls(**values)


def to_json_dict(record: Record) -> dict[str, Any]:
    """A record as a JSON-serialisable dict (datetimes as ISO 8601 UTC strings)."""
    doc = to_row(record)
    for spec in field_specs(type(record)):
        value = doc[spec.name]
        if isinstance(value, datetime):
            doc[spec.name] = value.astimezone(timezone.utc).isoformat()
    return doc


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 time; a time without zone is taken as UTC.

    Examples
    --------
    >>> parse_datetime("2010-06-20T11:14:44")
    datetime.datetime(2010, 6, 20, 11, 14, 44, tzinfo=datetime.timezone.utc)
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise InvalidRecord(f"not an ISO 8601 time: {text!r}") from err
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def from_json_dict(cls: type[R], doc: Mapping[str, Any]) -> R:
    """Rebuild a record from :func:`to_json_dict` output."""
    values: dict[str, Any] = {}
    for spec in field_specs(cls):
        if spec.name not in doc:
            continue
        value = doc[spec.name]
        if value is not None:
            if spec.python_type is datetime:
                value = parse_datetime(value)
            elif spec.is_tuple:
                value = tuple(value)
        values[spec.name] = value
    try:
        return cls(**values)
    except TypeError as err:
        raise InvalidRecord(f"cannot build {cls.__name__}: {err}") from err
