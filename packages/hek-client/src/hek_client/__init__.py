"""hek-client: query the Heliophysics Event Knowledgebase (HEK) for solar events.

Build a :class:`HekQuery` (what to ask), run it with a :class:`HekClient` (paging,
time windows, bounded concurrency, retries; :class:`AsyncHekClient` from asyncio), get a :class:`HekResult` of
:class:`jet_store.HekEvent` records (or an astropy table), or save straight into a
:class:`jet_store.Store` with :func:`search_and_save`, which skips windows already
searched.

Examples
--------
>>> import hek_client
>>> hek_client.HEK_URL
'https://www.lmsal.com/hek/her'
>>> q = hek_client.HekQuery("2010-06-01", "2020-06-01", channel=304)
>>> len(hek_client.HekClient().plan(q))  # 90-day windows
41

A search needs the service (or ``jet_sandbox.hek.HekServer``, a local replica)::

    with hek_client.HekClient() as client:
        result = client.search(q)
    table = result.to_table()
"""

from jet_store.lazy import attach_stub

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
