"""zoo-bridge: Zooniverse subjects out, classification exports in.

This release holds the Panoptes address; subjects and exports arrive with later issues.

Examples
--------
>>> import zoo_bridge
>>> zoo_bridge.PANOPTES_URL
'https://www.zooniverse.org'
"""

__version__ = "0.1.0"

PANOPTES_URL = "https://www.zooniverse.org"
"""The Panoptes API endpoint that panoptes-client talks to."""

__all__ = ["__version__", "PANOPTES_URL"]
