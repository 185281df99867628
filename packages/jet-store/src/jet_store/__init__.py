"""jet-store: the shared records of jet-hunter and the database that holds them.

Examples
--------
>>> import jet_store
>>> [kind for kind in sorted(jet_store.RECORD_TYPES) if kind.startswith("c")]
['classifications', 'clusters', 'cutouts']
"""

from jet_store.lazy import attach_stub

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
