"""What every stage returns: a summary that carries its own failures (parfive's ``Results``).

A stage function (HEK search, cutout jobs, downloads, renderings, uploads, ...) returns
an object that satisfies :class:`Summary`: one line for people, a JSON-compatible dict
for programs, the messages of the items that failed, and the exit code the command
line should end with. The command line prints any of them with one function.

Examples
--------
>>> from dataclasses import dataclass, field
>>> from jet_store.summary import Summary
>>> @dataclass
... class Fetched:
...     done: int = 0
...     messages: list[str] = field(default_factory=list)
...     def line(self) -> str:
...         return f"fetched {self.done}, failed {len(self.messages)}"
...     def to_dict(self) -> dict[str, object]:
...         return {"done": self.done, "messages": list(self.messages)}
...     @property
...     def exit_code(self) -> int:
...         return 2 if self.messages else 0
>>> s = Fetched(3, ["x.fits: HTTP 404"])
>>> isinstance(s, Summary), s.line(), s.exit_code
(True, 'fetched 3, failed 1', 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["Summary"]


@runtime_checkable
class Summary(Protocol):
    """The protocol of a stage's result.

    Attributes
    ----------
    messages : sequence of str
        One line per item that failed or was left out, saying which and why.
    exit_code : int
        0 when every item went through; 1 (bad input), 2 (a service kept failing) or
        3 (a data problem) otherwise, as the command line's exit codes.
    """

    @property
    def messages(self) -> Sequence[str]:
        """One line per item that failed or was left out."""
        ...

    @property
    def exit_code(self) -> int:
        """What the command line exits with (0, 1, 2 or 3)."""
        ...

    def line(self) -> str:
        """The one-line summary for people."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-compatible dict."""
        ...
