"""jet-aggregate: volunteers' answers, points and boxes -> jets with uncertainties -> a catalogue.

Modules, one concern each: :mod:`~jet_aggregate.config` (validated parameters),
:mod:`~jet_aggregate.questions` (answer consensus), :mod:`~jet_aggregate.points`
(HDBSCAN/DBSCAN base points), :mod:`~jet_aggregate.clip` and :mod:`~jet_aggregate.iou`
(exact rotated-box IoU), :mod:`~jet_aggregate.boxes` (box clusters and consensus),
:mod:`~jet_aggregate.frames` (a subject's frames, WCS and times),
:mod:`~jet_aggregate.pools` (clusters pooled over the jet tasks), :mod:`~jet_aggregate.axis`
(base edge, width, height, direction), :mod:`~jet_aggregate.jets` (per-subject jets on
the Sun), :mod:`~jet_aggregate.tracking`
(linking across subjects), :mod:`~jet_aggregate.measure` (catalogue quantities),
:mod:`~jet_aggregate.catalogue` (CSV/ECSV/JSON) and :mod:`~jet_aggregate.stage` (store
in and out, in parallel).

Examples
--------
>>> import jet_aggregate
>>> jet_aggregate.__version__
'0.1.0'
>>> jet_aggregate.AggregationConfig().box_eps
0.6
"""

from jet_store.lazy import attach_stub

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
