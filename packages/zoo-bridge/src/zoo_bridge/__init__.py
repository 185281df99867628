"""zoo-bridge: Zooniverse subjects out, classification exports in.

The metadata contract (:mod:`zoo_bridge.metadata`) is what both directions share: every
subject carries, as strings, what turns a classification export alone into solar
coordinates and times.

Inbound: :func:`import_classifications`, :func:`import_subjects` and
:func:`import_workflows` read Panoptes exports into ``jet_store`` records, each
returning an :class:`ImportSummary`.

Examples
--------
>>> import zoo_bridge
>>> zoo_bridge.PANOPTES_URL
'https://www.zooniverse.org'
"""

from jet_store.lazy import attach_stub

__version__ = "0.1.0"
PANOPTES_URL = "https://www.zooniverse.org"
"""The Panoptes API endpoint that panoptes-client talks to."""

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
