"""Exceptions of :mod:`jet_aggregate`: one base class, each also in a CLI category.

Examples
--------
>>> from jet_aggregate.errors import ConfigError
>>> from jet_store.errors import UserError
>>> isinstance(ConfigError("unknown key 'eps'"), UserError)
True
"""

from __future__ import annotations

from jet_store.errors import DataError, JetHunterError, UserError

__all__ = ["AggregateError", "ConfigError", "MetadataError", "InputError"]


class AggregateError(JetHunterError):
    """Base class of every error raised on purpose by :mod:`jet_aggregate`."""


class ConfigError(AggregateError, UserError, ValueError):
    """The aggregation parameters are wrong (unknown key, wrong type, out of range)."""


class InputError(AggregateError, UserError, ValueError):
    """Marks or answers passed in cannot be aggregated (shapes do not match, NaN)."""


class MetadataError(AggregateError, DataError, ValueError):
    """A subject's metadata lacks what is needed to map its marks to the Sun."""
