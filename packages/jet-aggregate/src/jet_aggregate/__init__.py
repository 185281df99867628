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

from jet_aggregate.boxes import (
    BoxCluster,
    BoxClusters,
    cluster_boxes,
    consensus_box,
    estimate_box,
    sigma_boxes,
)
from jet_aggregate.catalogue import catalogue_rows, catalogue_table, write_catalogue
from jet_aggregate.config import AggregationConfig, load_config
from jet_aggregate.errors import AggregateError, ConfigError, InputError, MetadataError
from jet_aggregate.iou import iou_matrix
from jet_aggregate.jets import SubjectJet, subject_jets
from jet_aggregate.measure import measure_jet
from jet_aggregate.points import PointCluster, PointClusters, cluster_points
from jet_aggregate.questions import QuestionConsensus, question_consensus
from jet_aggregate.stage import AggregateSummary, AggregationResult, aggregate, aggregate_annotations
from jet_aggregate.tracking import link_jets

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "AggregateError",
    "AggregateSummary",
    "AggregationConfig",
    "AggregationResult",
    "BoxCluster",
    "BoxClusters",
    "ConfigError",
    "InputError",
    "MetadataError",
    "PointCluster",
    "PointClusters",
    "QuestionConsensus",
    "SubjectJet",
    "aggregate",
    "aggregate_annotations",
    "catalogue_rows",
    "catalogue_table",
    "cluster_boxes",
    "cluster_points",
    "consensus_box",
    "estimate_box",
    "iou_matrix",
    "link_jets",
    "load_config",
    "measure_jet",
    "question_consensus",
    "sigma_boxes",
    "subject_jets",
    "write_catalogue",
]
