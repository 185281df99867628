"""What a cutout backend answers, the protocol it implements, and the registry of backends.

A backend client implements :class:`CutoutBackend`: ``submit`` and ``poll`` return an
:class:`Outcome`. Service clients derive from :class:`sdo_cutout.service.ServiceClient`,
which registers every subclass that names its backend (``name = "ssw"``) in
:data:`BACKENDS` when the class is defined, so the list of names, the command line's
choices and the factory :func:`create_backend` all read one registry (sunpy's
``net/base_client.py`` does the same for its Fido clients). The built-in clients' modules
(named in :mod:`sdo_cutout.backend_names`) are imported when the registry is first read,
so they have registered themselves even when only this module was imported
(``sdo_cutout`` imports its modules on first use); the parser reads those plain names.

Examples
--------
>>> import sdo_cutout
>>> list(BACKENDS), "jsoc" in BACKENDS
(['ssw', 'jsoc'], True)
>>> create_backend("ssw", submit_url="http://127.0.0.1:1/submit.sh", data_url="http://127.0.0.1:1/data/")
SswClient('http://127.0.0.1:1/submit.sh', 'http://127.0.0.1:1/data/')
>>> Outcome.ready([FileRef("http://x/a.fts")]).kind, Outcome.failed("too large").message
('ready', 'too large')
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload, runtime_checkable

from jet_store import CutoutJob

from sdo_cutout.backend_names import BUILTIN_BACKENDS
from sdo_cutout.errors import CutoutRequestError

if TYPE_CHECKING:
    from sdo_cutout.service import ServiceClient

__all__ = [
    "FileRef",
    "Outcome",
    "OutcomeKind",
    "CutoutBackend",
    "BackendRegistry",
    "BACKENDS",
    "create_backend",
]


@dataclass(frozen=True, slots=True)
class FileRef:
    """One file of a finished cutout: its URL and, when the listing says, its wavelength (Angstrom)."""

    url: str
    wavelength: float | None = None


OutcomeKind = Literal["submitted", "deferred", "pending", "ready", "failed", "resubmit"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one ``submit`` or ``poll`` of a backend found.

    ``submitted`` (with ``remote_id``), ``deferred`` (not taken now, try submitting
    later, e.g. JSOC status 7), ``pending``, ``ready`` (with ``files``), ``failed``
    (for good, ``message`` says why) or ``resubmit`` (the remote request is gone or
    broken: forget the id and submit again). ``wait`` is the service's hint of seconds
    to wait before asking again; ``rejected`` lists file names refused as unsafe.
    """

    kind: OutcomeKind
    remote_id: str | None = None
    files: tuple[FileRef, ...] = ()
    message: str | None = None
    wait: float | None = None
    rejected: tuple[str, ...] = ()

    @classmethod
    def submitted(cls, remote_id: str, wait: float | None = None) -> Outcome:
        """The service took the job and named it ``remote_id``."""
        return cls("submitted", remote_id=remote_id, wait=wait)

    @classmethod
    def deferred(cls, message: str, wait: float | None = None) -> Outcome:
        """The service cannot take the job now; submit it again later."""
        return cls("deferred", message=message, wait=wait)

    @classmethod
    def pending(cls, message: str | None = None, wait: float | None = None) -> Outcome:
        """Still running."""
        return cls("pending", message=message, wait=wait)

    @classmethod
    def ready(
        cls, files: Iterable[FileRef], rejected: Iterable[str] = (), message: str | None = None
    ) -> Outcome:
        """Finished, with these files."""
        return cls("ready", files=tuple(files), rejected=tuple(rejected), message=message)

    @classmethod
    def failed(cls, message: str) -> Outcome:
        """Failed for good."""
        return cls("failed", message=message)

    @classmethod
    def resubmit(cls, message: str, wait: float | None = None) -> Outcome:
        """The remote request is lost; submit the job again."""
        return cls("resubmit", message=message, wait=wait)


@runtime_checkable
class CutoutBackend(Protocol):
    """What the stage functions need of a service client.

    ``name`` is the :attr:`jet_store.CutoutJob.backend` it serves, ``concurrency`` the
    most jobs it runs at once. ``submit`` and ``poll`` return an :class:`Outcome` and
    raise :class:`~sdo_cutout.errors.CutoutServiceError` when the service fails.
    Entering the client (``async with``) opens its connections for a stage.
    """

    @property
    def name(self) -> str:
        """The backend this client serves (``ssw``, ``jsoc``)."""
        ...

    @property
    def concurrency(self) -> int:
        """Most jobs of this service in flight at once."""
        ...

    async def submit(self, job: CutoutJob) -> Outcome: ...

    async def poll(self, job: CutoutJob) -> Outcome: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc_info: object) -> Any: ...


class BackendRegistry(Sequence[str]):
    """The registered backend names, by their client's ``rank`` (the default backend first).

    It reads as a sequence of names (``in``, iteration, ``", ".join``), so it serves
    directly as ``argparse`` choices; :meth:`client_class` gives a name's class.

    Examples
    --------
    >>> import sdo_cutout
    >>> BACKENDS.client_class("jsoc").__name__
    'JsocClient'
    >>> BACKENDS.client_class("ftp")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.CutoutRequestError: unknown cutout backend 'ftp'; use one of ssw, jsoc
    """

    def __init__(self, builtin: Sequence[str] = (), package: str = "sdo_cutout") -> None:
        self._classes: dict[str, type[ServiceClient]] = {}
        self._package = package
        self._unloaded = list(builtin)  # backends whose module (package.name) registers them

    def _loaded(self) -> dict[str, type[ServiceClient]]:
        """The registered classes, after importing the built-in clients' modules (once).

        A built-in module that does not register the backend it is named for is an error
        of this package: the plain names the parser offers must be the registry's.
        """
        while self._unloaded:
            name = self._unloaded.pop(0)
            importlib.import_module(f"{self._package}.{name}")
            if name not in self._classes:
                raise RuntimeError(f"{self._package}.{name} registers no client of backend {name!r}")
        return self._classes

    def register(self, cls: type[ServiceClient]) -> None:
        """Record ``cls`` as the client of the backend ``cls.name`` (the latest definition wins)."""
        self._classes[cls.name] = cls
        self._classes = dict(sorted(self._classes.items(), key=lambda kv: (kv[1].rank, kv[0])))

    def client_class(self, name: str) -> type[ServiceClient]:
        """The client class of backend ``name``."""
        try:
            return self._loaded()[name]
        except KeyError:
            raise CutoutRequestError(
                f"unknown cutout backend {name!r}; use one of {', '.join(self._loaded())}"
            ) from None

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return tuple(self._loaded())[index]

    def __len__(self) -> int:
        return len(self._loaded())

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._loaded()))

    def __contains__(self, name: object) -> bool:
        return name in self._loaded()

    def __repr__(self) -> str:
        return f"BackendRegistry({', '.join(map(repr, self._loaded()))})"


BACKENDS = BackendRegistry(builtin=BUILTIN_BACKENDS)
"""The cutout services: filled by each :class:`~sdo_cutout.service.ServiceClient` subclass
(the built-in ones, SSW and JSOC, are imported on the first read)."""


def create_backend(name: str, **settings: Any) -> ServiceClient:
    """A client of backend ``name``, made with its class's keyword arguments."""
    return BACKENDS.client_class(name)(**settings)
