"""sdo-cutout: SDO/AIA cutout jobs and a verifying, resumable FITS downloader.

This release holds the services' addresses; the jobs and downloader arrive with issue 4.

Examples
--------
>>> import sdo_cutout
>>> sdo_cutout.JSOC_URL
'http://jsoc.stanford.edu'
"""

__version__ = "0.1.0"

SSW_URL = "http://www.lmsal.com/cgi-ssw/ssw_service_track_fov.sh"
"""The LMSAL SSW cutout service's submit CGI."""
SSW_DATA_URL = "https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/"
"""Base of the SSW cutout job folders (job id appended)."""
JSOC_URL = "http://jsoc.stanford.edu"
"""The JSOC site root (``/cgi-bin/ajax/jsoc_fetch`` and the export folders live below it)."""

__all__ = ["__version__", "SSW_URL", "SSW_DATA_URL", "JSOC_URL"]
