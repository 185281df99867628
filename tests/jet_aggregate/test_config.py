"""One validated, frozen parameter set; unknown keys are an error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from jet_aggregate.config import AggregationConfig, load_config
from jet_aggregate.errors import ConfigError
from jet_store.errors import UserError


def test_defaults_are_the_reference_settings() -> None:
    c = AggregationConfig()
    assert (c.box_eps, c.box_min_samples) == (0.6, 3)
    assert (c.point_algorithm, c.point_min_cluster_size, c.point_min_samples) == ("hdbscan", 2, 2)
    assert (c.track_max_distance, c.track_max_gap_s, c.box_merge_iou_max, c.point_merge_factor) == (
        3.0,
        624.0,
        0.1,
        1.5,
    )
    assert c.jet_tasks == ("T1", "T5")
    assert (c.point_selection_epsilon, c.point_allow_single_cluster) == (0.0, False)


def test_the_joined_points_preset_is_named_and_overridable(tmp_path: Path) -> None:
    joined = AggregationConfig.preset("joined-points")
    assert (joined.point_selection_epsilon, joined.point_allow_single_cluster) == (4.0, True)
    assert joined.params_hash() != AggregationConfig().params_hash()
    assert AggregationConfig.preset("reference") == AggregationConfig()
    path = tmp_path / "aggregate.toml"
    path.write_text('preset = "joined-points"\npoint_selection_epsilon = 6.0\n')
    c = load_config(path)
    assert (c.point_selection_epsilon, c.point_allow_single_cluster) == (6.0, True)
    assert AggregationConfig.from_mapping(c.to_dict()) == c  # recorded values, no preset key
    for bad in ({"preset": "ours"}, {"preset": 1}):
        with pytest.raises(ConfigError, match="unknown aggregation preset"):
            AggregationConfig.from_mapping(bad)
    with pytest.raises(ConfigError, match="unknown aggregation preset"):
        AggregationConfig.preset("ours")


@pytest.mark.parametrize(
    "values",
    [
        {"allow_single_cluster": True},  # the reference drops this one silently
        {"box_eps": "0.6"},
        {"box_eps": 1.5},
        {"box_min_samples": 0},
        {"point_algorithm": "optics"},
        {"point_allow_single_cluster": 1},
        {"start_tool": 2},
        {"jet_tasks": []},
        {"track_max_distance": float("nan")},
    ],
)
def test_bad_parameters_are_errors(values: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as info:
        AggregationConfig.from_mapping(values)
    assert isinstance(info.value, UserError)


def test_frozen_and_hash_follows_the_values() -> None:
    c = AggregationConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.box_eps = 0.5  # type: ignore[misc]
    assert AggregationConfig().params_hash() == c.params_hash()
    assert AggregationConfig(box_eps=0.5).params_hash() != c.params_hash()
    assert AggregationConfig.from_mapping(c.to_dict()) == c


def test_load_config_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "aggregate.toml"
    path.write_text('[aggregate]\nbox_eps = 0.5\njet_tasks = ["T1"]\n')
    c = load_config(path)
    assert (c.box_eps, c.jet_tasks) == (0.5, ("T1",))
    path.write_text("box_min_samples = 4\n")
    assert load_config(path).box_min_samples == 4
    path.write_text("eps = 4\n")
    with pytest.raises(ConfigError, match="unknown aggregation parameter 'eps'"):
        load_config(path)
    path.write_text("box_eps = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
