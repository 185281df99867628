"""Exceptions raised by :mod:`jet_sandbox`.

Examples
--------
>>> from jet_sandbox.errors import FaultSpecError, SandboxError
>>> from jet_store import UserError
>>> err = FaultSpecError("unknown fault kind 'oops'")
>>> isinstance(err, SandboxError), isinstance(err, UserError), isinstance(err, ValueError)
(True, True, True)
"""

from __future__ import annotations

from jet_store.errors import JetHunterError, UserError

__all__ = ["SandboxError", "FaultSpecError", "BadQuery", "RangeNotSatisfiable", "SyntheticAiaError"]


class SandboxError(JetHunterError):
    """Base class of every error raised by :mod:`jet_sandbox`."""


class FaultSpecError(SandboxError, UserError, ValueError):
    """A fault plan (or one ``--fault`` spec) cannot be understood."""


class BadQuery(SandboxError, UserError, ValueError):
    """A request to a replica lacks a required parameter or has an invalid one.

    The replica answers it with HTTP 400 and the message as plain text.
    """


class RangeNotSatisfiable(SandboxError, ValueError):
    """A ``Range`` header asks for bytes a file does not have (the replica answers 416)."""


class SyntheticAiaError(SandboxError, UserError, ValueError):
    """A synthetic cutout or jet was asked for with impossible parameters."""
