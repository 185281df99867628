"""jet-sandbox: local replicas of the remote services, with fault injection, for offline tests.

Each replica is a real HTTP server on 127.0.0.1 (ephemeral port), started from Python
(``with HekServer(...) as srv: srv.url``) or from the CLI (``jet-hunter sandbox serve
hek``). It serves recorded and synthetic data with the shapes of the real service and
takes a :class:`FaultPlan` (latency, 5xx, 429 + Retry-After, HTML on 200, resets,
truncated bodies, non-UTF-8 bytes, ...). Available: the HEK replica (:mod:`jet_sandbox.hek`), the
SSW cutout service (:mod:`jet_sandbox.ssw`), JSOC export (:mod:`jet_sandbox.jsoc`), a file server
with Range/ETag and download faults (:mod:`jet_sandbox.files`), the Panoptes API
(:mod:`jet_sandbox.panoptes`), and synthetic AIA cutouts with
known jets (:mod:`jet_sandbox.aia`).

Examples
--------
>>> import jet_sandbox
>>> jet_sandbox.__version__
'0.1.0'
>>> with jet_sandbox.HekServer(faults=["503:1"]) as srv:
...     srv.url.startswith("http://127.0.0.1:") and srv.url.endswith("/hek/her")
True
"""

from jet_store.lazy import attach_stub

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
