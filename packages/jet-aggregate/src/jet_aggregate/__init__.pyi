"""The public names of jet_aggregate (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from .boxes import BoxCluster, BoxClusters, cluster_boxes, consensus_box, estimate_box, sigma_boxes
from .catalogue import catalogue_rows, catalogue_table, write_catalogue
from .config import AggregationConfig, load_config
from .errors import AggregateError, ConfigError, InputError, MetadataError
from .iou import iou_matrix
from .jets import SubjectJet, subject_jets
from .measure import measure_jet
from .points import PointCluster, PointClusters, cluster_points
from .questions import QuestionConsensus, question_consensus
from .stage import AggregateSummary, AggregationResult, aggregate, aggregate_annotations
from .tracking import link_jets

__version__: str

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
