"""hek-client: query the Heliophysics Event Knowledgebase (HEK) for solar events.

The client itself arrives with issue 3; this release holds the service address.

Examples
--------
>>> import hek_client
>>> hek_client.HEK_URL
'https://www.lmsal.com/hek/her'
"""

__version__ = "0.1.0"

HEK_URL = "https://www.lmsal.com/hek/her"
"""The HEK search endpoint (GET only)."""

__all__ = ["__version__", "HEK_URL"]
