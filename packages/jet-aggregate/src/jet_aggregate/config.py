"""One validated, frozen set of aggregation parameters (defaults = the reference's).

The reference pipeline (panoptes_aggregation with the Solar Jet Hunter configs and the
team's scripts) silently drops unknown keys; here an unknown key, a wrong type or an
out-of-range value is a :class:`~jet_aggregate.errors.ConfigError`. Every run records
:meth:`AggregationConfig.to_dict` and :meth:`AggregationConfig.params_hash` beside its
results, so the same inputs with the same parameters give the same output.

Examples
--------
>>> from jet_aggregate.config import AggregationConfig
>>> config = AggregationConfig()
>>> config.box_eps, config.box_min_samples, config.point_min_cluster_size
(0.6, 3, 2)
>>> AggregationConfig.from_mapping({"box_eps": 0.5}).box_eps
0.5
>>> AggregationConfig.from_mapping({"allow_single_cluster": True})
Traceback (most recent call last):
...
jet_aggregate.errors.ConfigError: unknown aggregation parameter 'allow_single_cluster'; known: ...
>>> len(config.params_hash())
12

The defaults are the reference's also for the points (``point_selection_epsilon = 0``,
``point_allow_single_cluster = False``); the project's alternative, base-point clusters
grown by single linkage at 4 px and allowed to be one cluster, is the named preset
``"joined-points"`` (a file can ask for it with ``preset = "joined-points"``):

>>> config.point_selection_epsilon, config.point_allow_single_cluster
(0.0, False)
>>> joined = AggregationConfig.preset("joined-points")
>>> joined.point_selection_epsilon, joined.point_allow_single_cluster
(4.0, True)
>>> AggregationConfig.preset("joined-points", box_eps=0.5).box_eps
0.5
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from jet_aggregate.errors import ConfigError

__all__ = ["PRESETS", "AggregationConfig", "load_config"]

PointAlgorithm = Literal["hdbscan", "dbscan"]

#: Named parameter sets over the defaults (the reference's settings). ``joined-points``:
#: HDBSCAN base-point clusters joined at 4 px and allowed to be a single cluster, so one
#: crowd's base points make one cluster instead of pairs (the same jets and must-show
#: accuracy on the simulated crowds, about a third of the point clusters).
PRESETS: dict[str, dict[str, Any]] = {
    "reference": {},
    "joined-points": {"point_selection_epsilon": 4.0, "point_allow_single_cluster": True},
}

_CHOICES: dict[str, tuple[str, ...]] = {
    "point_algorithm": ("hdbscan", "dbscan"),
    "point_cluster_selection_method": ("eom", "leaf"),
    "point_centre": ("weighted", "mean", "median"),
}
_NON_NEGATIVE = ("point_selection_epsilon",)
_POSITIVE = (
    "box_eps",
    "point_eps",
    "box_merge_iou_max",
    "point_merge_factor",
    "track_max_distance",
    "track_max_gap_s",
)
_AT_LEAST_ONE = (
    "box_min_samples",
    "point_min_cluster_size",
    "point_min_samples",
    "min_users",
    "refine_iterations",
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AggregationConfig:
    """Parameters of one aggregation run.

    Parameters
    ----------
    box_eps, box_min_samples
        DBSCAN on the ``1 - IoU`` distance between rotated boxes (reference
        ``shape_reducer_dbscan``: ``metric_type: IoU, eps: 0.6, min_samples: 3``).
    point_algorithm
        ``"hdbscan"`` (reference ``point_reducer_hdbscan``) or ``"dbscan"``.
    point_min_cluster_size, point_min_samples, point_cluster_selection_method
        HDBSCAN parameters (reference: ``min_cluster_size: 2, min_samples: 2``, ``eom``).
    point_eps
        DBSCAN radius in image pixels (``point_algorithm="dbscan"`` only).
    point_allow_single_cluster
        Let HDBSCAN return all marks as one cluster. The reference's default (False)
        finds no cluster at all when a subject's marks form one clean crowd (the
        ``joined-points`` preset sets True).
    point_selection_epsilon
        HDBSCAN clusters with marks closer than this (image pixels) are joined, as
        HDBSCAN's ``cluster_selection_epsilon`` would. The reference's 0 (the default)
        at ``min_cluster_size = 2`` splits one crowd's base points into pairs, which
        the per-subject merge (``point_merge_factor``) joins again; the
        ``joined-points`` preset sets 4.
    point_centre
        Cluster centre: ``"weighted"`` (by HDBSCAN membership probability, what the
        reference computes and then overwrites), ``"mean"`` or ``"median"``.
    min_users
        Fewest distinct volunteers in a cluster: one volunteer's marks never form a
        cluster alone. Each volunteer contributes at most one mark per cluster.
    refine_iterations
        Most Levenberg-Marquardt steps polishing the closed-form consensus box.
    jet_tasks
        Drawing tasks holding one jet each (Box the jets: ``T1`` jet 1, ``T5`` jet 2).
    start_tool, end_tool, box_tool
        Tool indices: base where the jet first appears, base where it is last visible,
        the box in the frame of maximum length.
    question_task, yes_prefix
        The "is there a jet" question and the prefix of its yes answer (a subject
        whose majority answer is not yes keeps no single-subject jet).
    box_merge_iou_max
        Box clusters of one subject (pooled over the jet tasks) overlapping by more
        than this IoU are one jet (the best one kept).
    point_merge_factor
        Point clusters of one tool closer than this many times the larger spread merge.
    track_max_distance, track_max_gap_s
        Linking per-subject jets across an event: greedy below this distance, and no
        more than this many seconds between a jet's end and the next one's start
        (reference: 3.0 and two subject steps of 312 s).
    """

    box_eps: float = 0.6
    box_min_samples: int = 3
    point_algorithm: str = "hdbscan"
    point_min_cluster_size: int = 2
    point_min_samples: int = 2
    point_cluster_selection_method: str = "eom"
    point_eps: float = 30.0
    point_selection_epsilon: float = 0.0
    point_allow_single_cluster: bool = False
    point_centre: str = "weighted"
    min_users: int = 2
    refine_iterations: int = 30
    jet_tasks: tuple[str, ...] = ("T1", "T5")
    start_tool: int = 0
    end_tool: int = 1
    box_tool: int = 2
    question_task: str = "T3"
    yes_prefix: str = "yes"
    box_merge_iou_max: float = 0.1
    point_merge_factor: float = 1.5
    track_max_distance: float = 3.0
    track_max_gap_s: float = 624.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "jet_tasks":
                given: Any = value
                tasks = (given,) if isinstance(given, str) else tuple(given)
                if not tasks or not all(isinstance(t, str) and t for t in tasks):
                    raise ConfigError("jet_tasks must be a non-empty list of task names such as ['T1', 'T5']")
                object.__setattr__(self, "jet_tasks", tasks)
            elif f.type in ("bool", bool):
                if not isinstance(value, bool):
                    raise ConfigError(f"{f.name} must be true or false, not {value!r}")
            elif f.type in ("float", float):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ConfigError(f"{f.name} must be a number, not {value!r}")
                if not math.isfinite(value):
                    raise ConfigError(f"{f.name} must be finite, not {value!r}")
                object.__setattr__(self, f.name, float(value))
            elif f.type in ("int", int):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ConfigError(f"{f.name} must be a whole number, not {value!r}")
            elif f.type in ("str", str) and not isinstance(value, str):
                raise ConfigError(f"{f.name} must be text, not {value!r}")
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {getattr(self, name)!r}")
        for name in _POSITIVE:
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0, not {getattr(self, name)!r}")
        for name in _NON_NEGATIVE:
            if not getattr(self, name) >= 0:
                raise ConfigError(f"{name} must be >= 0, not {getattr(self, name)!r}")
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, not {getattr(self, name)!r}")
        if not 0 < self.box_eps <= 1:
            raise ConfigError(f"box_eps is a 1 - IoU distance in (0, 1], not {self.box_eps!r}")
        if not 0 <= self.box_merge_iou_max < 1:
            raise ConfigError(f"box_merge_iou_max must be in [0, 1), not {self.box_merge_iou_max!r}")
        if len({self.start_tool, self.end_tool, self.box_tool}) != 3:
            raise ConfigError("start_tool, end_tool and box_tool must be three different tools")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> AggregationConfig:
        """The named parameter set of :data:`PRESETS` (plus overrides).

        Raises
        ------
        ConfigError
            If there is no preset of that name, or an override is unknown or invalid.
        """
        if name not in PRESETS:
            raise ConfigError(f"unknown aggregation preset {name!r}; known: {', '.join(sorted(PRESETS))}")
        return cls.from_mapping({**PRESETS[name], **overrides})

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> AggregationConfig:
        """Build from a mapping; an unknown key is an error (the reference drops it).

        A ``preset`` key names a :data:`PRESETS` entry that the other keys override.
        """
        data = dict(values)
        preset = data.pop("preset", None)
        if preset is not None:
            if not isinstance(preset, str) or preset not in PRESETS:
                known_presets = ", ".join(sorted(PRESETS))
                raise ConfigError(f"unknown aggregation preset {preset!r}; known: {known_presets}")
            data = {**PRESETS[preset], **data}
        known = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError(f"unknown aggregation parameter {key!r}; known: {', '.join(sorted(known))}")
        if "jet_tasks" in data and isinstance(data["jet_tasks"], list):
            data["jet_tasks"] = tuple(data["jet_tasks"])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-ready dict (recorded with every run)."""
        out = dataclasses.asdict(self)
        out["jet_tasks"] = list(self.jet_tasks)
        return out

    def params_hash(self) -> str:
        """A short stable hash of the parameters (12 hex digits)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def load_config(path: str | Path | None = None, **overrides: Any) -> AggregationConfig:
    """Read parameters from a TOML file (top level, or an ``[aggregate]`` table) plus overrides.

    The file may name a preset (``preset = "joined-points"``) that its other keys override.

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed, or holds an unknown or invalid parameter.
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read aggregation config {str(path)!r}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"aggregation config {str(path)!r} is not valid TOML: {exc}") from exc
        table = data.get("aggregate", data)
        if not isinstance(table, dict):
            raise ConfigError(f"[aggregate] in {str(path)!r} must be a table")
        values.update(table)
    values.update(overrides)
    return AggregationConfig.from_mapping(values)
