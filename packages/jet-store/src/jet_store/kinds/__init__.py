"""The record kinds, one module per domain; :mod:`jet_store.records` gathers them.

* :mod:`~jet_store.kinds.base`: :class:`~jet_store.kinds.base.Record`, the base of all;
* :mod:`~jet_store.kinds.hek`: HEK events and searches;
* :mod:`~jet_store.kinds.preparation`: cutout jobs, FITS frames, renderings;
* :mod:`~jet_store.kinds.zooniverse`: subjects, workflows, classifications, annotations,
  import reports;
* :mod:`~jet_store.kinds.catalogue`: clusters, jets, aggregation runs.

Examples
--------
>>> from jet_store.kinds.preparation import FitsFrame
>>> from jet_store.records import FitsFrame as Same
>>> FitsFrame is Same
True
"""
