"""sdo-cutout: SDO/AIA cutout jobs and a verifying, resumable FITS downloader.

Cutout jobs: build them from HEK events (:func:`requests_for_events`, one job per
distinct jet) or explicit parameters (:class:`CutoutParams`), add them to a
:class:`jet_store.Store` (:func:`add_jobs`), and run them on the LMSAL SSW cutout
service (:class:`SswClient`) or JSOC's export with ``im_patch`` (:class:`JsocClient`)
with :func:`submit_jobs`, :func:`poll_jobs` or :func:`run_jobs`; a finished job adds
one pending :class:`jet_store.FitsFrame` per file URL. :func:`download_frames` fetches
and verifies those files. Both stages take one options object (:class:`JobOptions`,
:class:`DownloadOptions`) or its fields as keyword arguments.

Examples
--------
>>> import sdo_cutout
>>> sdo_cutout.JSOC_URL
'http://jsoc.stanford.edu'
>>> p = sdo_cutout.CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683))
>>> p.max_frames, p.key
(199, 'ssw:6afad99ba54cd163')

Running jobs needs the services (or the replicas of ``jet_sandbox``)::

    store = jet_store.Store("jets.db")
    sdo_cutout.add_jobs(store, sdo_cutout.requests_for_events(store.filter("events")))
    summary = sdo_cutout.run_jobs(store, [sdo_cutout.SswClient(), sdo_cutout.JsocClient()])
    print(summary.line())
"""

from jet_store.lazy import attach_stub

__version__ = "0.1.0"
SSW_URL = "http://www.lmsal.com/cgi-ssw/ssw_service_track_fov.sh"
"""The LMSAL SSW cutout service's submit CGI."""
SSW_DATA_URL = "https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/"
"""Base of the SSW cutout job folders (job id appended)."""
JSOC_URL = "http://jsoc.stanford.edu"
"""The JSOC site root (``/cgi-bin/ajax/jsoc_fetch`` and the export folders live below it)."""

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
